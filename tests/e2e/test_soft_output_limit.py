# The pubsub soft limit (soft 512kb for 1 s, policy disconnect): a stalled subscriber over it is
# cut about a second after going over, never before, while a reading subscriber is unaffected.
# "Never before" is the daemon's own clock: its log line's timestamp, against the wall-clock time
# the first PUBLISH was sent (nothing is queued for anyone before that), so a slow machine that
# stretches the burst past a second does not fail the test, and a limit that trips early does.

import threading
import time
import unittest

from harness import ServerTestCase, cmd, info_fields, is_redis, wait_until
from limits_log import output_cut

SOFT = 512 * 1024
CONFIG = "limits:\n  output:\n    pubsub: {hard: 0, soft: 512kb, soft_seconds: 1}\n"
REDIS_ARGS = ["--client-output-buffer-limit", "pubsub 0 %d 1" % SOFT]
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$4\r\nsoft\r\n:1\r\n"
MESSAGE = 16 * 1024
BURST = 512  # 8 MiB: what the kernel's socket buffers take (a few MiB) leaves MiBs queued


def numsub(n):
    return b"*2\r\n$4\r\nsoft\r\n:%d\r\n" % n


class Reader(threading.Thread):
    """Reads a subscriber until it has `want` bytes or the connection ends."""

    def __init__(self, client, want):
        super().__init__(daemon=True)
        self.client, self.want, self.data = client, want, b""

    def run(self):
        self.data = self.client.read_exact(self.want, timeout=30)


class SoftOutputLimitTest(ServerTestCase):
    def test_soft_limit_trips_after_its_seconds_not_before(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        stalled = self.client(rcvbuf=4096, timeout=10)
        healthy = self.client(timeout=10)
        for c in (stalled, healthy):
            self.assertBytes(c.request(cmd("SUBSCRIBE", "soft"), len(CONFIRM)), CONFIRM)
        pub = self.client(timeout=10)
        frames = [b"*3\r\n$7\r\nmessage\r\n$4\r\nsoft\r\n$%d\r\n" % MESSAGE + (b"%05d" % i) * (MESSAGE // 5)
                  + b"x" * (MESSAGE % 5) + b"\r\n" for i in range(BURST)]
        payloads = [f[f.index(b"$%d\r\n" % MESSAGE) + len(b"$%d\r\n" % MESSAGE):-2] for f in frames]
        reader = Reader(healthy, sum(map(len, frames)))
        reader.start()

        t_start_wall = time.time()  # nothing is queued for anyone before this
        pub.send(b"".join(cmd("PUBLISH", "soft", p) for p in payloads))
        counts = [pub.read_reply() for _ in range(BURST)]
        t_burst = time.monotonic()
        self.assertEqual(counts[0], 2, "both subscribers counted at first")
        self.assertTrue(set(counts) <= {1, 2}, counts)

        # Redis checks the soft limit only when output is added: keep adding tiny messages there.
        # ringcast must trip on its own, so it gets none (the check must not need new traffic).
        probe = (lambda: pub.request(cmd("PUBLISH", "tick", "x"), 4)) if is_redis() else (lambda: b"")
        def cut():
            probe()
            return pub.request(cmd("PUBSUB", "NUMSUB", "soft"), len(numsub(1))) == numsub(1)
        self.assertTrue(wait_until(cut, timeout=10), "the stalled subscriber was never cut")
        t_cut = time.monotonic()
        self.assertLess(t_cut - t_burst, 3.0, "cut %.2fs after the burst (soft_seconds 1)" % (t_cut - t_burst))

        reader.join(timeout=30)
        self.assertFalse(reader.is_alive())
        self.assertBytes(reader.data, b"".join(frames), "the reading subscriber's stream")
        self.assertTrue(stalled.is_closed(timeout=5), "the stalled subscriber's connection is still open")
        cut = output_cut(self.server, stalled)
        self.assertIsNotNone(cut, "no log line about the stalled subscriber's cut")
        self.assertGreaterEqual(cut.held, SOFT, "cut while under the soft limit: %r" % cut)
        if not is_redis():
            self.assertEqual((cut.which, cut.hard, cut.soft, cut.seconds), ("soft", 0, SOFT, 1), cut)
            # The log's clock has millisecond resolution; soft_seconds is 1.
            self.assertGreaterEqual(cut.at - t_start_wall, 0.999, "cut %.3fs after the first PUBLISH: before "
                                    "soft_seconds: %r" % (cut.at - t_start_wall, cut))
            self.assertEqual(info_fields(pub, "stats")["client_output_buffer_limit_disconnections"], "1")


if __name__ == "__main__":
    unittest.main()
