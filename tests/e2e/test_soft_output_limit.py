# The pubsub soft limit (soft 512kb for 1 s, policy disconnect): a stalled subscriber over it is
# cut about a second after going over, never before, while a reading subscriber is unaffected.

import threading
import time
import unittest

from harness import ServerTestCase, cmd, info_fields, is_redis, wait_until

CONFIG = "limits:\n  output:\n    pubsub: {hard: 0, soft: 512kb, soft_seconds: 1}\n"
REDIS_ARGS = ["--client-output-buffer-limit", "pubsub 0 %d 1" % (512 * 1024)]
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

        t_start = time.monotonic()  # nothing is queued for anyone before this
        pub.send(b"".join(cmd("PUBLISH", "soft", p) for p in payloads))
        counts = [pub.read_reply() for _ in range(BURST)]
        t_burst = time.monotonic()
        self.assertEqual(set(counts), {2}, "a subscriber was cut during the burst (after less than a second)")

        # Redis checks the soft limit only when output is added: keep adding tiny messages there.
        # ringcast must trip on its own, so it gets none (the check must not need new traffic).
        probe = (lambda: pub.request(cmd("PUBLISH", "tick", "x"), 4)) if is_redis() else (lambda: b"")
        def cut():
            probe()
            return pub.request(cmd("PUBSUB", "NUMSUB", "soft"), len(numsub(1))) == numsub(1)
        self.assertTrue(wait_until(cut, timeout=5), "the stalled subscriber was never cut")
        t_cut = time.monotonic()
        self.assertGreaterEqual(t_cut - t_start, 1.0, "cut %.2fs after its output first grew: before soft_seconds"
                                % (t_cut - t_start))
        self.assertLess(t_cut - t_burst, 2.5, "cut %.2fs after the burst (soft_seconds 1)" % (t_cut - t_burst))

        reader.join(timeout=30)
        self.assertFalse(reader.is_alive())
        self.assertBytes(reader.data, b"".join(frames), "the reading subscriber's stream")
        self.assertTrue(stalled.is_closed(timeout=5), "the stalled subscriber's connection is still open")
        if not is_redis():
            self.assertEqual(info_fields(pub, "stats")["client_output_buffer_limit_disconnections"], "1")
            stalled_addr = "addr=127.0.0.1:%d " % stalled.sock.getsockname()[1]
            line = self.server.wait_for_log(stalled_addr)
            self.assertIsNotNone(line, "no log line names the stalled subscriber")
            self.assertIn("soft limit", line)


if __name__ == "__main__":
    unittest.main()
