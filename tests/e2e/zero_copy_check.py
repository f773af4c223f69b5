# The zero-copy check the zero-copy tests share: stalled subscribers (half RESP2, half RESP3) on
# one node, messages from some source (PUBLISH, HTTP /publish, another node), and the daemon's RSS
# growth while it holds all of them for every subscriber, against what one copy per subscriber
# would cost.
#
# The kernel takes a few MiB per socket before a stalled reader's output stays in the daemon, and
# memory in socket buffers is not the daemon's RSS: a daemon that copied each message per
# subscriber and wrote the copies out at once would not show. So filler messages first fill every
# subscriber's socket (until CLIENT LIST shows output held in the daemon for each), and only then
# are the measured messages sent; the check waits until the daemon holds all of them (omem), takes
# RSS, and finally reads a few subscribers' whole streams byte-exact.

import sys

from harness import RawClient, cmd, read_all, rss_factor, wait_until

SUBSCRIBERS = 40        # half RESP2, half RESP3, over both shards
RCVBUF = 4096
CHANNEL = b"zc"
FILL_CHANNEL = b"zc:fill"
FILL_MESSAGE = 64 * 1024
MEASURED_BYTES = 4 << 20  # payload per subscriber in the measured messages
VERIFIED = 4            # subscribers whose whole stream is read back (2 RESP2, 2 RESP3)


def payload(i, size):
    """Message i of `size` bytes, printable (it also travels as a JSON string)."""
    head = b"%08d:" % i
    body = (head + b"abcdefghijklmnopqrstuvwxyz0123456789" * (size // 36 + 1))
    return body[:size]


def frame(channel, data, resp3):
    return (b">3\r\n" if resp3 else b"*3\r\n") + b"$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(channel), channel, len(data), data)


class Subscribers:
    """SUBSCRIBERS stalled clients of the ringcast node on `port`, subscribed to the filler and
    the measured channel; even ones speak RESP3."""

    def __init__(self, test, port):
        self.test, self.port = test, port
        self.clients = [test.client(port, rcvbuf=RCVBUF, timeout=30) for _ in range(SUBSCRIBERS)]
        self.admin = test.client(port, timeout=30)
        for i, c in enumerate(self.clients):
            if i % 2 == 0:
                c.send(cmd("HELLO", "3"))
                hello = c.read_reply(timeout=10)
                test.assertIsInstance(hello, dict, "HELLO 3 reply")
            c.send(cmd("SUBSCRIBE", FILL_CHANNEL, CHANNEL))
            for n, ch in enumerate((FILL_CHANNEL, CHANNEL)):
                confirm = c.read_reply(timeout=10)
                test.assertEqual(list(confirm), [b"subscribe", ch, n + 1], "subscriber %d" % i)
        self.sent = [[] for _ in self.clients]  # the frames each is owed, in order

    def omem(self):
        """{local port: omem} of every subscriber, from one CLIENT LIST."""
        self.admin.send(cmd("CLIENT", "LIST"))
        out = {}
        for line in self.admin.read_reply(timeout=10).decode().splitlines():
            fields = dict(f.partition("=")[::2] for f in line.split(" ") if "=" in f)
            out[int(fields["addr"].rsplit(":", 1)[1])] = int(fields["omem"])
        return [out.get(c.sock.getsockname()[1], -1) for c in self.clients]

    def owe(self, channel, data):
        for i, sent in enumerate(self.sent):
            sent.append(frame(channel, data, i % 2 == 0))

    def fill(self, publisher):
        """Publishes 64 KiB fillers until the daemon holds output for every subscriber."""
        n = [0]

        def held():
            data = payload(n[0], FILL_MESSAGE)
            n[0] += 1
            publisher.send(cmd("PUBLISH", FILL_CHANNEL, data))
            self.test.assertEqual(publisher.read_reply(timeout=10), SUBSCRIBERS)
            self.owe(FILL_CHANNEL, data)
            return min(self.omem()) > 0
        self.test.assertTrue(wait_until(held, 60, interval=0), "the kernel never stopped taking output")
        return self.omem()

    def wait_held(self, baseline, extra, timeout=60):
        """Waits until the daemon holds `extra` more bytes than `baseline` for every subscriber."""
        ok = wait_until(lambda: all(o >= b + extra for o, b in zip(self.omem(), baseline)), timeout)
        self.test.assertTrue(ok, "the daemon does not hold the messages for every subscriber: omem %r, "
                             "wanted %d over %r" % (self.omem(), extra, baseline))

    def verify_streams(self):
        picked = [0, 1, 2, 3][:VERIFIED]
        expected = [b"".join(self.sent[i]) for i in picked]
        got = read_all([self.clients[i] for i in picked], max(map(len, expected)), timeout=120)
        for i, want, data in zip(picked, expected, got):
            self.test.assertBytes(data, want, "subscriber %d (%s): its whole stream"
                                  % (i, "RESP3" if i % 2 == 0 else "RESP2"))


def check_zero_copy(test, server, subs, size, send_all):
    """`send_all(list of payloads)` delivers MEASURED_BYTES of `size`-byte messages on CHANNEL to
    the node `server` runs (its own way); RSS may grow by a quarter of a copy per subscriber at
    most (the shared frames and per-subscriber bookkeeping take far less)."""
    count = max(1, MEASURED_BYTES // size)
    payloads = [payload(i, size) for i in range(count)]
    before_omem = subs.omem()
    before = server.rss_kib()
    send_all(payloads)
    for p in payloads:
        subs.owe(CHANNEL, p)
    frame_bytes = sum(len(frame(CHANNEL, p, False)) for p in payloads)
    subs.wait_held(before_omem, frame_bytes)
    grown = server.rss_kib() - before
    copies_kib = SUBSCRIBERS * frame_bytes // 1024
    sys.stderr.write("\n%d x %d B to %d stalled subscribers: RSS grew %d KiB (a copy each: %d KiB)\n"
                     % (count, size, SUBSCRIBERS, grown, copies_kib))
    test.assertLess(grown, copies_kib // 4 * rss_factor(), "RSS grew by %d KiB for %d x %d B messages to %d subscribers that "
                    "do not read: a copy each would be %d KiB" % (grown, count, size, SUBSCRIBERS, copies_kib))
    subs.verify_streams()


def publish_over_resp(port):
    """A send_all that PUBLISHes pipelined from one RESP client on `port`."""
    def send_all(payloads):
        pub = RawClient(port, timeout=30)
        try:
            pub.send(b"".join(cmd("PUBLISH", CHANNEL, p) for p in payloads))
            reply = b":%d\r\n" % SUBSCRIBERS
            got = pub.read_exact(len(reply) * len(payloads), timeout=60)
            if got != reply * len(payloads):
                raise AssertionError("PUBLISH replies: %r" % got[:100])
        finally:
            pub.close()
    return send_all
