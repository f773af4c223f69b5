# Policy `drop-oldest` (ringcast only): a stalled subscriber stays connected and, when it reads at
# last, gets whole well-formed frames in order with gaps; 100 fast subscribers lose nothing.

import unittest

from fanout_driver import FrameError, frame, paced_fanout, parse_message_frames, publish_command
from harness import ServerTestCase, client_list_entry, cmd, info_fields, rss_factor, skip_unless_ringcast, wait_until

CHANNEL = b"fan"
FAST = 100
MESSAGES = 2000  # 4 KiB each: 8 MiB, four times the hard limit
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nfan\r\n:1\r\n"


def config(hard, soft="0", soft_seconds=0):
    return ("limits:\n  output:\n    pubsub: {hard: %s, soft: %s, soft_seconds: %d}\n    policy: drop-oldest\n"
            % (hard, soft, soft_seconds))


@skip_unless_ringcast("limits.output.policy drop-oldest is ringcast's own")
class SlowSubscriberDropOldestTest(ServerTestCase):
    def subscribe(self, **kw):
        c = self.client(timeout=10, **kw)
        self.assertBytes(c.request(cmd("SUBSCRIBE", CHANNEL), len(CONFIRM)), CONFIRM)
        return c

    def drain_until(self, client, last_seq, timeout=10):
        """Reads the stalled subscriber's backlog until the frame of `last_seq` is complete;
        returns (seqs, leftover bytes)."""
        data = bytearray()
        ok = wait_until(lambda: self._read_more(client, data, last_seq), timeout, interval=0)
        seqs, left = parse_message_frames(data, CHANNEL)
        self.assertTrue(ok, "the backlog never ended with message %d (got %d frames, last %s, %d bytes left over)"
                        % (last_seq, len(seqs), seqs[-1:] or None, left))
        return seqs, left

    @staticmethod
    def _read_more(client, data, last_seq):
        data += client.read_some(quiet=0.05, timeout=0.5)
        tail = frame(CHANNEL, last_seq)
        return data.endswith(tail)

    def test_stalled_subscriber_keeps_whole_frames_with_gaps(self):
        self.server = self.start_server(shards=2, config_text=config("2mb"))
        stalled = self.subscribe(rcvbuf=4096)
        fast = [self.subscribe() for _ in range(FAST)]
        pub = self.client(timeout=10)
        base_kib = self.server.rss_kib()
        peak = [base_kib]

        def sample():
            peak[0] = max(peak[0], self.server.rss_kib())

        replies, got = paced_fanout(pub, fast, CHANNEL, MESSAGES, sample=sample)
        total = MESSAGES * len(frame(CHANNEL, 0))
        self.assertEqual(got, [total] * FAST, "every fast subscriber got the whole stream")
        self.assertEqual(set(replies), {FAST + 1}, "the stalled subscriber was counted by every PUBLISH")
        growth_mib = (peak[0] - base_kib) / 1024
        self.assertLess(growth_mib, 32 * rss_factor(), "RSS grew by %.1f MiB (from %d KiB)" % (growth_mib, base_kib))

        info = info_fields(pub, "stats")
        dropped = int(info["dropped_messages"])
        self.assertGreater(dropped, 0, info)
        self.assertEqual(info["client_output_buffer_limit_disconnections"], "0", info)
        entry = client_list_entry(pub, stalled)
        self.assertIsNotNone(entry, "the stalled subscriber is gone from CLIENT LIST")
        self.assertLess(int(entry["omem"]), 2 * 1024 * 1024, "its queued output is over the hard limit: %r" % entry)
        self.assertIsNotNone(self.server.wait_for_log("too slow: dropped", timeout=5), "no log line about the drops")

        # Still connected: the final message reaches it once it reads its backlog.
        self.assertBytes(pub.request(publish_command(CHANNEL, MESSAGES), 6), b":%d\r\n" % (FAST + 1))
        seqs, left = self.drain_until(stalled, MESSAGES)
        self.assertEqual(left, 0, "a truncated frame at the end")
        self.assertTrue(all(a < b for a, b in zip(seqs, seqs[1:])), "messages out of order: %r" % seqs[:50])
        self.assertEqual(seqs[0], 0, "the first message (in the kernel's buffers before any drop) is lost")
        missing = MESSAGES + 1 - len(seqs)
        self.assertGreater(missing, 0, "nothing was dropped")
        # (the last PUBLISH may have pushed out one more: read the counter again)
        dropped = int(info_fields(pub, "stats")["dropped_messages"])
        self.assertEqual(missing, dropped, "messages missing from the stream vs INFO dropped_messages")
        gaps = sum(1 for a, b in zip(seqs, seqs[1:]) if b != a + 1)
        self.assertGreater(gaps, 0)

        # And it is an ordinary subscriber again: the next message comes straight through.
        self.assertBytes(pub.request(publish_command(CHANNEL, MESSAGES + 1), 6), b":%d\r\n" % (FAST + 1))
        nxt = frame(CHANNEL, MESSAGES + 1)
        self.assertBytes(stalled.read_exact(len(nxt)), nxt)

    def test_small_messages_are_dropped_too(self):
        # Messages small enough to be copied into the connection's byte run (not referenced)
        # must be droppable as well: the stalled subscriber stays connected.
        self.server = self.start_server(shards=1, config_text=config("1mb"))
        stalled = self.subscribe(rcvbuf=4096)
        pub = self.client(timeout=10)
        body = b"m" * 100
        count = 40000  # ~5 MiB of 130-byte frames
        for start in range(0, count, 1000):
            pub.send(b"".join(cmd("PUBLISH", CHANNEL, b"%08d" % i + body) for i in range(start, start + 1000)))
            for _ in range(1000):
                self.assertEqual(pub.read_reply(), 1, "the stalled subscriber was dropped after %d messages" % start)
        info = info_fields(pub, "stats")
        self.assertEqual(info["client_output_buffer_limit_disconnections"], "0", info)
        entry = client_list_entry(pub, stalled)
        self.assertIsNotNone(entry, "the stalled subscriber was disconnected")
        self.assertLess(int(entry["omem"]), 1024 * 1024, "its queued output is over the hard limit: %r" % entry)
        self.assertGreater(int(info["dropped_messages"]), 0, info)

    def publish_soft_test_backlog(self, pub, paced):
        """4 MiB for a stalled subscriber, one PUBLISH at a time or as one pipelined burst."""
        if paced:
            for seq in range(1024):
                self.assertBytes(pub.request(publish_command(CHANNEL, seq), 4), b":1\r\n")
            return
        pub.send(b"".join(publish_command(CHANNEL, seq) for seq in range(1024)))
        for _ in range(1024):
            self.assertEqual(pub.read_reply(), 1)

    def check_soft_trim(self, paced):
        # With a soft limit, drop-oldest trims to it once `soft_seconds` have passed over it.
        self.server = self.start_server(shards=1, config_text=config("0", "512kb", 1))
        stalled = self.subscribe(rcvbuf=4096)
        pub = self.client(timeout=10)
        self.publish_soft_test_backlog(pub, paced)
        queued = lambda: int(client_list_entry(pub, stalled)["omem"])
        dropped = lambda: int(info_fields(pub, "stats")["dropped_messages"])
        cut = lambda: int(info_fields(pub, "stats")["client_output_buffer_limit_disconnections"])
        self.assertTrue(wait_until(lambda: dropped() > 0 or cut() > 0, timeout=5),
                        "nothing dropped within 5 s of going over the soft limit")
        self.assertEqual(cut(), 0, "the subscriber was disconnected instead")
        self.assertLess(queued(), 512 * 1024, "output not trimmed below the soft limit")
        self.assertBytes(pub.request(publish_command(CHANNEL, 1024), 4), b":1\r\n")
        try:
            seqs, left = self.drain_until(stalled, 1024)
        except FrameError as e:
            self.fail("damaged frame in the backlog: %s" % e)
        self.assertEqual(left, 0)
        self.assertTrue(all(a < b for a, b in zip(seqs, seqs[1:])))
        self.assertEqual(1025 - len(seqs), dropped(), "messages missing vs INFO dropped_messages")

    def test_soft_limit_trims_down_to_soft(self):
        self.check_soft_trim(paced=True)

    def test_soft_limit_trims_a_burst_down_to_soft(self):
        self.check_soft_trim(paced=False)

if __name__ == "__main__":
    unittest.main()
