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


GARBAGE = [
    b"*-5\r\n", b"*3\r\n$-2\r\n", b"$abc\r\n", b"*99999999999\r\n", b"*1\r\n$999999999999\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\nabcdef\r\n", b'PING "unbalanced\r\n', b"\x00\x01\x02\r\n",
    b"*1\r\n*1\r\n$4\r\nPING\r\n", b"\r\n\r\n\r\n", b"GET " + b"k" * 70000,  # inline over 64 KiB
    b"*2\r\n$9\r\nSUBSCRIBE\r\n$", b"HELLO 4\r\n", b"AUTH x y z w\r\n",
]


class Garbage(Worker):
    """Connects, sends malformed or random bytes (sometimes after a valid command), reads what
    comes back for a moment, and goes."""

    name_ = "garbage"

    def round(self):
        s = connect(self.port)
        try:
            pick = self.rng.random()
            if pick < 0.5:
                data = self.rng.choice(GARBAGE)
            elif pick < 0.8:
                data = os.urandom(self.rng.randrange(1, 4096))
            else:
                data = cmd("PING") + self.rng.choice(GARBAGE) + cmd("PING")
            s.sendall(data)
            s.settimeout(0.05)
            try:
                while s.recv(65536):
                    pass
            except (socket.timeout, ConnectionError):
                pass
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


class Killed(Worker):
    """Subscribes to the busy channels, reads a random amount (often stopping inside a frame),
    and dies with an RST while the server is writing to it."""

    name_ = "killed"

    def round(self):
        s = connect(self.port)
        try:
            s.sendall(cmd("SUBSCRIBE", "soak:big", "soak:small"))
            want = self.rng.choice([0, 100, 5000, 70000, 1 << 20, 3 << 20])
            got = 0
            deadline = time.monotonic() + self.rng.uniform(0.05, 0.5)
            s.settimeout(0.05)
            while got < want and time.monotonic() < deadline:
                try:
                    chunk = s.recv(min(65536, want - got))
                except socket.timeout:
                    continue
                if not chunk:
                    break
                got += len(chunk)
        except ConnectionError:
            pass
        finally:
            reset_close(s)


class Stalled(Worker):
    """Subscribes with a tiny receive buffer and never reads, for up to a few seconds; the
    server may cut it at its output limit."""

    name_ = "stalled"

    def round(self):
        s = connect(self.port, rcvbuf=4096)
        try:
            s.sendall(cmd("SUBSCRIBE", "soak:big", "soak:small"))
            self.stop.wait(self.rng.uniform(0.5, 3.0))
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
