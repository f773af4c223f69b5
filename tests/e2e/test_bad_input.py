# Malformed requests get Redis 7's exact "-ERR Protocol error: ..." reply and a closed connection,
# while a subscriber and a publisher connected all along keep working. Replies recorded from Redis.

import unittest

from barrier import until_ping
from harness import ServerTestCase, cmd

MAX_BULK = 1 << 20  # limits.max_bulk_len: 1mb (redis: --proto-max-bulk-len 1mb)
INLINE_MAX = 64 * 1024  # Redis PROTO_INLINE_MAX_SIZE


def perr(text):
    return b"-ERR Protocol error: " + text + b"\r\n"


MBULK = perr(b"invalid multibulk length")
BULK = perr(b"invalid bulk length")

# (name, request bytes, exact reply before the server closes the connection)
BAD = [
    ("multibulk length not a number", b"*abc\r\n", MBULK),
    ("multibulk length '-'", b"*-\r\n", MBULK),
    ("multibulk length empty", b"*\r\n", MBULK),
    ("multibulk length -0", b"*-0\r\nPING\r\n", MBULK),
    ("multibulk length with plus sign", b"*+1\r\n$4\r\nPING\r\n", MBULK),
    ("multibulk length with leading zero", b"*01\r\n$4\r\nPING\r\n", MBULK),
    ("multibulk length with space", b"* 1\r\n", MBULK),
    ("multibulk length trailing space", b"*1 \r\n", MBULK),
    ("multibulk length overflows", b"*99999999999999999999\r\n", MBULK),
    ("multibulk line without CR", b"*1\n$4\r\nPING\r\n", MBULK),
    ("multibulk length binary", b"*\xff\xfe\r\n", MBULK),
    ("bulk length -5", b"*1\r\n$-5\r\n", BULK),
    ("bulk length -1 (null) in a request", b"*2\r\n$4\r\nPING\r\n$-1\r\n", BULK),
    ("bulk length -0", b"*1\r\n$-0\r\n", BULK),
    ("bulk length not a number", b"*1\r\n$abc\r\n", BULK),
    ("bulk length empty", b"*1\r\n$\r\n", BULK),
    ("bulk length leading zero", b"*1\r\n$01\r\n", BULK),
    ("bulk length with plus sign", b"*1\r\n$+4\r\nPING\r\n", BULK),
    ("bulk length with space", b"*1\r\n$ 4\r\nPING\r\n", BULK),
    ("bulk length overflows", b"*1\r\n$99999999999999999999\r\n", BULK),
    ("bulk length binary", b"*1\r\n$\x80\x81\r\n", BULK),
    ("bulk length over max_bulk_len", b"*1\r\n$%d\r\n" % (MAX_BULK + 1), BULK),
    ("bulk over max_bulk_len after a command", b"*3\r\n$7\r\nPUBLISH\r\n$1\r\nx\r\n$%d\r\n" % (MAX_BULK + 1), BULK),
    ("expected '$', got 'P'", b"*1\r\nPING\r\n", perr(b"expected '$', got 'P'")),
    ("expected '$', got '+'", b"*1\r\n+PING\r\n", perr(b"expected '$', got '+'")),
    ("expected '$', got ':' in 2nd arg", b"*2\r\n$4\r\nECHO\r\n:1\r\n", perr(b"expected '$', got ':'")),
    ("expected '$', got CR (shown as space)", b"*1\r\n\r\n", perr(b"expected '$', got ' '")),
    ("expected '$', got LF (shown as space)", b"*1\r\n\nabc\r\n", perr(b"expected '$', got ' '")),
    ("expected '$', got binary 0xff", b"*1\r\n\xff\xfe\r\n", perr(b"expected '$', got '\xff'")),
    ("expected '$', got binary 0x01", b"*2\r\n$4\r\nECHO\r\n\x01abc\r\n", perr(b"expected '$', got '\x01'")),
    ("expected '$', got DEL", b"*1\r\n\x7f\r\n", perr(b"expected '$', got '\x7f'")),
    ("inline request over 64 KiB without newline", b"A" * (INLINE_MAX + 1), perr(b"too big inline request")),
    ("multibulk count over 64 KiB without CRLF", b"*" + b"1" * INLINE_MAX, perr(b"too big mbulk count string")),
    ("bulk count over 64 KiB without CRLF", b"*1\r\n$" + b"1" * (INLINE_MAX + 1), perr(b"too big bulk count string")),
    ("unbalanced double quote", b'ECHO "abc\r\n', perr(b"unbalanced quotes in request")),
    ("unbalanced single quote", b"ECHO 'abc\r\n", perr(b"unbalanced quotes in request")),
    ("closing quote followed by a letter", b'ECHO "a"b\r\n', perr(b"unbalanced quotes in request")),
    ("lone quote", b'"\r\n', perr(b"unbalanced quotes in request")),
    ("escaped closing quote", b'ECHO "a\\"\r\n', perr(b"unbalanced quotes in request")),
    ("good request, then a bad one", cmd("PING") + b"*1\r\n$-5\r\n", b"+PONG\r\n" + BULK),
    ("subscribed, then bad input", cmd("SUBSCRIBE", "bad:sub") + b"*1\r\nXX\r\n",
     b"*3\r\n$9\r\nsubscribe\r\n$7\r\nbad:sub\r\n:1\r\n" + perr(b"expected '$', got 'X'")),
]

