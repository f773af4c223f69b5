# limits.max_subscriptions 3 (ringcast only): a command that would take a client past 3
# subscriptions (channels, patterns and shard channels together) is refused whole; others unaffected.

import unittest

from barrier import until_ping
from harness import ServerTestCase, cmd, skip_unless_ringcast

CONFIG = "limits:\n  max_subscriptions: 3\n"
REFUSED = b"-ERR max number of subscriptions per client reached (3)\r\n"


def confirm(verb, name, n):
    return b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(verb), verb, len(name), name, n)


def numsub(*pairs):
    out = b"*%d\r\n" % (2 * len(pairs))
    for name, n in pairs:
        out += b"$%d\r\n%s\r\n:%d\r\n" % (len(name), name, n)
    return out


@skip_unless_ringcast("limits.max_subscriptions is ringcast's own")
class MaxSubscriptionsTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2, config_text=CONFIG)
        self.pub = self.client()

    def subscribed(self, c, verb, *names, start=0):
        c.send(cmd(verb.upper(), *names))
        want = b"".join(confirm(verb, n, start + i + 1) for i, n in enumerate(names))
        self.assertBytes(c.read_exact(len(want)), want, "%s %r" % (verb, names))

    def assertNumsub(self, *pairs):
        want = numsub(*pairs)
        self.assertBytes(self.pub.request(cmd("PUBSUB", "NUMSUB", *[p[0] for p in pairs]), len(want)), want)

    def test_the_fourth_is_refused_and_nothing_of_that_command_is_done(self):
        c = self.client()
        self.subscribed(c, b"subscribe", b"a", b"b", b"c")
        self.assertBytes(c.request(cmd("SUBSCRIBE", "d"), len(REFUSED)), REFUSED)
        self.assertBytes(c.request(cmd("PSUBSCRIBE", "p*"), len(REFUSED)), REFUSED)
        self.assertBytes(c.request(cmd("SSUBSCRIBE", "s"), len(REFUSED)), REFUSED)
        # One fresh name among known ones: the whole command is refused, `a` is not re-confirmed.
        self.assertBytes(c.request(cmd("SUBSCRIBE", "a", "e"), len(REFUSED)), REFUSED)
        self.assertNumsub((b"a", 1), (b"b", 1), (b"c", 1), (b"d", 0), (b"e", 0))
        self.assertBytes(self.pub.request(cmd("PUBSUB", "NUMPAT"), 4), b":0\r\n")
        # Subscribing again to what it has is not a new subscription.
        self.assertBytes(c.request(cmd("SUBSCRIBE", "b"), len(confirm(b"subscribe", b"b", 3))),
                         confirm(b"subscribe", b"b", 3))
        # The refusal changed nothing: messages still flow, on its channels only.
        self.assertBytes(self.pub.request(cmd("PUBLISH", "d", "x"), 4), b":0\r\n")
        self.assertBytes(self.pub.request(cmd("PUBLISH", "c", "y"), 4), b":1\r\n")
        msg = b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\ny\r\n"
        self.assertBytes(c.read_exact(len(msg), timeout=10), msg)
        self.assertBytes(until_ping(c), b"", "only the message on its channel")

        # Room again after an unsubscribe.
        unsub = confirm(b"unsubscribe", b"c", 2)
        self.assertBytes(c.request(cmd("UNSUBSCRIBE", "c"), len(unsub)), unsub)
        self.subscribed(c, b"psubscribe", b"p*", start=2)
        self.assertBytes(c.request(cmd("SUBSCRIBE", "c"), len(REFUSED)), REFUSED)

    def test_patterns_and_shard_channels_count_together(self):
        c = self.client()
        self.subscribed(c, b"psubscribe", b"x*")
        self.subscribed(c, b"ssubscribe", b"s1")
        self.subscribed(c, b"subscribe", b"ch", start=1)  # the count in a reply is channels + patterns
        self.assertBytes(c.request(cmd("SSUBSCRIBE", "s2"), len(REFUSED)), REFUSED)
        self.assertBytes(c.request(cmd("PSUBSCRIBE", "y*"), len(REFUSED)), REFUSED)

    def test_a_command_over_the_limit_from_nothing_subscribes_nothing(self):
        c = self.client()
        self.assertBytes(c.request(cmd("SUBSCRIBE", "a", "b", "c", "d"), len(REFUSED)), REFUSED)
        self.assertNumsub((b"a", 0), (b"d", 0))
        # Still not in subscribed mode: an ordinary command gets an ordinary reply.
        self.assertBytes(c.request(cmd("ECHO", "hi"), 8), b"$2\r\nhi\r\n")
        # Repeated names count once: four arguments, one subscription, four confirmations.
        c.send(cmd("SUBSCRIBE", "z", "z", "z", "z"))
        want = confirm(b"subscribe", b"z", 1) * 4
        self.assertBytes(c.read_exact(len(want)), want)

    def test_other_clients_have_their_own_budget(self):
        full = self.client()
        self.subscribed(full, b"subscribe", b"a", b"b", b"c")
        self.assertBytes(full.request(cmd("SUBSCRIBE", "d"), len(REFUSED)), REFUSED)
        for _ in range(3):  # on both shards
            other = self.client()
            self.subscribed(other, b"subscribe", b"d", b"e", b"f")
        self.assertNumsub((b"a", 1), (b"d", 3), (b"f", 3))


if __name__ == "__main__":
    unittest.main()
