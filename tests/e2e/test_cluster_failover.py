# Cluster (issue 7) when NATS servers are missing or die: a node whose NATS servers are all down
# starts and serves locally, then joins when a server comes up; killing the NATS server a
# publisher (or a subscriber) is attached to while traffic flows makes the node reconnect to
# another server, after which traffic resumes with no further loss. The tests print how many
# messages were lost in the window.

import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import cmd, wait_until
from cluster_testcase import ClusterTestCase, frame, message, skip_unless_ringcast_cluster


def http_get(port, path):
    """(status, body) of GET http://127.0.0.1:port/path."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def metric(port, name):
    """The value of the unlabelled Prometheus sample `name` on /metrics (int), or None."""
    status, body = http_get(port, "/metrics")
    assert status == 200, status
    for line in body.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return int(float(parts[1]))
    return None


class SteadyPublisher(threading.Thread):
    """PUBLISHes `channel` seq (8 digits) one at a time, reading each reply, every `interval` s."""

    def __init__(self, client, channel, interval=0.002):
        super().__init__(daemon=True)
        self.client, self.channel, self.interval = client, channel, interval
        self.sent = 0
        self.sent_at = []          # monotonic time of each publish
        self.replies = []
        self.error = None
        self.stop_flag = threading.Event()

    def run(self):
        try:
            while not self.stop_flag.is_set():
                self.sent_at.append(time.monotonic())
                self.client.send(cmd("PUBLISH", self.channel, b"%08d" % self.sent))
                self.replies.append(self.client.read_reply(timeout=5))
                self.sent += 1
                time.sleep(self.interval)
        except Exception as e:  # reported by the test
            self.error = e

    def finish(self):
        self.stop_flag.set()
        self.join(10)
        return self.sent


class Collector(threading.Thread):
    """Reads message frames from a subscribed RawClient; records (seq, arrival time)."""

    def __init__(self, client, channel):
        super().__init__(daemon=True)
        self.client, self.channel = client, channel
        self.seqs, self.times = [], []
        self.bad = []
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                reply = self.client.read_reply(timeout=0.1)
            except TimeoutError:
                continue
            except (ConnectionError, OSError) as e:
                self.bad.append(repr(e))
                return
            if isinstance(reply, list) and reply[:2] == [b"message", self.channel] and len(reply[2]) == 8:
                self.seqs.append(int(reply[2]))
                self.times.append(time.monotonic())
            else:
                self.bad.append(reply)

    def wait_for(self, seq, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.seqs and self.seqs[-1] >= seq:
                return True
            time.sleep(0.01)
        return False

    def finish(self):
        self.stop_flag.set()
        self.join(10)


def loss_windows(seqs, total):
    """Maximal runs of sequence numbers in range(total) missing from `seqs`, as (first, last)."""
    got = set(seqs)
    runs, start = [], None
    for k in range(total):
        if k not in got:
            if start is None:
                start = k
        elif start is not None:
            runs.append((start, k - 1))
            start = None
    if start is not None:
        runs.append((start, total - 1))
    return runs


@skip_unless_ringcast_cluster
class ClusterStartWithoutNatsTest(ClusterTestCase):
    def test_node_starts_without_nats_serves_locally_and_joins_later(self):
        nats = self.start_nats(1, start=False)
        # Its only NATS server is not running.
        a, http_port = self.start_node_with_metrics(nats, 0, name="ringcast-early")
        info = self.cluster_info(a)
        self.assertEqual(info["cluster_enabled"], 1)
        self.assertEqual(info["cluster_mode"], "nats")
        self.assertNotEqual(info["nats_status"], "connected", info)  # which word: the next test
        self.assertEqual(info["nats_server"], "", info)
        self.assertEqual(http_get(http_port, "/healthz")[0], 200, "/healthz stays 200 while cut off from NATS")
        self.assertEqual(metric(http_port, "ringcast_cluster_nats_connected"), 0)
        # Local pub/sub works meanwhile, SUBSCRIBE does not wait for NATS.
        t0 = time.monotonic()
        early = self.sub(a, "SUBSCRIBE", b"early")
        confirm_s = time.monotonic() - t0
        self.assertLess(confirm_s, 1.0, "SUBSCRIBE while NATS is unreachable is confirmed at once")
        local = self.client(a.port)
        self.assertBytes(local.request(cmd("PUBLISH", b"early", b"local"), 4), b":1\r\n")
        self.assertBytes(early.read_exact(len(message(b"early", b"local")), timeout=5), message(b"early", b"local"))
        self.assertEqual(self.cluster_info(a)["nats_subjects"], 1)
        time.sleep(0.5)  # a few reconnect attempts fail
        self.assertNotEqual(self.cluster_info(a)["nats_status"], "connected")
        # The NATS server comes up: the node connects (bounded) and its subscription crosses.
        t0 = time.monotonic()
        nats.start()
        self.wait_connected(a, nats[0].url, timeout=10)
        connect_s = time.monotonic() - t0
        print("\nSUBSCRIBE without NATS confirmed in %.0f ms; connected %.0f ms after nats-server started"
              % (1000 * confirm_s, 1000 * connect_s))
        b = self.start_node(nats, 0, name="ringcast-late")
        self.wait_connected(b, nats[0].url)
        pub_b = self.client(b.port)
        self.sync_interest(pub_b, [early], b"early", timeout=10)
        for i in range(100):
            self.assertBytes(pub_b.request(cmd("PUBLISH", b"early", b"%d" % i), 4), b":0\r\n")
        want = b"".join(message(b"early", b"%d" % i) for i in range(100))
        self.assertBytes(early.read_exact(len(want), timeout=5), want, "node b -> node a")
        # And the other way, strictly: both nodes share the NATS server, b flushed before confirming.
        back = self.sub(b, "SUBSCRIBE", b"back")
        self.assertBytes(local.request(cmd("PUBLISH", b"back", b"to b"), 4), b":0\r\n")
        self.assertBytes(back.read_exact(len(message(b"back", b"to b")), timeout=5), message(b"back", b"to b"),
                         "node a -> node b")
        info = self.cluster_info(a)
        self.assertEqual(info["nats_status"], "connected")
        self.assertEqual(info["nats_server"], nats[0].url)
        self.assertEqual(info["nats_reconnects"], 0, "the first connection is no reconnection")
        # /metrics carries the same figures.
        self.assertEqual(metric(http_port, "ringcast_cluster_nats_connected"), 1)
        for name, field in (("subjects", "nats_subjects"), ("messages_in_total", "nats_messages_in"),
                            ("messages_out_total", "nats_messages_out"), ("bytes_in_total", "nats_bytes_in"),
                            ("bytes_out_total", "nats_bytes_out"), ("forward_dropped_total", "nats_forward_dropped"),
                            ("forward_failed_total", "nats_forward_failed"), ("in_dropped_total", "nats_in_dropped"),
                            ("reconnects_total", "nats_reconnects"),
                            ("disconnects_total", "nats_disconnects")):
            self.assertEqual(metric(http_port, "ringcast_cluster_nats_" + name), info[field], name)
        self.assertGreater(info["nats_messages_in"], 100)

    def test_status_reads_connecting_until_a_server_first_answers(self):
        """README ("When things fail"): NATS unreachable at start, the node retries in the
        background with `nats_status:connecting`; `reconnecting` is for a connection lost later."""
        nats = self.start_nats(1, start=False)
        a = self.start_node(nats, 0, name="ringcast-early")
        time.sleep(0.3)  # a few attempts
        info = self.cluster_info(a)
        self.assertEqual(info["nats_status"], "connecting", "INFO cluster while no NATS server ever answered: %r"
                         % info)
        self.assertEqual(info["nats_disconnects"], 0, "no connection was lost")

    def test_publishes_while_nats_is_down_are_bounded_and_shutdown_is_prompt(self):
        """Never connected: 12 publishes of 1 MB exceed libnats's reconnect buffer (8 MB); local
        delivery goes on, what NATS cannot hold is counted in nats_forward_failed, the node stays
        responsive and stops promptly on SIGTERM."""
        nats = self.start_nats(1, start=False)
        a = self.start_node(nats, 0, name="ringcast-cut-off")
        sub = self.sub(a, "SUBSCRIBE", b"held")
        pub = self.client(a.port)
        payload = b"\x5a" * 1000000
        for i in range(12):
            self.assertBytes(pub.request(cmd("PUBLISH", b"held", payload), 4, timeout=10), b":1\r\n")
        want = message(b"held", payload) * 12
        self.assertBytes(sub.read_exact(len(want), timeout=10), want, "local delivery")
        self.assertTrue(wait_until(lambda: self.cluster_info(a)["nats_pending_bytes"] == 0, 5))
        info = self.cluster_info(a)
        print("\n12 x 1 MB published while NATS is down: %r" % info)
        self.assertGreaterEqual(info["nats_forward_failed"], 1, info)
        self.assertEqual(info["nats_forward_failed"] + info["nats_messages_out"], 12, info)
        self.assertBytes(pub.request(cmd("PING"), 7), b"+PONG\r\n")
        code, took = a.stop()
        print("stopped in %.2fs (exit %s)" % (took, code))
        self.assertEqual(code, 0)
        self.assertLess(took, 3.0, "SIGTERM while NATS is down")


@skip_unless_ringcast_cluster
class ClusterNatsServerDiesTest(ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.nats = self.start_nats(3)
        self.nodes = self.start_nodes(self.nats)

    def run_kill(self, victim, affected):
        """Steady traffic from node 1 to subscribers on nodes 2 and 3; NATS server `victim` is
        SIGKILLed mid-stream; node `affected` (attached to it) must reconnect elsewhere. Returns
        {node index: loss windows} for the subscribers and prints the figures."""
        n1, n2, n3 = self.nodes
        channel = b"flow"
        subs = {1: self.sub(n2, "SUBSCRIBE", channel), 2: self.sub(n3, "SUBSCRIBE", channel)}
        pub = self.client(n1.port)
        self.sync_interest(pub, list(subs.values()), channel)
        reconnects_before = self.cluster_info(self.nodes[affected])["nats_reconnects"]
        collectors = {i: Collector(c, channel) for i, c in subs.items()}
        for c in collectors.values():
            c.start()
        publisher = SteadyPublisher(pub, channel)
        publisher.start()
        try:
            for c in collectors.values():
                self.assertTrue(c.wait_for(100, timeout=10), "traffic did not start")
            kill_seq = publisher.sent
            t_kill = time.monotonic()
            self.nats.kill(victim)
            info = self.wait_connected(self.nodes[affected], timeout=10, avoid=self.nats[victim].url)
            t_reconnected = time.monotonic()
            # libnats reports the reconnection through a callback on its own thread: the status
            # may read "connected" a moment before nats_reconnects counts it (checked below).
            reconnects_at_connected = info["nats_reconnects"]
            # Traffic resumes: a message published after the reconnection reaches both.
            resume_seq = publisher.sent
            for i, c in collectors.items():
                self.assertTrue(c.wait_for(resume_seq, timeout=10),
                                "node %d: no message after the reconnection (last %s)" % (
                                    i + 1, c.seqs[-1] if c.seqs else None))
            time.sleep(1.0)  # steady traffic after the resumption
        finally:
            total = publisher.finish()
        self.assertIsNone(publisher.error)
        self.assertEqual(publisher.replies, [0] * total, "PUBLISH counts no local receiver")
        for c in collectors.values():
            self.assertTrue(c.wait_for(total - 1, timeout=10), "the last message did not arrive")
            c.finish()
        result = {}
        for i, c in collectors.items():
            self.assertEqual(c.bad, [], "node %d: unexpected frames" % (i + 1))
            self.assertEqual(c.seqs, sorted(set(c.seqs)), "node %d: duplicated or reordered" % (i + 1))
            windows = loss_windows(c.seqs, total)
            lost = sum(b - a + 1 for a, b in windows)
            first_missing = windows[0][0] if windows else None
            span_ms = (1000 * (publisher.sent_at[windows[-1][1]] - publisher.sent_at[windows[0][0]])
                       if windows else 0.0)
            print("\nkill %s (attached: node %d): subscriber on node %d lost %d of %d messages %s"
                  "(kill at seq %d, reconnected %.0f ms after the kill, window %.0f ms)"
                  % (self.nats[victim].name, affected + 1, i + 1, lost, total,
                     "in seqs %s " % windows if windows else "", kill_seq,
                     1000 * (t_reconnected - t_kill), span_ms))
            # One loss window at most, starting at the kill: once traffic resumed (the first
            # message after the window), nothing is lost.
            self.assertLessEqual(len(windows), 1, "node %d: more than one loss window: %s" % (i + 1, windows))
            if windows:
                self.assertGreaterEqual(publisher.sent_at[windows[0][0]], t_kill - 0.5,
                                        "node %d: loss well before the kill" % (i + 1))
            result[i] = (windows, first_missing)
        info = self.cluster_info(self.nodes[affected])
        print("node %d after the failover: %r (nats_reconnects was %d when the status first read "
              "connected)" % (affected + 1, info, reconnects_at_connected))
        self.assertEqual(info["nats_status"], "connected")
        self.assertNotEqual(info["nats_server"], self.nats[victim].url)
        self.assertGreaterEqual(info["nats_reconnects"], reconnects_before + 1, info)
        self.assertGreaterEqual(info["nats_disconnects"], 1, info)
        # After the resumption, a burst arrives complete and in order.
        burst = 500
        pub.send(b"".join(cmd("PUBLISH", channel, b"b%07d" % k) for k in range(burst)))
        self.assertBytes(pub.read_exact(4 * burst, timeout=10), b":0\r\n" * burst)
        want = b"".join(message(channel, b"b%07d" % k) for k in range(burst))
        for i, c in subs.items():
            self.assertBytes(c.read_exact(len(want), timeout=10), want, "node %d: burst after failover" % (i + 1))
        return result

    def test_kill_the_publishers_nats_server(self):
        self.run_kill(victim=0, affected=0)
        info1 = self.cluster_info(self.nodes[0])
        self.assertIn(info1["nats_server"], (self.nats[1].url, self.nats[2].url))

    def test_kill_a_subscribers_nats_server(self):
        result = self.run_kill(victim=1, affected=1)
        # Node 3's subscriber, its server and node 1's server stayed up: it lost nothing.
        self.assertEqual(result[2][0], [], "node 3 lost messages although its path stayed up")
        for i in (0, 2):
            self.assertEqual(self.cluster_info(self.nodes[i])["nats_reconnects"], 0,
                             "node %d was not attached to the killed server" % (i + 1))


if __name__ == "__main__":
    unittest.main()
