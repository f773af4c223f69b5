# Slow subscribers cannot grow memory without bound: a subscriber that never reads is disconnected
# once its output passes the pubsub hard limit (32mb, as Redis's client-output-buffer-limit pubsub),
# at that size and not before (the daemon's own figure, from its log), while a subscriber that
# reads gets every message intact.

import unittest

from harness import ServerTestCase, cmd, info_fields, is_redis, wait_until
from limits_log import output_cut

MESSAGE = 1 << 20
MESSAGES = 48  # 48 MiB queued for the stalled subscriber: past the 32 MiB hard limit
HARD = 32 << 20  # the default; the soft limit is 8 MiB for 60 s, which must not be what trips
FRAME_OVERHEAD = 64  # a message's RESP header around its payload
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

        # The stalled subscriber is gone: the server forgets it and closes its connection.
        dropped = wait_until(lambda: pub.request(cmd("PUBSUB", "NUMSUB", CHANNEL), len(numsub(1)), timeout=5)
                             == numsub(1), timeout=10)
        self.assertTrue(dropped, "the stalled subscriber was never dropped (PUBLISH counts: %r)" % counts)
        self.assertTrue(stalled.is_closed(timeout=10), "the stalled subscriber's connection is still open")

        # Cut at the hard limit: the daemon held at least 32 MiB for it (not 1 MiB, not the 8 MiB
        # soft limit) and at most the message that crossed the limit more.
        cut = output_cut(self.server, stalled)
        self.assertIsNotNone(cut, "no log line about the stalled subscriber's cut")
        self.assertGreaterEqual(cut.held, HARD, "cut before the hard limit: %r" % cut)
        self.assertLess(cut.held, HARD + MESSAGE + FRAME_OVERHEAD, "cut only past the hard limit: %r" % cut)
        if not is_redis():
            self.assertEqual((cut.which, cut.hard, cut.soft, cut.seconds), ("hard", HARD, 8 << 20, 60), cut)
            self.assertEqual(info_fields(pub, "stats")["client_output_buffer_limit_disconnections"], "1")
        received = len(stalled.buf)
        self.assertLess(received, MESSAGES * MESSAGE, "the stalled subscriber got everything")
        self.assertEqual(counts[-1], 1, "the last PUBLISH still counted the dropped subscriber: %r" % counts)

        # The healthy subscriber and the publisher carry on.
        self.assertBytes(pub.request(cmd("PUBLISH", CHANNEL, "after"), 4, timeout=5), b":1\r\n")
        after = b"*3\r\n$7\r\nmessage\r\n$5\r\nlimit\r\n$5\r\nafter\r\n"
        self.assertBytes(healthy.read_exact(len(after), timeout=5), after)


if __name__ == "__main__":
    unittest.main()
