# The soak's python clients, each a thread running until stopped: protocol garbage, churn, kills
# mid-write, stalled readers, and 0 B..4 MiB streams whose subscriber must get every message in order.

import os
import random
import socket
import struct
import threading
import time

CONNECT_TIMEOUT = 5.0


def connect(port, rcvbuf=None, timeout=CONNECT_TIMEOUT):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def reset_close(s):
    """Closes with an RST (SO_LINGER 0): the server's pending writes fail mid-way."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


class Worker(threading.Thread):
    """A chaos loop; `count` says how many rounds it did, `failure` why it gave up (None: fine)."""

    name_ = "worker"

    def __init__(self, port, stop, seed):
        super().__init__(daemon=True, name=self.name_)
        self.port, self.stop, self.rng = port, stop, random.Random(seed)
        self.count, self.failure = 0, None

    def run(self):
        try:
            while not self.stop.is_set():
                self.round()
                self.count += 1
        except Exception as e:  # reported by the soak, which fails on it
            self.failure = "%s: %r" % (self.name_, e)


# Malformed requests, each with the reply the daemon must send before it closes the connection
# (Redis 7's text, byte for byte), or None where it keeps the connection or may reset it before
# the reply arrives (an oversized inline request is cut while data is still unread).
GARBAGE = [
    (b"*-5\r\n", None), (b"*3\r\n$-2\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"$abc\r\n", None), (b"*99999999999\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$999999999999\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*2\r\n$4\r\nECHO\r\n$3\r\nabcdef\r\n", None),
    (b'PING "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"), (b"\x00\x01\x02\r\n", None),
    (b"*1\r\n*1\r\n$4\r\nPING\r\n", b"-ERR Protocol error: expected '$', got '*'\r\n"), (b"\r\n\r\n\r\n", None),
    (b"GET " + b"k" * 70000, None),  # inline over 64 KiB
    (b"*2\r\n$9\r\nSUBSCRIBE\r\n$", None), (b"HELLO 4\r\n", None), (b"AUTH x y z w\r\n", None),
]
PROTOCOL_ERROR_TIMEOUT = 20.0  # the reply and the close, even on a loaded machine


class Garbage(Worker):
    """Connects, sends malformed or random bytes (sometimes after a valid command), reads what
    comes back, and goes. A protocol error must be answered with Redis's error text and then a
    close: `checked` counts the rounds where that was verified."""

    name_ = "garbage"

    def __init__(self, port, stop, seed):
        super().__init__(port, stop, seed)
        self.checked = 0

    def round(self):
        s = connect(self.port)
        try:
            pick = self.rng.random()
            garbage, expected = self.rng.choice(GARBAGE)
            if pick < 0.5:
                data = garbage
            elif pick < 0.8:
                data, expected = os.urandom(self.rng.randrange(1, 4096)), None
            else:
                data = cmd("PING") + garbage + cmd("PING")
                expected = b"+PONG\r\n" + expected if expected else None
            s.sendall(data)
            if expected is None:
                s.settimeout(0.05)
                try:
                    while s.recv(65536):
                        pass
                except (socket.timeout, ConnectionError):
                    pass
                return
            s.settimeout(PROTOCOL_ERROR_TIMEOUT)
            got = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            if got != expected:
                raise AssertionError("sent %r, expected %r and a close, got %r" % (data[:60], expected, got[:200]))
            self.checked += 1
        except ConnectionError:
            pass  # the server may cut a bad client while it is still sending
        finally:
            reset_close(s) if self.rng.random() < 0.5 else s.close()


class Churn(Worker):
    """Connections that come and go: silent ones, a PING, half a command, a subscribe."""

    name_ = "churn"

    def round(self):
        s = connect(self.port)
        try:
            kind = self.rng.randrange(4)
            if kind == 1:
                s.sendall(cmd("PING"))
                if s.recv(7) != b"+PONG\r\n":
                    raise AssertionError("PING answered wrongly")
            elif kind == 2:
                s.sendall(cmd("PUBLISH", "soak:small", "x" * 100)[:-7])
            elif kind == 3:
                s.sendall(cmd("SUBSCRIBE", "soak:small", "soak:churn"))
        finally:
            s.close()


def confirmations(*channels):
    """The SUBSCRIBE confirmations a RESP2 client gets for `channels`, in order."""
    return b"".join(b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (len(c), c, i + 1)
                    for i, c in enumerate(channels))


BUSY = (b"soak:big", b"soak:small")


class Killed(Worker):
    """Subscribes to the busy channels, reads a random amount (often stopping inside a frame),
    and dies with an RST while the server is writing to it. What it read must begin with its
    subscribe confirmations, whatever was being written to it."""

    name_ = "killed"

    def round(self):
        s = connect(self.port)
        head = confirmations(*BUSY)
        got = b""
        try:
            s.sendall(cmd("SUBSCRIBE", *BUSY))
            want = self.rng.choice([0, 100, 5000, 70000, 1 << 20, 3 << 20])
            deadline = time.monotonic() + self.rng.uniform(0.05, 0.5)
            s.settimeout(0.05)
            while len(got) < want and time.monotonic() < deadline:
                try:
                    chunk = s.recv(min(65536, want - len(got)))
                except socket.timeout:
                    continue
                if not chunk:
                    break
                got += chunk
        except ConnectionError:
            pass
        finally:
            reset_close(s)
        if got[:len(head)] != head[:len(got)]:
            raise AssertionError("a subscriber's stream began %r, not with its confirmations" % got[:120])


class Stalled(Worker):
    """Subscribes with a tiny receive buffer and never reads until the daemon cuts it at its output
    limit (the busy channels fill any limit within seconds). `find_cut(addr)` (set by the soak)
    returns the daemon's log line about cutting `addr`, or None; `cuts` collects them."""

    name_ = "stalled"
    LONGEST = 30.0  # seconds a stall may last before "never cut" is a failure

    def __init__(self, port, stop, seed):
        super().__init__(port, stop, seed)
        self.find_cut = None
        self.cuts = []

    def round(self):
        s = connect(self.port, rcvbuf=4096)
        try:
            s.sendall(cmd("SUBSCRIBE", *BUSY))
            addr = "127.0.0.1:%d" % s.getsockname()[1]
            deadline = time.monotonic() + self.LONGEST
            while not self.stop.is_set():
                line = self.find_cut(addr)
                if line is not None:
                    self.cuts.append(line)
                    return
                if time.monotonic() >= deadline:
                    raise AssertionError("stalled subscriber %s not cut within %.0f s" % (addr, self.LONGEST))
                self.stop.wait(0.1)
        except ConnectionError:
            pass
        finally:
            reset_close(s) if self.rng.random() < 0.5 else s.close()


