# Policy `disconnect` with a small pubsub hard limit: one stalled subscriber among 100 fast ones is
# cut off (INFO counter, a log line naming it) while every fast one gets every message byte-exact.

import unittest

from fanout_driver import frame, paced_fanout
from harness import ServerTestCase, cmd, info_fields, is_redis, rss_factor
from limits_log import output_cut

CHANNEL = b"fan"
FAST = 100
MESSAGES = 2000  # 4 KiB each: 8 MiB, four times the hard limit
HARD = 2 * 1024 * 1024
CONFIG = "limits:\n  output:\n    pubsub: {hard: 2mb, soft: 0, soft_seconds: 0}\n    policy: disconnect\n"
REDIS_ARGS = ["--client-output-buffer-limit", "pubsub %d 0 0" % HARD]
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nfan\r\n:1\r\n"


class SlowSubscriberDisconnectTest(ServerTestCase):
    def test_stalled_subscriber_is_cut_and_fast_ones_get_everything(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        stalled = self.client(rcvbuf=4096, timeout=10)
        stalled_addr = "127.0.0.1:%d" % stalled.sock.getsockname()[1]
        self.assertBytes(stalled.request(cmd("SUBSCRIBE", CHANNEL), len(CONFIRM)), CONFIRM)
        fast = [self.client(timeout=10) for _ in range(FAST)]
        for c in fast:
            c.send(cmd("SUBSCRIBE", CHANNEL))
        for i, c in enumerate(fast):
            self.assertBytes(c.read_exact(len(CONFIRM)), CONFIRM, "fast subscriber %d confirmation" % i)
        pub = self.client(timeout=10)
        base_kib = self.server.rss_kib()
        peak = [base_kib]

        def sample():
            peak[0] = max(peak[0], self.server.rss_kib())

        replies, got = paced_fanout(pub, fast, CHANNEL, MESSAGES, sample=sample)
        total = MESSAGES * len(frame(CHANNEL, 0))
        self.assertEqual(got, [total] * FAST, "every fast subscriber got the whole stream")
        self.assertEqual(replies[0], FAST + 1, "the stalled subscriber was counted at first")
        self.assertEqual(replies[-1], FAST, "the last PUBLISH still counted the stalled subscriber: %r"
                         % sorted(set(replies)))
        self.assertTrue(all(r in (FAST, FAST + 1) for r in replies), sorted(set(replies)))

        self.assertTrue(stalled.is_closed(timeout=10), "the stalled subscriber is still connected")
        self.assertLess(len(stalled.buf), total, "the stalled subscriber got everything")
        cut = output_cut(self.server, stalled)
        self.assertIsNotNone(cut, "no log line about the stalled subscriber's cut")
        self.assertGreaterEqual(cut.held, HARD, "cut before the 2 MiB hard limit: %r" % cut)
        # redis-server's omem counts its 16 KiB reply blocks as allocated (103 of them here),
        # ringcast's the bytes queued: the message that crossed the limit is all it may overshoot.
        slack = len(frame(CHANNEL, 0)) + (32 * 1024 if is_redis() else 0)
        self.assertLess(cut.held, HARD + slack, "cut past the hard limit: %r" % cut)

        # Memory stays bounded by the limit, not by what was published: 101 clients x 2 MiB would be
        # 202 MiB; the stalled one holds at most 2 MiB and the fast ones a window of shared frames.
        growth_mib = (peak[0] - base_kib) / 1024
        self.assertLess(growth_mib, 32 * rss_factor(), "RSS grew by %.1f MiB (from %d KiB)" % (growth_mib, base_kib))

        # The publisher and the fast subscribers carry on.
        self.assertBytes(pub.request(cmd("PUBLISH", CHANNEL, "after"), 6), b":%d\r\n" % FAST)
        after = b"*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$5\r\nafter\r\n"
        for i, c in enumerate(fast):
            self.assertBytes(c.read_exact(len(after)), after, "fast subscriber %d after the cut" % i)

        if is_redis():
            line = self.server.wait_for_log(stalled_addr, timeout=5)
            self.assertIsNotNone(line, "redis logged nothing about %s" % stalled_addr)
            self.assertIn("output buffer limits", line)
            return
        info = info_fields(pub, "stats")
        self.assertEqual(info.get("client_output_buffer_limit_disconnections"), "1", info)
        self.assertEqual(info.get("dropped_messages"), "0", info)
        line = self.server.wait_for_log("addr=%s " % stalled_addr, timeout=5)
        self.assertIsNotNone(line, "no log line names the stalled subscriber %s" % stalled_addr)
        self.assertIn("[warning]", line)
        self.assertIn("hard limit", line)


if __name__ == "__main__":
    unittest.main()
