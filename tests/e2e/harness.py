# End-to-end harness: starts the real server (ringcast, or redis-server as the reference)
# on an ephemeral 127.0.0.1 port, stops it by PID, and gives tests a byte-exact raw client.
#
# Which server:
#   RINGCAST_BIN=/path/to/ringcast            the daemon under test (CTest sets this)
#   RINGCAST_TEST_SERVER=redis                /usr/bin/redis-server, the behaviour reference
# Run by hand, from the repository root:
#   RINGCAST_TEST_SERVER=redis /usr/bin/python3 -m unittest discover -s tests/e2e
#   RINGCAST_BIN=build/release/broker/ringcast /usr/bin/python3 -m unittest discover -s tests/e2e
# Always use /usr/bin/python3 (Debian's, which has python3-redis). One module: add `test_compat`
# etc. instead of `discover`. The C++ test: RINGCAST_TEST_SERVER=redis <build>/tests/e2e/hiredis_fanout_test.
# Through CTest: `ctest -L '^e2e$'` (against ringcast); configure with -DRINGCAST_E2E_REDIS=ON to also
# get the same suite against redis-server as `ctest -L e2e-redis`.
# RINGCAST_E2E_SHOW_LOG=1 prints the server's log after every test, not only after failures.
# RINGCAST_TEST_IO=uring|epoll|auto starts ringcast with `--io` that (CTest runs the suite twice:
# label e2e with uring, label e2e-epoll with epoll); unset, ringcast picks (auto).

import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

REDIS_SERVER = "/usr/bin/redis-server"
START_TIMEOUT = 10.0     # seconds until the server must answer PING
STOP_TIMEOUT = 10.0      # seconds after SIGTERM before SIGKILL (ringcast's shutdown_timeout is 5 s)
IO_TIMEOUT = 5.0         # default bound for one raw-client read


def server_kind():
    """'redis' or 'ringcast'; raises with a clear message when neither is configured."""
    if os.environ.get("RINGCAST_TEST_SERVER", "") == "redis":
        return "redis"
    if os.environ.get("RINGCAST_BIN"):
        return "ringcast"
    raise RuntimeError("set RINGCAST_BIN=/path/to/ringcast or RINGCAST_TEST_SERVER=redis "
                       "(see the top of tests/e2e/harness.py)")


def is_redis():
    return server_kind() == "redis"


