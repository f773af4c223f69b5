# Fixture for the cluster end-to-end tests (issue 7): a NATS cluster of real nats-server processes
# on 127.0.0.1, and ringcast nodes attached to it. Spec: /work/notes/cluster-spec.md (config keys,
# subjects, INFO `# Cluster`).
#
#   with NatsCluster(3) as nats:             # 3 servers, full mesh of routes, ephemeral ports
#       nats.start()                         # bounded: every server has a route to every other one
#       nats.kill(0); nats.restart(0)        # SIGKILL one server; start it again on the same ports
#
# Every port (client, route, monitoring) is picked by binding port 0 and releasing it; a server
# that dies on "address already in use" makes the whole cluster start again on fresh ports (unless
# its URLs were already handed out, e.g. to a ringcast config written before start()). Processes
# are stopped by PID: stop() / the context manager / ClusterTestCase's cleanups, and an atexit
# handler kills anything still running. In tests, derive from ClusterTestCase:
#
#   nats = self.start_nats(3)                # stopped on cleanup, logs printed when the test fails
#   n1, n2, n3 = self.start_nodes(nats)      # ringcast node i attached to NATS server i
#   self.cluster_info(n2)["nats_messages_in"]
#
# nats-server: /usr/sbin/nats-server (Debian package nats-server), or NATS_SERVER_BIN=/path.
# By hand: RINGCAST_BIN=build/release/broker/ringcast /usr/bin/python3 -m unittest -v test_cluster_delivery
# (from tests/e2e). RINGCAST_E2E_SHOW_LOG=1 prints every server's log after every test.

import atexit
import collections
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from harness import RawClient, Server, ServerTestCase, cmd, info_fields, parse_reply

def _find_nats_server():
    if os.environ.get("NATS_SERVER_BIN"):
        return os.environ["NATS_SERVER_BIN"]
    for path in ("/usr/sbin/nats-server", "/usr/bin/nats-server"):  # Debian installs it in sbin
        if os.access(path, os.X_OK):
            return path
    return shutil.which("nats-server") or "/usr/sbin/nats-server"


NATS_SERVER = _find_nats_server()
NATS_START_TIMEOUT = 10.0   # one server: listening on all three ports
ROUTES_TIMEOUT = 10.0       # the full mesh of routes (configured routes are retried every second)
NATS_STOP_TIMEOUT = 5.0     # after SIGTERM, before SIGKILL
START_ATTEMPTS = 5          # cluster starts on fresh ports after a port collision

_live = {}                  # pid -> Popen of every nats-server started and not yet reaped
_nodes = []                 # harness.Server of every ringcast node started through this module
_names = itertools.count(1)


