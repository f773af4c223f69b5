# Fixture for the cluster end-to-end tests (issue 7): a NATS cluster of real nats-server processes
# on 127.0.0.1, and ringcast nodes attached to it. What they check (config keys, subjects, INFO
# `# Cluster`) is README's "Running several nodes".
#
#   with NatsCluster(3) as nats:             # 3 servers, full mesh of routes, ephemeral ports
#       nats.start()                         # bounded: every server has a route to every other one
#       nats.kill(0); nats.restart(0)        # SIGKILL one server; start it again on the same ports
#
# Every port (client, route, monitoring) is picked by binding port 0 and releasing it; a server
# that dies on "address already in use" makes the whole cluster start again on fresh ports (unless
# its URLs were already handed out, e.g. to a ringcast config written before start()). Processes
# are stopped by PID: stop() / the context manager / ClusterTestCase's cleanups, and an atexit
# handler kills anything still running. In tests, derive from ClusterTestCase (cluster_testcase.py):
#
#   nats = self.start_nats(3)                # stopped on cleanup, logs printed when the test fails
#   n1, n2, n3 = self.start_nodes(nats)      # ringcast node i attached to NATS server i
#   self.cluster_info(n2)["nats_messages_in"]
#
# nats-server: /usr/sbin/nats-server (Debian package nats-server), or NATS_SERVER_BIN=/path.
# By hand: RINGCAST_BIN=build/release/broker/ringcast /usr/bin/python3 -m unittest -v test_cluster_delivery
# (from tests/e2e). RINGCAST_E2E_SHOW_LOG=1 prints every server's log after every test.

import atexit
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

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