def payload(seq, size):
    """Message `seq`, exactly `size` bytes: seq, size and a tag (cut short below 12 bytes; empty
    at 0), then filler that depends on seq."""
    head = struct.pack("<II", seq, size) + b"soak"
    if size <= len(head):
        return head[:size]
    block = bytes((seq * 31 + i) & 0xFF for i in range(256))
    return head + (block * (size // 256 + 1))[:size - len(head)]


class VerifiedStream(threading.Thread):
    """A publisher on `channel` and one well-behaved subscriber that must receive every message,
    byte-exact and in order. Sizes cycle through `sizes`; the next message goes out once the
    subscriber has all earlier ones but `window` (so a 4 MiB stream stays within output limits)."""

    def __init__(self, port, stop, channel, sizes, window, pause=0.0):
        super().__init__(daemon=True, name="verified " + channel)
        self.port, self.stop, self.channel = port, stop, channel.encode()
        self.sizes, self.window, self.pause = sizes, window, pause
        self.published = self.received = 0
        self.failure = None
        self.largest = 0

    def run(self):
        try:
            self._run()
        except Exception as e:
            self.failure = "%s: %r (published %d, received %d)" % (self.name, e, self.published, self.received)

    def _run(self):
        sub = connect(self.port, timeout=30)
        pub = connect(self.port, timeout=30)
        try:
            head = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(self.channel), self.channel)
            sub.sendall(cmd("SUBSCRIBE", self.channel))
            if read_exact(sub, len(head)) != head:
                raise AssertionError("no subscribe confirmation")
            pending = bytearray()
            while not self.stop.is_set():
                while self.published - self.received < self.window and not self.stop.is_set():
                    size = self.sizes[self.published % len(self.sizes)]
                    pub.sendall(cmd("PUBLISH", self.channel, payload(self.published, size)))
                    reply = read_line(pub)
                    if not reply.startswith(b":") or int(reply[1:]) < 1:
                        raise AssertionError("PUBLISH answered %r" % reply)
                    self.published += 1
                    self.largest = max(self.largest, size)
                self._receive(sub, pending, until=self.published - self.window + 1)
                if self.pause:
                    self.stop.wait(self.pause)
            self._receive(sub, pending, until=self.published)  # everything published arrives
        finally:
            sub.close()
            pub.close()

    def _receive(self, sub, pending, until):
        while self.received < until:
            size = self.sizes[self.received % len(self.sizes)]
            p = payload(self.received, size)
            frame = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                len(self.channel), self.channel, len(p), p)
            while len(pending) < len(frame):
                chunk = sub.recv(1 << 20)
                if not chunk:
                    raise AssertionError("the server closed the verifying subscriber")
                pending += chunk
            if pending[:len(frame)] != frame:
                raise AssertionError("message %d (%d bytes) differs from what was published" % (self.received, size))
            del pending[:len(frame)]
            self.received += 1


def read_exact(s, n):
    out = bytearray()
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def read_line(s):
    out = bytearray()
    while not out.endswith(b"\r\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        out += chunk
    return bytes(out)
