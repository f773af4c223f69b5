# timeout 1: an idle client is closed after about a second (not one that keeps talking), while
# subscribed clients, RESP2 or RESP3, are never closed for idleness and still get messages after 3 s.

import time
import unittest

from harness import ServerTestCase, cmd, info_fields, is_redis

CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$4\r\nidle\r\n:1\r\n"


class IdleTimeoutTest(ServerTestCase):
    def test_idle_clients_are_closed_subscribers_are_not(self):
        self.server = self.start_server(shards=2, config_text="timeout: 1\n", redis_args=["--timeout", "1"])
        sub2 = self.client()
        self.assertBytes(sub2.request(cmd("SUBSCRIBE", "idle"), len(CONFIRM)), CONFIRM)
        sub3 = self.client()
        sub3.send(cmd("HELLO", "3"))
        self.assertIsInstance(sub3.read_reply(), dict)
        push = b">3\r\n$9\r\nsubscribe\r\n$4\r\nidle\r\n:1\r\n"
        self.assertBytes(sub3.request(cmd("SUBSCRIBE", "idle"), len(push)), push)
        busy = self.client()
        idle = self.client()
        t0 = time.monotonic()
        self.assertBytes(idle.request(cmd("PING"), 7), b"+PONG\r\n")

        # The busy client talks every 300 ms; the idle one says nothing more.
        closed_at = None
        while time.monotonic() - t0 < 3.2:
            self.assertBytes(busy.request(cmd("PING"), 7), b"+PONG\r\n", "the busy client at %.1fs"
                             % (time.monotonic() - t0))
            if closed_at is None and idle.is_closed(timeout=0.3):
                closed_at = time.monotonic() - t0
            elif closed_at is not None:
                time.sleep(0.3)  # the subscribers' idle time is what this test is about
        self.assertIsNotNone(closed_at, "the idle client was not closed within 3 s (timeout 1)")
        self.assertGreaterEqual(closed_at, 0.9, "closed after %.2fs, before its timeout" % closed_at)
        self.assertLessEqual(closed_at, 2.5, "closed only after %.2fs (timeout 1)" % closed_at)
        self.assertBytes(idle.buf, b"", "the idle client was sent something before the close")

        # 3 s without a word from the subscribers: they are still there and get the message.
        self.assertBytes(busy.request(cmd("PUBLISH", "idle", "still"), 4), b":2\r\n")
        msg = b"*3\r\n$7\r\nmessage\r\n$4\r\nidle\r\n$5\r\nstill\r\n"
        self.assertBytes(sub2.read_exact(len(msg)), msg, "the RESP2 subscriber")
        self.assertBytes(sub3.read_exact(len(msg)), b">" + msg[1:], "the RESP3 subscriber")
        if not is_redis():
            self.assertEqual(info_fields(busy, "stats")["idle_timeout_disconnections"], "1")

    def test_a_client_that_unsubscribed_is_idle_again(self):
        self.server = self.start_server(shards=2, config_text="timeout: 1\n", redis_args=["--timeout", "1"])
        c = self.client()
        self.assertBytes(c.request(cmd("SUBSCRIBE", "idle"), len(CONFIRM)), CONFIRM)
        unsub = b"*3\r\n$11\r\nunsubscribe\r\n$4\r\nidle\r\n:0\r\n"
        self.assertBytes(c.request(cmd("UNSUBSCRIBE", "idle"), len(unsub)), unsub)
        t0 = time.monotonic()
        self.assertTrue(c.is_closed(timeout=3.5), "a client with no subscriptions left is never closed")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)


class NoTimeoutTest(ServerTestCase):
    def test_timeout_0_closes_nobody(self):
        # The default: idle clients stay (checked over more than one housekeeping tick).
        self.server = self.start_server(shards=2)
        c = self.client()
        self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")
        self.assertFalse(c.is_closed(timeout=1.2), "closed with timeout 0")
        self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main()
