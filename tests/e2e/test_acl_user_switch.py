# ringcast only: a RESP3 subscriber that switches to a user who may not hold its subscriptions (AUTH
# or HELLO AUTH) is disconnected at once, never sent a message it may not read; allowed ones stay.

import threading
import unittest

from harness import ServerTestCase, cmd, parse_reply, skip_unless_ringcast

CONFIG = 'users:\n  alice: "on >wonderland +@pubsub +@connection &news.* &chat:*"\n'


def push_confirm(verb, name, n=1):
    return b">3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(verb), verb, len(name), name, n)


@skip_unless_ringcast("Redis keeps delivering to a client whose user lost the channel; ringcast disconnects it")
class AclUserSwitchTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2, config_text=CONFIG)
        self.pub = self.client()

    def resp3_subscriber(self, verb, name):
        c = self.client()
        c.send(cmd("HELLO", "3"))
        self.assertIsInstance(c.read_reply(), dict)
        want = push_confirm(verb.lower().encode(), name.encode())
        self.assertBytes(c.request(cmd(verb, name), len(want)), want)
        return c

    def check_cut(self, c, switch_request):
        """Sends `switch_request` while messages the new user may not read keep coming; the
        client must get nothing after it (no reply, no message) and be closed."""
        stop = threading.Event()
        publisher = self.client()

        def flood():
            while not stop.is_set():
                publisher.send(cmd("PUBLISH", "secret", "for default only"))
                publisher.read_reply()

        self.assertBytes(publisher.request(cmd("PUBLISH", "secret", "before"), 4), b":1\r\n")
        before = c.read_reply()
        self.assertEqual(before[0], b"pmessage" if len(before) == 4 else b"message", before)
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        self.addCleanup(t.join, 5)
        self.addCleanup(stop.set)
        # Whatever arrives before the close (output still queued is dropped with the connection)
        # must be what `default` was sent: its messages and the PING reply, never AUTH's +OK.
        c.send(cmd("PING", "marker") + switch_request)
        self.assertTrue(c.is_closed(timeout=5), "still connected after switching users")
        data, pos = bytes(c.buf), 0
        while True:
            parsed = parse_reply(data, pos)
            if parsed is None:
                break  # a frame cut short by the close, at most
            value, pos = parsed
            self.assertTrue(value == b"marker" or (isinstance(value, list) and value[-1] == b"for default only"),
                            "sent %r after the switch" % (value,))
        stop.set()
        line = self.server.wait_for_log("may not keep its subscriptions")
        self.assertIsNotNone(line, "no log line about the disconnect")
        self.assertIn("user 'alice'", line)
        self.assertBytes(self.pub.request(cmd("PUBSUB", "NUMPAT"), 4), b":0\r\n")

    def test_auth_to_a_user_without_the_pattern_disconnects(self):
        self.check_cut(self.resp3_subscriber("PSUBSCRIBE", "*"), cmd("AUTH", "alice", "wonderland"))

    def test_hello_auth_to_a_user_without_the_pattern_disconnects(self):
        self.check_cut(self.resp3_subscriber("PSUBSCRIBE", "*"), cmd("HELLO", "3", "AUTH", "alice", "wonderland"))

    def test_a_pattern_that_is_only_narrower_is_not_enough(self):
        # secre* matches no channel alice may read, and is not one of her patterns.
        self.check_cut(self.resp3_subscriber("PSUBSCRIBE", "secre*"), cmd("AUTH", "alice", "wonderland"))

    def test_channel_subscription_the_user_may_not_hold_disconnects(self):
        self.check_cut(self.resp3_subscriber("SUBSCRIBE", "secret"), cmd("AUTH", "alice", "wonderland"))

    def test_allowed_subscriptions_survive_the_switch(self):
        c = self.resp3_subscriber("SUBSCRIBE", "news.a")
        want = push_confirm(b"psubscribe", b"chat:*", 2)
        self.assertBytes(c.request(cmd("PSUBSCRIBE", "chat:*"), len(want)), want)
        self.assertBytes(c.request(cmd("AUTH", "alice", "wonderland"), 5), b"+OK\r\n")
        self.assertBytes(self.pub.request(cmd("PUBLISH", "news.a", "x"), 4), b":1\r\n")
        self.assertBytes(self.pub.request(cmd("PUBLISH", "chat:9", "y"), 4), b":1\r\n")
        msgs = (b">3\r\n$7\r\nmessage\r\n$6\r\nnews.a\r\n$1\r\nx\r\n"
                b">4\r\n$8\r\npmessage\r\n$6\r\nchat:*\r\n$6\r\nchat:9\r\n$1\r\ny\r\n")
        self.assertBytes(c.read_exact(len(msgs)), msgs)
        # As alice now: her rules apply to what it asks next.
        noperm = b"-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"
        self.assertBytes(c.request(cmd("SUBSCRIBE", "secret"), len(noperm)), noperm)

    def test_failed_auth_keeps_the_subscriber(self):
        c = self.resp3_subscriber("PSUBSCRIBE", "*")
        wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        self.assertBytes(c.request(cmd("AUTH", "alice", "nope"), len(wrongpass)), wrongpass)
        self.assertBytes(self.pub.request(cmd("PUBLISH", "secret", "z"), 4), b":1\r\n")
        msg = b">4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$6\r\nsecret\r\n$1\r\nz\r\n"
        self.assertBytes(c.read_exact(len(msg)), msg)


if __name__ == "__main__":
    unittest.main()
