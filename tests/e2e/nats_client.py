# A minimal NATS protocol client for the cluster end-to-end tests (watching the subjects ringcast
# nodes use, injecting messages as another NATS client would), and the subject a channel travels
# on (broker/cluster/subject_codec.h, written again here so the tests check it independently).

import itertools
import json
import re
import socket
import time

class NatsClient:
    """A minimal NATS protocol client (for observing subjects and injecting messages); every read
    is bounded."""

    def __init__(self, port, timeout=5.0, name="e2e-observer"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self.buf = bytearray()
        self._pending = []        # messages read while waiting for a PONG
        self.sids = itertools.count(1)
        line = self._line(timeout)
        if not line.startswith(b"INFO "):
            raise ConnectionError("no INFO from nats: %r" % line)
        self.info = json.loads(line[5:])
        self.sock.sendall(b"CONNECT %s\r\n" % json.dumps(
            {"verbose": False, "pedantic": False, "headers": True, "no_responders": False,
             "protocol": 1, "name": name, "lang": "python-e2e", "version": "0"}).encode())
        self.flush()

    def close(self):
        self.sock.close()

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("nats: nothing within the timeout; buffered %r" % bytes(self.buf[:200]))
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("nats: nothing within the timeout; buffered %r" % bytes(self.buf[:200]))
        if not chunk:
            raise ConnectionError("nats server closed the connection")
        self.buf += chunk

    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            self._fill(deadline)
        pos = self.buf.index(b"\r\n")
        line = bytes(self.buf[:pos])
        del self.buf[:pos + 2]
        return line

    def _exact(self, n, deadline):
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def subscribe(self, subject):
        sid = next(self.sids)
        self.sock.sendall(b"SUB %s %d\r\n" % (subject.encode() if isinstance(subject, str) else subject, sid))
        return sid

    def publish(self, subject, payload):
        subject = subject.encode() if isinstance(subject, str) else subject
        self.sock.sendall(b"PUB %s %d\r\n%s\r\n" % (subject, len(payload), payload))

    def flush(self, timeout=None):
        """PING and wait for the PONG: the server processed everything sent before."""
        self.sock.sendall(b"PING\r\n")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            msg = self._next(deadline)
            if msg == "PONG":
                return
            self._pending.append(msg)

    def _next(self, deadline):
        """The next MSG/HMSG as (subject, headers bytes or None, payload), or 'PONG'."""
        while True:
            line = self._line(max(0.001, deadline - time.monotonic()))
            if line == b"PING":
                self.sock.sendall(b"PONG\r\n")
            elif line == b"PONG":
                return "PONG"
            elif line.startswith(b"+OK") or line.startswith(b"INFO "):
                continue
            elif line.startswith(b"-ERR"):
                raise ConnectionError("nats: %r" % line)
            elif line.startswith(b"MSG "):
                parts = line.split(b" ")
                n = int(parts[-1])
                data = self._exact(n + 2, deadline)
                return (parts[1], None, data[:n])
            elif line.startswith(b"HMSG "):
                parts = line.split(b" ")
                hlen, total = int(parts[-2]), int(parts[-1])
                data = self._exact(total + 2, deadline)
                return (parts[1], data[:hlen], data[hlen:total])
            else:
                raise ConnectionError("nats: unexpected %r" % line)

    def next_msg(self, timeout=None):
        """(subject, headers or None, payload) of the next message; raises TimeoutError."""
        if self._pending:
            return self._pending.pop(0)
        return self._next(time.monotonic() + (self.timeout if timeout is None else timeout))


# ---- subjects (the spec's mapping, for tests that look at NATS directly) ----

_SAFE = re.compile(rb"[A-Za-z0-9_-]")


def channel_subject(channel, prefix=b"ringcast", kind=b"c"):
    """The NATS subject of a channel: split after each ':' '.' '/', %XX everything outside
    [A-Za-z0-9_-], an empty final chunk written '%'."""
    chunks, cur = [], bytearray()
    for b in channel:
        cur.append(b)
        if b in b":./":
            chunks.append(bytes(cur))
            cur = bytearray()
    chunks.append(bytes(cur))
    tokens = []
    for chunk in chunks:
        tok = b"".join(bytes([c]) if _SAFE.fullmatch(bytes([c])) else b"%%%02X" % c for c in chunk)
        tokens.append(tok or b"%")
    return b".".join([prefix, kind] + tokens)


# ---- ringcast nodes ----
