# Slow subscribers cannot grow memory without bound: a subscriber that never reads is disconnected
# once its output passes the pubsub hard limit (32mb, as Redis's client-output-buffer-limit pubsub),
# while a subscriber that reads gets every message intact.

import time
import unittest

from harness import ServerTestCase, cmd

MESSAGE = 1 << 20
MESSAGES = 48  # 48 MiB queued for the stalled subscriber: past the 32 MiB hard limit
CHANNEL = b"limit"


def numsub(n):
    return b"*2\r\n$5\r\nlimit\r\n:%d\r\n" % n


class OutputLimitTest(ServerTestCase):
    def test_stalled_subscriber_is_disconnected_at_the_hard_limit(self):
        self.server = self.start_server(shards=2)
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$5\r\nlimit\r\n:1\r\n"
        stalled = self.client(rcvbuf=4096, timeout=10)
        healthy = self.client(timeout=10)
        for c in (stalled, healthy):
            self.assertBytes(c.request(cmd("SUBSCRIBE", CHANNEL), len(confirm), timeout=5), confirm)
        pub = self.client(timeout=10)
        counts = []
        for i in range(MESSAGES):
            payload = (b"%04d" % i) * (MESSAGE // 4)
            pub.send(cmd("PUBLISH", CHANNEL, payload))
            counts.append(pub.read_reply(timeout=10))
            frame = b"*3\r\n$7\r\nmessage\r\n$5\r\nlimit\r\n$%d\r\n" % MESSAGE + payload + b"\r\n"
            self.assertBytes(healthy.read_exact(len(frame), timeout=10), frame, "healthy subscriber, message %d" % i)
        self.assertEqual(counts[0], 2, "both subscribers counted at first")
        self.assertTrue(all(n in (1, 2) for n in counts), counts)
        self.assertTrue(self.server.alive(), "the server died")

        # The stalled subscriber is gone: the server forgets it and closes its connection.
        deadline = time.monotonic() + 10
        got = b""
        while time.monotonic() < deadline:
            got = pub.request(cmd("PUBSUB", "NUMSUB", CHANNEL), len(numsub(1)), timeout=5)
            if got == numsub(1):
                break
            time.sleep(0.05)
        self.assertBytes(got, numsub(1), "the stalled subscriber was never dropped (PUBLISH counts: %r)" % counts)
        self.assertTrue(stalled.is_closed(timeout=10), "the stalled subscriber's connection is still open")
        received = len(stalled.buf)
        self.assertLess(received, MESSAGES * MESSAGE, "the stalled subscriber got everything")
        self.assertEqual(counts[-1], 1, "the last PUBLISH still counted the dropped subscriber: %r" % counts)

        # The healthy subscriber and the publisher carry on.
        self.assertBytes(pub.request(cmd("PUBLISH", CHANNEL, "after"), 4, timeout=5), b":1\r\n")
        after = b"*3\r\n$7\r\nmessage\r\n$5\r\nlimit\r\n$5\r\nafter\r\n"
        self.assertBytes(healthy.read_exact(len(after), timeout=5), after)


if __name__ == "__main__":
    unittest.main()