def skip_unless_ringcast(reason):
    """Decorator for ringcast-only tests: skips under redis-server with `reason`."""
    return unittest.skipIf(os.environ.get("RINGCAST_TEST_SERVER", "") == "redis",
                           "ringcast only: " + reason)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmd(*args):
    """Encodes one request as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ServerStartError(RuntimeError):
    pass


IO_FROM_ENV = object()  # Server(io=...) default: RINGCAST_TEST_IO, if set


class Server:
    """One server process on 127.0.0.1:port. Use start_server() from a test for cleanup."""

    def __init__(self, shards=2, config_text=None, redis_args=(), port_in_config=False, io=IO_FROM_ENV,
                 launcher=()):
        self.kind = server_kind()
        self.shards = shards
        self.config_text = config_text
        self.redis_args = list(redis_args)
        # ringcast: put `port:` in the config file instead of passing --port (a flag would override
        # the file, so a SIGHUP could never see a port change).
        self.port_in_config = port_in_config
        # ringcast's --io: a backend name, or None for no flag (the config file or auto decides).
        self.io = os.environ.get("RINGCAST_TEST_IO") or None if io is IO_FROM_ENV else io
        # Program (and arguments) ringcast is started through, e.g. a seccomp launcher.
        self.launcher = list(launcher)
        self.proc = None
        self.port = None
        self.returncode = None
        self._tmpdir = tempfile.TemporaryDirectory(prefix="ringcast-e2e-")
        self.log_path = os.path.join(self._tmpdir.name, "server.log")

    @property
    def pid(self):
        return self.proc.pid

    def _argv(self, port):
        if self.kind == "redis":
            return [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"] + self.redis_args
        argv = self.launcher + [os.path.abspath(os.environ["RINGCAST_BIN"]), "--bind", "127.0.0.1",
                                "--shards", str(self.shards)]
        if self.io is not None:
            argv += ["--io", self.io]
        if not self.port_in_config:
            argv += ["--port", str(port)]
        if self.config_text is not None or self.port_in_config:
            text = self.config_text or ""
            if self.port_in_config:
                text = "port: %d\n" % port + text
            self.write_config(text)
            argv += ["--config", self.config_path]
        return argv

    @property
    def config_path(self):
        """The ringcast config file the server was started with (when config_text was given)."""
        return os.path.join(self._tmpdir.name, "ringcast.yaml")

    def write_config(self, text):
        """Replaces the config file atomically (a SIGHUP never reads a half-written file)."""
        tmp = self.config_path + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)

    def reload(self):
        """Sends SIGHUP (ringcast re-reads its config file)."""
        self.proc.send_signal(signal.SIGHUP)

    def log_bytes(self):
        """The whole log so far, as bytes."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def wait_for_log(self, needle, timeout=5.0, since=0):
        """Polls the log until `needle` (str) appears after byte offset `since`; returns the
        matching line (str) or None when the timeout ends."""
        needle_b = needle.encode() if isinstance(needle, str) else needle
        deadline = time.monotonic() + timeout
        while True:
            data = self.log_bytes()
            pos = data.find(needle_b, since)
            if pos >= 0:
                start = data.rfind(b"\n", 0, pos) + 1
                end = data.find(b"\n", pos)
                return data[start:end if end >= 0 else len(data)].decode("utf-8", "replace")
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def fd_count(self):
        """Open file descriptors of the server process."""
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def start(self):
        last = ""
        for _attempt in range(5):
            port = free_port()
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(self._argv(port), stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=log, cwd=self._tmpdir.name)
            finally:
                log.close()
            self.port = port
            if self._wait_ready():
                return self
            if self.proc.poll() is None:  # running but mute: give up, do not retry
                self.stop(check=False)
                raise ServerStartError("server did not answer PING within %.0fs\n%s"
                                       % (START_TIMEOUT, self.log()))
            last = self.log()
            self.proc.wait()
            if "in use" not in last.lower():  # only a port collision is worth a retry
                break
        raise ServerStartError("server failed to start (exit %s)\n%s" % (self.proc.returncode, last))

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    got = b""
                    while len(got) < 7:
                        chunk = s.recv(7 - len(got))
                        if not chunk:
                            break
                        got += chunk
                    # A server that wants AUTH first (requirepass) is up all the same.
                    if got in (b"+PONG\r\n", b"-NOAUTH"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, check=True, timeout=STOP_TIMEOUT):
        """SIGTERM, wait up to `timeout`, then SIGKILL. With check, ringcast must exit 0
        promptly. Returns (returncode, seconds taken)."""
        if self.proc is None:
            return None, 0.0
        t0 = time.monotonic()
        killed = False
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                killed = True
        took = time.monotonic() - t0
        self.returncode = self.proc.returncode
        if check and self.kind == "ringcast" and (killed or self.returncode != 0):
            raise AssertionError("ringcast on SIGTERM: exit %s after %.1fs%s\n%s"
                                 % (self.returncode, took, " (SIGKILLed)" if killed else "",
                                    self.log()))
        return self.returncode, took

    def log(self, tail=20000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return "(no server log)"
        text = data[-tail:].decode("utf-8", "replace")
        return "---- %s log (%s) ----\n%s---- end of log ----" % (self.kind, self.log_path, text)

    def rss_kib(self):
        return read_rss_kib(self.pid)

    def cleanup(self):
        self._tmpdir.cleanup()


def wait_until(predicate, timeout, interval=0.02):
    """Polls predicate() until it returns something truthy or `timeout` seconds pass; returns
    the last value (falsy on timeout). For conditions that have no event to wait on."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def parse_info(text):
    """INFO's text (bytes or str) as a dict of field -> str value."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    fields = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#") and ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value
    return fields


def info_fields(client, *sections):
    """Sends INFO [sections] on a RawClient and returns the parsed fields."""
    client.send(cmd("INFO", *sections))
    reply = client.read_reply(timeout=5)
    if isinstance(reply, Error):
        raise AssertionError("INFO failed: %r" % bytes(reply))
    return parse_info(reply)


def client_list_entry(client, peer):
    """The CLIENT LIST fields (a dict) of the connection whose addr is RawClient `peer`'s local
    address, asked on RawClient `client`; None when the server no longer lists it."""
    addr = "127.0.0.1:%d" % peer.sock.getsockname()[1]
    client.send(cmd("CLIENT", "LIST"))
    reply = client.read_reply(timeout=5)
    if isinstance(reply, Error):
        raise AssertionError("CLIENT LIST failed: %r" % bytes(reply))
    for line in reply.decode("utf-8", "replace").splitlines():
        fields = dict(f.partition("=")[::2] for f in line.split(" ") if "=" in f)
        if fields.get("addr") == addr:
            return fields
    return None


def rss_factor():
    """How much more RSS the daemon under test takes than a release build for the same data:
    RINGCAST_TEST_RSS_FACTOR (the tsan test preset sets it: ThreadSanitizer's shadow memory takes
    several times what it shadows), else 1. RSS bounds in tests are multiplied by it."""
    return float(os.environ.get("RINGCAST_TEST_RSS_FACTOR", "1"))


def read_rss_kib(pid):
    """VmRSS of `pid` in KiB, from /proc/PID/status."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


class RawClient:
    """A plain TCP client for byte-exact exchanges. Every read is bounded."""

    def __init__(self, port, timeout=IO_TIMEOUT, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # must be set before connect to bound the TCP window
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.timeout = timeout
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_exact(self, n, timeout=None):
        """Returns exactly n bytes, or fewer if the timeout ends or the peer closes first."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buf)))
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def request(self, data, expected_len, timeout=None):
        self.send(data)
        return self.read_exact(expected_len, timeout)

    def read_some(self, quiet=0.2, timeout=None):
        """Everything that arrives until `quiet` seconds pass with nothing new."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while time.monotonic() < deadline:
            self.sock.settimeout(min(quiet, max(0.001, deadline - time.monotonic())))
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            self.buf += chunk
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def is_closed(self, timeout=None):
        """True when the peer closed (EOF or reset) within the timeout; drains data first."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False

    def read_reply(self, timeout=None):
        """Parses one RESP2/RESP3 value (for shape checks). Raises TimeoutError."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            parsed = parse_reply(bytes(self.buf), 0)
            if parsed is not None:
                value, end = parsed
                del self.buf[:end]
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("incomplete reply after timeout: %r" % bytes(self.buf[:200]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError("closed mid-reply: %r" % bytes(self.buf[:200]))
            self.buf += chunk


def read_all(clients, want, timeout):
    """Reads `want` bytes from every RawClient concurrently (epoll, bounded by `timeout`).
    Returns one bytes per client, shorter than `want` where the time ran out or the peer closed."""
    got = [bytearray(c.buf[:want]) for c in clients]
    for c in clients:
        del c.buf[:want]
    sel = selectors.DefaultSelector()
    try:
        for i, c in enumerate(clients):
            if len(got[i]) < want:
                c.sock.setblocking(False)
                sel.register(c.sock, selectors.EVENT_READ, i)
        deadline = time.monotonic() + timeout
        while sel.get_map() and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=min(0.5, max(0.0, deadline - time.monotonic()))):
                i, buf = key.data, got[key.data]
                try:
                    chunk = key.fileobj.recv(want - len(buf))
                except BlockingIOError:
                    continue
                except ConnectionError:
                    chunk = b""
                buf += chunk
                if not chunk or len(buf) >= want:
                    sel.unregister(key.fileobj)
    finally:
        sel.close()
        for c in clients:
            c.sock.setblocking(True)
            c.sock.settimeout(c.timeout)
    return [bytes(b) for b in got]


class Push(list):
    """A RESP3 push ('>') value."""


class Error(bytes):
    """A RESP error ('-' or '!') value."""


def parse_reply(buf, pos):
    """Parses one RESP value at buf[pos:]; returns (value, end) or None if incomplete."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return None
    kind, line, after = buf[pos:pos + 1], buf[pos + 1:nl], nl + 2
    if kind in (b"+", b"("):
        return line, after
    if kind == b"-":
        return Error(line), after
    if kind == b":":
        return int(line), after
    if kind == b",":
        return float(line), after
    if kind == b"_":
        return None, after
    if kind == b"#":
        return line == b"t", after
    if kind in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return None, after
        if len(buf) < after + n + 2:
            return None
        data = buf[after:after + n]
        return (Error(data) if kind == b"!" else data), after + n + 2
    if kind in (b"*", b">", b"~", b"%", b"|"):
        n = int(line)
        if n < 0:
            return None, after
        count = n * 2 if kind in (b"%", b"|") else n
        items = []
        for _ in range(count):
            parsed = parse_reply(buf, after)
            if parsed is None:
                return None
            item, after = parsed
            items.append(item)
        if kind == b"%":
            return dict(zip(items[0::2], items[1::2])), after
        if kind == b"|":  # attribute: skip it, return the value that follows
            return parse_reply(buf, after)
        return (Push(items) if kind == b">" else items), after
    raise ValueError("bad RESP type byte %r at %d: %r" % (kind, pos, buf[pos:pos + 60]))


class ServerTestCase(unittest.TestCase):
    """Base class: start_server() stops the server by PID on cleanup (also on failure),
    and a failing test prints the server's log."""

    def start_server(self, **kw):
        srv = Server(**kw)
        self.addCleanup(srv.cleanup)              # cleanups run last-in first-out:
        self.addCleanup(self._show_log_if_failed, [srv])
        self.addCleanup(srv.stop)                 # stop, then show the log, then delete it
        srv.start()
        return srv

    @classmethod
    def start_class_server(cls, **kw):
        srv = Server(**kw)
        cls.addClassCleanup(srv.cleanup)
        try:
            srv.start()
        finally:
            cls.addClassCleanup(srv.stop)
        cls._class_servers = [srv]
        return srv

    def client(self, port=None, **kw):
        c = RawClient(port if port is not None else self.server.port, **kw)
        self.addCleanup(c.close)
        return c

    def redis_py(self):
        """A python3-redis client of self.server, closed at cleanup."""
        import redis  # Debian's python3-redis; only the tests that use it need it
        r = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=10, socket_connect_timeout=5)
        self.addCleanup(r.close)
        return r

    def setUp(self):
        super().setUp()
        self._problems_at_start = self._problem_count()
        self.addCleanup(self._show_log_if_failed, getattr(type(self), "_class_servers", []))

    def _problem_count(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        return len(getattr(result, "failures", [])) + len(getattr(result, "errors", []))

    def _show_log_if_failed(self, servers):
        failed = self._problem_count() > getattr(self, "_problems_at_start", 0)
        if failed or os.environ.get("RINGCAST_E2E_SHOW_LOG"):
            for srv in servers:
                sys.stderr.write("\n%s: %s\n" % (self.id(), srv.log()))

    def assertBytes(self, got, expected, what=""):
        """Byte-exact comparison; long values are reported around the first difference."""
        got, expected = bytes(got), bytes(expected)
        if got == expected:
            return
        if len(got) <= 400 and len(expected) <= 400:
            self.fail("%s\n  expected %r\n  got      %r" % (what, expected, got))
        pos = next((i for i in range(min(len(got), len(expected))) if got[i] != expected[i]),
                   min(len(got), len(expected)))
        lo = max(0, pos - 60)
        self.fail("%s\n  got %d bytes, expected %d; first difference at byte %d\n"
                  "  expected [%d:] %r\n  got      [%d:] %r"
                  % (what, len(got), len(expected), pos, lo, expected[lo:pos + 60], lo, got[lo:pos + 60]))