# Odd but valid input: exact reply, and the connection stays open (it answers a PING afterwards).
ODD = [
    ("multibulk length -1 is a no-op", b"*-1\r\nPING\r\n", b"+PONG\r\n"),
    ("multibulk length -5 is a no-op", b"*-5\r\nPING\r\n", b"+PONG\r\n"),
    ("multibulk length 0 is a no-op", b"*0\r\nPING\r\n", b"+PONG\r\n"),
    ("empty lines are skipped", b"\r\n\r\n\nPING\r\n", b"+PONG\r\n"),
    ("inline line of 64 KiB", b"A" * (INLINE_MAX - 2) + b"\r\n",
     b"-ERR unknown command '" + b"A" * 128 + b"', with args beginning with: \r\n"),
    ("bulk of exactly max_bulk_len", cmd("ECHO", b"z" * MAX_BULK),
     b"$%d\r\n" % MAX_BULK + b"z" * MAX_BULK + b"\r\n"),
    ("a bulk header as an inline command", b"$4\r\nPING\r\n",
     b"-ERR unknown command '$4', with args beginning with: \r\n+PONG\r\n"),
    ("binary inline garbage", b"\xff\xfe\xfd x\r\n",
     b"-ERR unknown command '\xff\xfe\xfd', with args beginning with: 'x' \r\n"),
    ("a reply sent as a request", b"-ERR x\r\n", b"-ERR unknown command '-ERR', with args beginning with: 'x' \r\n"),
    ("request split across writes", None, b"$5\r\nsplit\r\n"),
]


class BadInputTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(shards=2, config_text="limits: {max_bulk_len: 1mb}\n",
                                            redis_args=["--proto-max-bulk-len", "1mb"])

    def setUp(self):
        super().setUp()
        # A subscriber and a publisher connected all along (on both shards).
        self.sub = self.client()
        self.pub = self.client()
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$9\r\nbad:alive\r\n:1\r\n"
        self.assertBytes(self.sub.request(cmd("SUBSCRIBE", "bad:alive"), len(confirm), timeout=5), confirm)
        self.rounds = 0

    def check_bystanders(self, what):
        self.rounds += 1
        payload = b"after %d: %s" % (self.rounds, what.encode())
        self.assertBytes(self.pub.request(cmd("PUBLISH", "bad:alive", payload), 4, timeout=5), b":1\r\n",
                         "bystander publish after %r" % what)
        frame = b"*3\r\n$7\r\nmessage\r\n$9\r\nbad:alive\r\n$%d\r\n%s\r\n" % (len(payload), payload)
        self.assertBytes(self.sub.read_exact(len(frame), timeout=5), frame, "bystander delivery after %r" % what)

    def send_tolerant(self, c, data):
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before it has read everything; the reply is what counts

    def test_protocol_errors_close_the_connection(self):
        for name, request, reply in BAD:
            with self.subTest(case=name):
                c = self.client()
                self.send_tolerant(c, request)
                self.assertBytes(c.read_exact(len(reply), timeout=5), reply, name)
                self.assertTrue(c.is_closed(timeout=5), "%s: connection left open" % name)
                self.assertBytes(bytes(c.buf), b"", "%s: bytes after the error" % name)
                c.close()
                self.check_bystanders(name)

    def test_odd_but_valid_input_keeps_the_connection(self):
        for name, request, reply in ODD:
            with self.subTest(case=name):
                c = self.client()
                if request is None:  # one request in three writes, cut mid-header and mid-bulk
                    for part in (b"*2\r\n$4\r\nEC", b"HO\r\n$5\r\nsp"):
                        c.send(part)
                        self.assertBytes(c.read_some(quiet=0.05, timeout=0.1), b"", "%s: early reply" % name)
                    c.send(b"lit\r\n")
                else:
                    c.send(request)
                self.assertBytes(c.read_exact(len(reply), timeout=5), reply, name)
                self.assertBytes(c.request(cmd("PING"), 7, timeout=5), b"+PONG\r\n", "%s: PING afterwards" % name)
                c.close()
                self.check_bystanders(name)

    def test_bad_publisher_does_not_disturb_subscribers(self):
        """A publisher that goes bad mid-pipeline: its good commands before the error are served."""
        c = self.client()
        self.send_tolerant(c, cmd("PUBLISH", "bad:alive", "first") + cmd("PUBLISH", "bad:alive", "second")
                           + b"*2\r\n$4\r\nECHO\r\n$-7\r\n" + cmd("PUBLISH", "bad:alive", "never"))
        self.assertBytes(c.read_exact(8 + len(BULK), timeout=5), b":1\r\n:1\r\n" + BULK)
        self.assertTrue(c.is_closed(timeout=5))
        for word in (b"first", b"second"):
            frame = b"*3\r\n$7\r\nmessage\r\n$9\r\nbad:alive\r\n$%d\r\n%s\r\n" % (len(word), word)
            self.assertBytes(self.sub.read_exact(len(frame), timeout=5), frame)
        self.check_bystanders("bad publisher")
        self.assertBytes(until_ping(self.sub), b"", "the 'never' message arrived")


if __name__ == "__main__":
    unittest.main()
