# A subscription is live once its confirmation has arrived: a PUBLISH sent right after it, from
# another shard (the next connection) or the same one, reaches the subscriber. 1000 rounds each.

import unittest

from barrier import until_ping
from harness import ServerTestCase, client_list_entry, cmd, is_redis

ROUNDS = 1000


def confirm(kind, channel, count):
    return b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(kind), kind, len(channel), channel, count)


class SubscribeVisibilityTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)
        # Accepted round-robin over 2 shards: a and c share a shard, b is on the other one.
        self.a = self.client()
        self.b = self.client()
        self.c = self.client()
        if not is_redis():
            shard = lambda peer: client_list_entry(self.a, peer)["shard"]  # noqa: E731
            self.assertEqual(shard(self.a), shard(self.c), "a and c are not on one shard")
            self.assertNotEqual(shard(self.a), shard(self.b), "b is not on the other shard")

    def exchange(self, c, req, exp, what):
        self.assertBytes(c.request(req, len(exp), timeout=5), exp, what)

    def rounds(self, sub_kind, unsub_kind, pub_cmd, msg_kind, pattern=False):
        a = self.a
        for i in range(ROUNDS):
            channel = b"vis:%s:%d" % (sub_kind, i)
            target = channel + b"*" if pattern else channel
            publisher = self.b if i % 2 == 0 else self.c
            where = "round %d (%s, publisher on the %s shard)" % (i, sub_kind.decode(),
                                                                   "other" if i % 2 == 0 else "same")
            self.exchange(a, cmd(sub_kind, target), confirm(sub_kind, target, 1), where + ": confirmation")
            payload = b"m%d" % i
            self.exchange(publisher, cmd(pub_cmd, channel, payload), b":1\r\n", where + ": receiver count")
            if pattern:
                frame = b"*4\r\n$8\r\npmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                    len(target), target, len(channel), channel, len(payload), payload)
            else:
                frame = b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                    len(msg_kind), msg_kind, len(channel), channel, len(payload), payload)
            self.assertBytes(a.read_exact(len(frame), timeout=5), frame, where + ": delivery")
            self.exchange(a, cmd(unsub_kind, target), confirm(unsub_kind, target, 0), where + ": unsubscribe")
        self.assertBytes(until_ping(a), b"", "extra bytes after the rounds")

    def test_subscribe_then_publish_at_once(self):
        self.rounds(b"subscribe", b"unsubscribe", "PUBLISH", b"message")

    def test_psubscribe_then_publish_at_once(self):
        self.rounds(b"psubscribe", b"punsubscribe", "PUBLISH", b"pmessage", pattern=True)

    def test_ssubscribe_then_spublish_at_once(self):
        self.rounds(b"ssubscribe", b"sunsubscribe", "SPUBLISH", b"smessage")

    def test_unsubscribe_is_visible_at_once(self):
        """After the unsubscribe confirmation, PUBLISH counts no receiver and nothing arrives."""
        a = self.a
        for i in range(ROUNDS):
            channel = b"gone:%d" % i
            publisher = self.b if i % 2 == 0 else self.c
            self.exchange(a, cmd("SUBSCRIBE", channel, b"keep"),
                          confirm(b"subscribe", channel, 1) + confirm(b"subscribe", b"keep", 2), "round %d" % i)
            self.exchange(a, cmd("UNSUBSCRIBE", channel), confirm(b"unsubscribe", channel, 1), "round %d" % i)
            self.exchange(publisher, cmd("PUBLISH", channel, "late"), b":0\r\n", "round %d: count" % i)
            # A marker on a channel still subscribed proves nothing for `channel` came before it.
            self.exchange(publisher, cmd("PUBLISH", "keep", b"%d" % i), b":1\r\n", "round %d" % i)
            marker = b"*3\r\n$7\r\nmessage\r\n$4\r\nkeep\r\n$%d\r\n%d\r\n" % (len(b"%d" % i), i)
            self.assertBytes(a.read_exact(len(marker), timeout=5), marker, "round %d: only the marker" % i)
            self.exchange(a, cmd("UNSUBSCRIBE", "keep"), confirm(b"unsubscribe", b"keep", 0), "round %d" % i)

    def test_message_counted_before_unsubscribe_is_delivered(self):
        """PUBLISH answered :2 before the subscriber unsubscribes: both frames still arrive, before
        the unsubscribe confirmations (Redis queues them before it replies to PUBLISH)."""
        a, wrong = self.a, []
        for i in range(ROUNDS):
            channel = b"cnt:%d" % i
            pattern = channel + b"*"
            publisher = self.b if i % 2 == 0 else self.c
            self.exchange(a, cmd("SUBSCRIBE", channel) + cmd("PSUBSCRIBE", pattern),
                          confirm(b"subscribe", channel, 1) + confirm(b"psubscribe", pattern, 2), "round %d" % i)
            self.exchange(publisher, cmd("PUBLISH", channel, "x"), b":2\r\n", "round %d: count" % i)
            a.send(cmd("PUNSUBSCRIBE") + cmd("UNSUBSCRIBE"))
            expected = [[b"message", channel, b"x"], [b"pmessage", pattern, channel, b"x"],
                        [b"punsubscribe", pattern, 1], [b"unsubscribe", channel, 0]]
            got = []
            while not got or got[-1][0] != b"unsubscribe":  # the last confirmation ends the round
                got.append(a.read_reply(timeout=5))
            if got != expected:
                got.append(a.read_some(quiet=0.1, timeout=0.3))  # anything late
                wrong.append("round %d (publisher on the %s shard): %r" % (
                    i, "other" if i % 2 == 0 else "same", got))
        if wrong:
            self.fail("%d of %d rounds lost or reordered messages counted by PUBLISH; first ones:\n  %s"
                      % (len(wrong), ROUNDS, "\n  ".join(wrong[:3])))


if __name__ == "__main__":
    unittest.main()