@atexit.register
def _kill_leftovers():
    """Last resort (a test run interrupted between start and cleanup): SIGKILL by PID."""
    for proc in list(_live.values()):
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    _live.clear()
    for srv in _nodes:
        if srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()
            try:
                srv.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def free_ports(n):
    """n distinct ports that were free a moment ago (all bound at once, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class NatsStartError(RuntimeError):
    pass


class NatsServer:
    """One nats-server process; its ports stay the same across restarts."""

    def __init__(self, index, cluster_name, workdir):
        self.index = index
        self.name = "nats-%d" % (index + 1)
        self.cluster_name = cluster_name
        self.client_port = self.route_port = self.http_port = None
        self.peer_route_ports = []
        self.proc = None
        self.server_id = None
        self.conf_path = os.path.join(workdir, self.name + ".conf")
        self.log_path = os.path.join(workdir, self.name + ".log")
        self._log_start = 0

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.client_port

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def write_config(self):
        routes = ", ".join("nats://127.0.0.1:%d" % p for p in self.peer_route_ports)
        # no_advertise: clients only know the servers ringcast's config lists (deterministic failover).
        text = ("server_name: %s\n"
                "listen: 127.0.0.1:%d\n"
                "http: 127.0.0.1:%d\n"
                "cluster {\n"
                "  name: %s\n"
                "  listen: 127.0.0.1:%d\n"
                "  routes: [%s]\n"
                "  no_advertise: true\n"
                "}\n" % (self.name, self.client_port, self.http_port, self.cluster_name,
                         self.route_port, routes))
        with open(self.conf_path, "w") as f:
            f.write(text)

    def spawn(self):
        """Starts the process (does not wait); see wait_ready()."""
        assert not self.alive(), "%s is already running" % self.name
        self.write_config()
        self._log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([NATS_SERVER, "-c", self.conf_path], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, cwd=os.path.dirname(self.conf_path))
        finally:
            log.close()
        _live[self.proc.pid] = self.proc
        self.server_id = None

    def _new_log(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_start)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=NATS_START_TIMEOUT):
        """'ok' once the route listener is up (nats-server opens it last) and the client port
        greets with our server_name; 'collision' if it died on a port in use; 'exited'; 'timeout'."""
        deadline = time.monotonic() + timeout
        route_line = "Listening for route connections on 127.0.0.1:%d" % self.route_port
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reap()
                return "collision" if "address already in use" in self._new_log() else "exited"
            if route_line in self._new_log():
                info = self._client_info()
                if info is not None and info.get("server_name") == self.name:
                    self.server_id = info.get("server_id")
                    return "ok"
            time.sleep(0.02)
        return "timeout"

    def _client_info(self):
        try:
            with socket.create_connection(("127.0.0.1", self.client_port), timeout=1.0) as s:
                data = b""
                while b"\r\n" not in data and len(data) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        return None
                    data += chunk
        except OSError:
            return None
        line = data.split(b"\r\n", 1)[0]
        if not line.startswith(b"INFO "):
            return None
        try:
            return json.loads(line[5:])
        except ValueError:
            return None

    def monitor(self, endpoint, timeout=2.0):
        """GET http://127.0.0.1:<monitoring port>/<endpoint> as parsed JSON."""
        with urllib.request.urlopen("http://127.0.0.1:%d/%s" % (self.http_port, endpoint),
                                    timeout=timeout) as resp:
            return json.loads(resp.read())

    def route_peer_ids(self):
        """server_ids at the other end of this server's routes (empty set when unreachable)."""
        try:
            routez = self.monitor("routez")
        except (OSError, ValueError, urllib.error.URLError):
            return set()
        return {r.get("remote_id") for r in routez.get("routes") or []}

    def kill(self):
        """SIGKILL and reap (a crash: clients see the connection reset)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self._reap()

    def stop(self, timeout=NATS_STOP_TIMEOUT):
        """SIGTERM, then SIGKILL after `timeout`."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def _reap(self):
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=10)
        finally:
            _live.pop(self.proc.pid, None)

    def log(self, tail=8000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return "(no %s log)" % self.name
        return "---- %s log (%s, client port %s) ----\n%s---- end of log ----" % (
            self.name, self.log_path, self.client_port, data[-tail:].decode("utf-8", "replace"))


class NatsCluster:
    """`size` nats-server processes on 127.0.0.1 routed to each other (cluster name unique per
    instance). Ports are assigned at construction; urls() hands them out."""

    def __init__(self, size=3, name=None):
        if not os.access(NATS_SERVER, os.X_OK):
            raise NatsStartError("%s not found: install the Debian package nats-server "
                                 "(or set NATS_SERVER_BIN)" % NATS_SERVER)
        self.name = name or "ringcast-e2e-%d-%d" % (os.getpid(), next(_names))
        self._tmp = tempfile.TemporaryDirectory(prefix="ringcast-nats-")
        self.servers = [NatsServer(i, self.name, self._tmp.name) for i in range(size)]
        self._handed_out = False
        self._assign_ports()

    def _assign_ports(self):
        ports = free_ports(3 * len(self.servers))
        for i, s in enumerate(self.servers):
            s.client_port, s.route_port, s.http_port = ports[3 * i:3 * i + 3]
        for s in self.servers:
            s.peer_route_ports = [o.route_port for o in self.servers if o is not s]

    def __len__(self):
        return len(self.servers)

    def __getitem__(self, i):
        return self.servers[i]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False

    def urls(self, first=None):
        """Client URLs of every server; with `first`, that server's URL first and then the others
        in index order (how each ringcast node lists them). Pins the ports: a later start() that
        hits a port collision raises instead of moving to fresh ports."""
        self._handed_out = True
        order = list(range(len(self.servers)))
        if first is not None:
            order.remove(first)
            order.insert(0, first)
        return [self.servers[i].url for i in order]

    def start(self, wait_routes=True):
        """Starts every server (collision: all again on fresh ports, unless the URLs were handed
        out) and, with wait_routes, waits until the mesh of routes is complete."""
        for attempt in range(START_ATTEMPTS):
            for s in self.servers:
                s.spawn()
            results = [s.wait_ready() for s in self.servers]
            if all(r == "ok" for r in results):
                break
            logs = "\n".join(s.log() for s in self.servers)
            for s in self.servers:
                s.stop()
            if "timeout" in results or "exited" in results or self._handed_out:
                raise NatsStartError("nats cluster did not start (%s)\n%s" % (
                    ", ".join("%s: %s" % (s.name, r) for s, r in zip(self.servers, results)), logs))
            self._assign_ports()  # only port collisions left: retry on fresh ports
        else:
            raise NatsStartError("nats cluster: port collisions on %d attempts" % START_ATTEMPTS)
        if wait_routes:
            self.wait_for_routes()
        return self

    def restart(self, i, wait_routes=True):
        """Starts server i again on its old ports (after kill()/stop_server())."""
        s = self.servers[i]
        for _attempt in range(3):
            s.spawn()
            result = s.wait_ready()
            if result == "ok":
                break
            s.stop()
            if result != "collision":
                break
            time.sleep(0.3)
        if result != "ok":
            raise NatsStartError("%s did not restart: %s\n%s" % (s.name, result, s.log()))
        if wait_routes:
            self.wait_for_routes()
        return s

    def kill(self, i):
        self.servers[i].kill()

    def stop_server(self, i):
        self.servers[i].stop()

    def routes_complete(self):
        """True when every running server has a route to every other running server (by id)."""
        up = [s for s in self.servers if s.alive()]
        ids = {s.server_id for s in up}
        return all(s.route_peer_ids() == ids - {s.server_id} for s in up)

    def wait_for_routes(self, timeout=ROUTES_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.routes_complete():
            if time.monotonic() >= deadline:
                raise NatsStartError("nats routes incomplete after %.0fs: %s\n%s" % (
                    timeout, {s.name: len(s.route_peer_ids()) for s in self.servers if s.alive()},
                    "\n".join(s.log() for s in self.servers)))
            time.sleep(0.05)

    def stop(self):
        """Stops every server this cluster started, by PID (idempotent)."""
        for s in self.servers:
            s.stop()

    def pids(self):
        return [s.pid for s in self.servers if s.proc is not None]

    def cleanup(self):
        self._tmp.cleanup()


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

def node_config(servers, name, extra=""):
    """The YAML of a ringcast node attached to `servers` (list of nats:// URLs, first tried first)."""
    return ("cluster:\n"
            "  nats:\n"
            "    servers: [%s]\n"
            "    name: %s\n"
            "%s" % (", ".join('"%s"' % u for u in servers), name, extra))


def cluster_info(port):
    """INFO cluster of the ringcast node on `port`, as a dict (numbers as int)."""
    c = RawClient(port)
    try:
        fields = info_fields(c, "cluster")
    finally:
        c.close()
    return {k: int(v) if re.fullmatch(r"-?\d+", v) else v for k, v in fields.items()}


def frame(kind, *parts):
    """A RESP2 pub/sub frame: *N of bulk strings, the last int-valued items as :N."""
    items = (kind,) + parts
    out = [b"*%d\r\n" % len(items)]
    for it in items:
        if isinstance(it, int):
            out.append(b":%d\r\n" % it)
        else:
            it = it.encode() if isinstance(it, str) else it
            out.append(b"$%d\r\n%s\r\n" % (len(it), it))
    return b"".join(out)


def message(channel, payload):
    return frame(b"message", channel, payload)


def pmessage(pattern, channel, payload):
    return frame(b"pmessage", pattern, channel, payload)


def smessage(channel, payload):
    return frame(b"smessage", channel, payload)


SyncResult = collections.namedtuple("SyncResult", "seconds sent received")


class ClusterTestCase(ServerTestCase):
    """ServerTestCase with a NATS cluster and ringcast nodes attached to it. Cleanups stop every
    process by PID; a failing test prints the ringcast and nats-server logs."""

    def start_nats(self, size=3, start=True):
        try:
            nats = NatsCluster(size)
        except NatsStartError as e:
            self.fail(str(e))
        self.addCleanup(nats.cleanup)
        self.addCleanup(self._show_log_if_failed, nats.servers)
        self.addCleanup(nats.stop)
        if start:
            nats.start()
        return nats

    def start_node(self, nats, attach, name=None, shards=2, extra=""):
        """A ringcast node whose `servers` lists NATS server `attach` first, then the others."""
        name = name or "ringcast-node-%d" % (attach + 1)
        srv = Server(shards=shards, config_text=node_config(nats.urls(first=attach), name, extra))
        _nodes.append(srv)
        self.addCleanup(srv.cleanup)
        self.addCleanup(self._show_log_if_failed, [srv])
        self.addCleanup(srv.stop)
        srv.start()
        return srv

    def start_nodes(self, nats, count=3, **kw):
        """`count` nodes, node i attached to NATS server i % len(nats); waits until each is
        connected to its own server."""
        nodes = [self.start_node(nats, i % len(nats), name="ringcast-node-%d" % (i + 1), **kw)
                 for i in range(count)]
        for i, node in enumerate(nodes):
            self.wait_connected(node, nats[i % len(nats)].url)
        return nodes

    def cluster_info(self, node):
        return cluster_info(node.port)

    def start_node_with_metrics(self, nats, attach, name, **kw):
        """start_node with the HTTP listener on a free port (metrics.port 0); returns (node, port)."""
        node = self.start_node(nats, attach, name=name,
                               extra=kw.pop("extra", "") + "metrics:\n  enabled: true\n  bind: 127.0.0.1\n"
                                                          "  port: 0\n", **kw)
        line = node.wait_for_log("HTTP listening on 127.0.0.1:", timeout=5)
        self.assertIsNotNone(line, "no HTTP listener line in the log")
        return node, int(re.search(r"HTTP listening on 127\.0\.0\.1:(\d+)", line).group(1))

    def nats_subscriptions(self, server, conn_name):
        """Subjects of the NATS subscriptions the client connection named `conn_name` holds on
        NATS server `server` (from its /connz?subs=1), as a sorted list."""
        conns = [c for c in server.monitor("connz?subs=1").get("connections") or []
                 if c.get("name") == conn_name]
        self.assertEqual(len(conns), 1, "connections named %r on %s" % (conn_name, server.name))
        return sorted(conns[0].get("subscriptions_list") or [])

    def wait_nats_subscriptions(self, server, conn_name, want, timeout=5.0):
        """Waits until nats_subscriptions() equals sorted(want); fails with the last value."""
        want = sorted(want)
        deadline = time.monotonic() + timeout
        while True:
            got = self.nats_subscriptions(server, conn_name)
            if got == want:
                return got
            if time.monotonic() >= deadline:
                self.assertEqual(got, want, "NATS subscriptions of %r on %s" % (conn_name, server.name))
            time.sleep(0.02)

    def wait_connected(self, node, url=None, timeout=10.0, avoid=None):
        """Waits until INFO says nats_status:connected (to `url` when given, to another server than
        `avoid` when given); returns the fields."""
        deadline = time.monotonic() + timeout
        while True:
            info = cluster_info(node.port)
            if (info.get("nats_status") == "connected" and (url is None or info.get("nats_server") == url)
                    and (avoid is None or info.get("nats_server") != avoid)):
                return info
            if time.monotonic() >= deadline:
                self.fail("node on port %d not connected%s%s within %.0fs: %r" % (
                    node.port, " to " + url if url else "", " to a server but " + avoid if avoid else "",
                    timeout, info))
            time.sleep(0.02)

    def sub(self, node, kind, *targets):
        """A RawClient on `node` subscribed (kind = SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE) to targets;
        returns after every confirmation arrived (checked byte-exact)."""
        c = self.client(node.port)
        self.subscribe(c, kind, *targets)
        return c

    def subscribe(self, c, kind, *targets, first_count=None):
        """Subscribes an existing RawClient; `first_count` is the count the first confirmation
        carries (default: 1, i.e. a fresh connection)."""
        kind_b = kind.lower().encode() if isinstance(kind, str) else kind.lower()
        start = 1 if first_count is None else first_count
        expected = b"".join(frame(kind_b, t, start + i) for i, t in enumerate(targets))
        c.send(cmd(kind, *targets))
        self.assertBytes(c.read_exact(len(expected), timeout=10), expected,
                         "%s confirmation on port %d" % (kind, c.sock.getpeername()[1]))

    def sync_interest(self, pub, subs, channel, publish="PUBLISH", timeout=10.0, local=0):
        """Route propagation between NATS servers is not bounded: publishes probes on `channel`
        through RawClient `pub` (every 20 ms) until each RawClient in `subs` received one, then
        reads the rest of the probes each of them must get (once the first one arrived, every later
        probe must arrive too, in order). Each subscriber must get one frame per probe it receives
        (one matching subscription), and nothing else meanwhile. `local`: the receiver count
        PUBLISH must report on pub's node (its own subscribers get every probe: the caller reads
        them, `sent` of them). Returns a SyncResult (seconds, sent, received per subscriber)."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        sent = 0
        first = [None] * len(subs)
        while None in first:
            if time.monotonic() >= deadline:
                self.fail("cross-node interest on %r not visible within %.0fs (%d probes sent; "
                          "first probe received by each subscriber: %s)" % (channel, timeout, sent, first))
            pub.send(cmd(publish, channel, b"probe:%d" % sent))
            self.assertBytes(pub.read_exact(len(b":%d\r\n" % local), timeout=5), b":%d\r\n" % local,
                             "probe %s reply" % publish)
            sent += 1
            wait_until = time.monotonic() + 0.02
            for i, s in enumerate(subs):
                if first[i] is None:
                    got = self._try_reply(s, max(0.001, wait_until - time.monotonic()))
                    if got is not None:
                        first[i] = self._probe_number(got, channel)
        for i, s in enumerate(subs):
            for k in range(first[i] + 1, sent):
                got = s.read_reply(timeout=5)
                self.assertEqual(self._probe_number(got, channel), k,
                                 "probes must arrive without gaps once the first one arrived")
        return SyncResult(time.monotonic() - t0, sent, [sent - f for f in first])

    def read_local_probes(self, client, channel, sync):
        """Reads the `sync.sent` probes a subscriber on the publishing node itself got (in order)."""
        for k in range(sync.sent):
            self.assertEqual(self._probe_number(client.read_reply(timeout=5), channel), k, "local probe")

    @staticmethod
    def _try_reply(client, timeout):
        try:
            return client.read_reply(timeout=timeout)
        except TimeoutError:
            return None

    def _probe_number(self, reply, channel):
        self.assertIsInstance(reply, list, "probe frame")
        payload = reply[-1]
        self.assertTrue(isinstance(payload, bytes) and payload.startswith(b"probe:"),
                        "expected a probe on %r, got %r" % (channel, reply))
        channel_b = channel.encode() if isinstance(channel, str) else channel
        self.assertEqual(reply[-2], channel_b, "probe channel")
        return int(payload[6:])


def skip_unless_ringcast_cluster(cls):
    """Class decorator: the cluster tests need the ringcast binary (not redis-server)."""
    return unittest.skipIf(os.environ.get("RINGCAST_TEST_SERVER", "") == "redis",
                           "ringcast only: NATS cluster")(cls)


__all__ = ["NatsCluster", "NatsServer", "NatsClient", "NatsStartError", "ClusterTestCase", "free_ports",
           "node_config", "cluster_info", "channel_subject", "frame", "message", "pmessage", "smessage",
           "skip_unless_ringcast_cluster", "cmd", "parse_reply"]
