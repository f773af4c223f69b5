# Zero-copy fan-out (ringcast only): one 1 MiB PUBLISH to 500 subscribers that do not read must
# not grow the daemon's RSS by a copy per subscriber; afterwards each reads the exact payload.

import sys
import time
import unittest

from harness import ServerTestCase, cmd, read_all, skip_unless_ringcast

SUBSCRIBERS = 500
PAYLOAD_SIZE = 1 << 20
RSS_LIMIT_KIB = 64 * 1024  # a copy per subscriber would be ~500 MiB
RCVBUF = 4096


@skip_unless_ringcast("redis-server copies the message into every subscriber's output buffer "
                      "(~500 MiB here); shared refcounted frames are ringcast's design")
class ZeroCopyTest(ServerTestCase):
    def test_1mib_publish_to_500_stalled_subscribers(self):
        server = self.server = self.start_server(shards=2)
        channel = b"zc"
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nzc\r\n:1\r\n"
        subs = [self.client(rcvbuf=RCVBUF, timeout=10) for _ in range(SUBSCRIBERS)]
        for s in subs:
            s.send(cmd("SUBSCRIBE", channel))
        for i, s in enumerate(subs):
            self.assertBytes(s.read_exact(len(confirm), timeout=10), confirm, "confirmation %d" % i)

        payload = bytes((i * 2654435761 >> 13) & 0xFF for i in range(PAYLOAD_SIZE))
        pub = self.client()
        pub.send(cmd("PING"))
        self.assertBytes(pub.read_exact(7, timeout=5), b"+PONG\r\n")
        time.sleep(0.2)
        before = server.rss_kib()

        pub.send(cmd("PUBLISH", channel, payload))
        reply = b":%d\r\n" % SUBSCRIBERS
        self.assertBytes(pub.read_exact(len(reply), timeout=10), reply, "PUBLISH count")
        peak = before
        deadline = time.monotonic() + 1.0  # fan-out runs on the shards' next loop iterations
        while time.monotonic() < deadline:
            peak = max(peak, server.rss_kib())
            time.sleep(0.02)
        grown = peak - before
        sys.stderr.write("\nRSS %d KiB before, peak %d KiB after: grew %d KiB\n" % (before, peak, grown))
        self.assertLess(grown, RSS_LIMIT_KIB,
                        "RSS grew by %d KiB (from %d KiB) for one 1 MiB message to %d stalled subscribers"
                        % (grown, before, SUBSCRIBERS))
        self.assertTrue(server.alive(), "the daemon died")

        expected = (b"*3\r\n$7\r\nmessage\r\n$2\r\nzc\r\n$%d\r\n" % PAYLOAD_SIZE) + payload + b"\r\n"
        got = read_all(subs, len(expected), timeout=60)
        for i, data in enumerate(got):
            self.assertBytes(data, expected, "subscriber %d's message" % i)
        # Everyone still works: the daemon answers and delivers a small message to all.
        pub.send(cmd("PUBLISH", channel, "after"))
        self.assertBytes(pub.read_exact(len(reply), timeout=10), reply)
        small = b"*3\r\n$7\r\nmessage\r\n$2\r\nzc\r\n$5\r\nafter\r\n"
        for i, data in enumerate(read_all(subs, len(small), timeout=20)):
            self.assertBytes(data, small, "subscriber %d's second message" % i)


if __name__ == "__main__":
    unittest.main()
