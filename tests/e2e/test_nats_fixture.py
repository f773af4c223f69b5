# The NATS cluster fixture itself (nats_cluster.py): ephemeral ports, full mesh of routes, messages
# across routes, kill/restart on the same ports, port collisions, every process stopped by PID
# (stop, context manager, atexit), and ringcast nodes attached each to its own server.

import os
import socket
import subprocess
import sys
import textwrap
import time
import unittest
from unittest import mock

import nats_cluster
from harness import wait_until
from cluster_testcase import ClusterTestCase, skip_unless_ringcast_cluster
from nats_client import NatsClient
from nats_cluster import NatsCluster, NatsStartError

HERE = os.path.dirname(os.path.abspath(__file__))


def pid_running(pid):
    """True while /proc/PID exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def deliver_across(test, pub_port, sub_port, subject, timeout=10.0):
    """Subscribes on one server, publishes on another until a message crosses the route (interest
    propagation over routes is asynchronous); returns the payload that arrived."""
    sub = NatsClient(sub_port)
    pub = NatsClient(pub_port)
    try:
        sub.subscribe(subject)
        sub.flush()
        deadline = time.monotonic() + timeout
        i = 0
        while time.monotonic() < deadline:
            pub.publish(subject, b"hello %d" % i)
            pub.flush()
            i += 1
            try:
                got = sub.next_msg(timeout=0.05)
            except TimeoutError:
                continue
            test.assertEqual(got[0], subject.encode())
            return got[2]
        test.fail("no message from port %d to port %d within %.0fs" % (pub_port, sub_port, timeout))
    finally:
        sub.close()
        pub.close()


class NatsFixtureTest(ClusterTestCase):
    def test_three_servers_full_mesh_distinct_loopback_ports(self):
        t0 = time.monotonic()
        nats = self.start_nats(3)
        took = time.monotonic() - t0
        ports = [p for s in nats.servers for p in (s.client_port, s.route_port, s.http_port)]
        self.assertEqual(len(set(ports)), 9, ports)
        ids = {s.server_id for s in nats.servers}
        self.assertEqual(len(ids), 3)
        for s in nats.servers:
            self.assertTrue(s.alive())
            self.assertEqual(s.route_peer_ids(), ids - {s.server_id})
            varz = s.monitor("varz")
            self.assertEqual((varz["host"], varz["port"]), ("127.0.0.1", s.client_port))
            self.assertEqual(varz["cluster"]["name"], nats.name)
            self.assertEqual(varz["cluster"]["addr"], "127.0.0.1")
        self.assertEqual(nats.urls(first=1), [nats[1].url, nats[0].url, nats[2].url])
        sys.stderr.write("\n3 nats servers with routes in %.2fs\n" % took)
        for a, b in ((0, 1), (1, 2), (2, 0)):
            self.assertTrue(deliver_across(self, nats[a].client_port, nats[b].client_port,
                                           "fixture.%d.%d" % (a, b)).startswith(b"hello "))

    def test_kill_and_restart_one_server(self):
        nats = self.start_nats(3)
        pid = nats[1].pid
        old_id = nats[1].server_id
        nats.kill(1)
        self.assertFalse(pid_running(pid))
        self.assertNotIn(pid, nats_cluster._live)
        # The survivors keep their route to each other and lose the one to the killed server.
        self.assertTrue(wait_until(lambda: nats[0].route_peer_ids() == {nats[2].server_id} and
                                   nats[2].route_peer_ids() == {nats[0].server_id}, 10))
        deliver_across(self, nats[0].client_port, nats[2].client_port, "fixture.survivors")
        ports = (nats[1].client_port, nats[1].route_port, nats[1].http_port)
        nats.restart(1)
        self.assertEqual((nats[1].client_port, nats[1].route_port, nats[1].http_port), ports)
        self.assertNotEqual(nats[1].server_id, old_id)
        self.assertTrue(nats.routes_complete())
        deliver_across(self, nats[1].client_port, nats[0].client_port, "fixture.restarted.out")
        deliver_across(self, nats[2].client_port, nats[1].client_port, "fixture.restarted.in")

    def test_context_manager_stops_every_process(self):
        with NatsCluster(3) as nats:
            nats.start()
            pids = nats.pids()
            self.assertTrue(all(pid_running(p) for p in pids))
            nats.kill(2)  # one already dead: stop() must not trip over it
        self.assertFalse(any(pid_running(p) for p in pids), pids)
        self.assertFalse(any(p in nats_cluster._live for p in pids))
        self.assertFalse(os.path.exists(nats[0].conf_path), "temporary directory removed")

    def test_exception_inside_context_manager_stops_every_process(self):
        pids = []
        with self.assertRaises(ZeroDivisionError):
            with NatsCluster(2) as nats:
                nats.start()
                pids = nats.pids()
                1 / 0
        self.assertEqual(len(pids), 2)
        self.assertFalse(any(pid_running(p) for p in pids), pids)

    def test_port_collision_starts_again_on_fresh_ports(self):
        blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        taken = blocker.getsockname()[1]
        real = nats_cluster.free_ports
        calls = []

        def first_call_collides(n):
            ports = real(n)
            if not calls:
                ports[4] = taken  # server 2's route port
            calls.append(list(ports))
            return ports

        with mock.patch.object(nats_cluster, "free_ports", first_call_collides):
            nats = self.start_nats(3)
        self.assertEqual(len(calls), 2, "one collision, one fresh set of ports")
        self.assertNotEqual(nats[1].route_port, taken)
        self.assertTrue(nats.routes_complete())
        self.assertIn("address already in use", nats[1].log())

    def test_port_collision_after_urls_were_handed_out_fails_clearly(self):
        blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        real = nats_cluster.free_ports
        with mock.patch.object(nats_cluster, "free_ports",
                               lambda n: [blocker.getsockname()[1]] + real(n)[1:]):
            nats = NatsCluster(1)
        self.addCleanup(nats.cleanup)
        self.addCleanup(nats.stop)
        nats.urls()
        with self.assertRaises(NatsStartError) as ctx:
            nats.start()
        self.assertIn("collision", str(ctx.exception))
        self.assertFalse(nats[0].alive())

    def test_atexit_kills_servers_left_running(self):
        """A process that starts a cluster and exits without stopping it leaves nothing behind."""
        script = textwrap.dedent("""
            import sys
            sys.path.insert(0, %r)
            from nats_cluster import NatsCluster
            nats = NatsCluster(3).start()
            print(" ".join(str(p) for p in nats.pids()), flush=True)
            sys.exit(0)
        """ % HERE)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30,
                             env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(out.returncode, 0, out.stderr.decode("utf-8", "replace"))
        pids = [int(p) for p in out.stdout.split()]
        self.assertEqual(len(pids), 3)
        # The child reaped them before exiting; they are gone, not zombies of someone else.
        self.assertFalse(any(pid_running(p) for p in pids), pids)


@skip_unless_ringcast_cluster
class RingcastNodesFixtureTest(ClusterTestCase):
    def test_three_nodes_each_attached_to_its_own_server(self):
        nats = self.start_nats(3)
        nodes = self.start_nodes(nats)
        self.assertEqual(len({n.port for n in nodes}), 3)
        for i, node in enumerate(nodes):
            info = self.cluster_info(node)
            self.assertEqual(info["cluster_enabled"], 1)
            self.assertEqual(info["cluster_mode"], "nats")
            self.assertEqual(info["nats_status"], "connected")
            self.assertEqual(info["nats_server"], nats[i].url)
            # The NATS server sees the node's connection under its configured name.
            names = [c.get("name") for c in nats[i].monitor("connz").get("connections") or []]
            self.assertIn("ringcast-node-%d" % (i + 1), names)
        with open(nodes[1].config_path) as f:
            text = f.read()
        self.assertIn('servers: ["%s", "%s", "%s"]' % (nats[1].url, nats[0].url, nats[2].url), text)


if __name__ == "__main__":
    unittest.main()
