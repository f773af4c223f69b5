# ClusterTestCase: ServerTestCase with a NATS cluster (nats_cluster.py) and ringcast nodes attached
# to it, plus the expected reply frames and node configs the cluster tests share.

import collections
import os
import re
import time
import unittest

from harness import RawClient, Server, ServerTestCase, cmd, info_fields
from nats_cluster import NatsCluster, NatsStartError, _nodes

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

