# Bursts: 1024 PUBLISHes of 1 KiB in one write fan out to 50 subscribers complete, in order and
# byte-exact; one subscriber of 2000 channels gets one message on each.

import unittest

from barrier import until_ping
from harness import ServerTestCase, cmd, read_all

SUBSCRIBERS = 50
MESSAGES = 1024
PAYLOAD = 1024
CHANNELS = 2000


def payload(i):
    """1 KiB, distinct per message, with binary bytes and CRLFs inside."""
    head = b"msg-%06d|" % i
    body = bytes(((i * 131 + k * 7) % 256) for k in range(PAYLOAD - len(head) - 4))
    return head + body + b"\r\n\x00\xff"


def frame(channel, data):
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(data), data)


def subscribed(channel, count):
    return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (len(channel), channel, count)


class BurstTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)

    def test_1024_publishes_in_one_write_reach_50_subscribers(self):
        channel = b"burst"
        subs = [self.client() for _ in range(SUBSCRIBERS)]
        for s in subs:
            s.send(cmd("SUBSCRIBE", channel))
        for i, s in enumerate(subs):
            self.assertBytes(s.read_exact(len(subscribed(channel, 1)), timeout=5), subscribed(channel, 1),
                             "confirmation of subscriber %d" % i)
        pub = self.client()
        payloads = [payload(i) for i in range(MESSAGES)]
        request = b"".join(cmd("PUBLISH", channel, p) for p in payloads)
        pub.send(request)  # one sendall of ~1.05 MiB
        expected = b"".join(frame(channel, p) for p in payloads)
        results = read_all(subs, len(expected), timeout=30)
        replies = pub.read_exact(len(b":%d\r\n" % SUBSCRIBERS) * MESSAGES, timeout=10)
        self.assertEqual(replies, (b":%d\r\n" % SUBSCRIBERS) * MESSAGES, "PUBLISH replies")
        for i, got in enumerate(results):
            self.assertBytes(got, expected, "subscriber %d: 1024 frames in publish order" % i)
        for i, s in enumerate(subs):
            self.assertBytes(until_ping(s), b"", "extra bytes on subscriber %d" % i)

    def test_one_subscriber_of_2000_channels(self):
        names = [b"ch:%04d" % i for i in range(CHANNELS)]
        sub = self.client()
        sub.send(cmd("SUBSCRIBE", *names))
        confirm = b"".join(subscribed(n, i + 1) for i, n in enumerate(names))
        self.assertBytes(sub.read_exact(len(confirm), timeout=10), confirm, "2000 subscribe confirmations")
        pub = self.client()
        pub.send(cmd("PUBSUB", "NUMSUB", names[0], names[-1]))
        numsub = b"*4\r\n$7\r\nch:0000\r\n:1\r\n$7\r\nch:1999\r\n:1\r\n"
        self.assertBytes(pub.read_exact(len(numsub), timeout=5), numsub)
        pub.send(b"".join(cmd("PUBLISH", n, b"only-" + n) for n in names))
        self.assertBytes(pub.read_exact(4 * CHANNELS, timeout=10), b":1\r\n" * CHANNELS, "PUBLISH replies")
        expected = b"".join(frame(n, b"only-" + n) for n in names)
        self.assertBytes(sub.read_exact(len(expected), timeout=10), expected,
                         "one message on each of 2000 channels, in publish order")
        self.assertBytes(until_ping(sub), b"", "extra bytes")
        sub.send(cmd("UNSUBSCRIBE"))
        frames = [sub.read_reply(timeout=5) for _ in range(CHANNELS)]
        self.assertEqual(sorted(f[1] for f in frames), names)
        self.assertEqual([f[2] for f in frames], list(range(CHANNELS - 1, -1, -1)))


if __name__ == "__main__":
    unittest.main()
