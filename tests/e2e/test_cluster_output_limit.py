# Output limits hold for messages that arrive from another node as for local
# ones: a stalled subscriber on node 2 is cut at its hard limit while node 1
# publishes, with the warning naming the size it held, and nothing else on
# node 2 is disturbed.

import unittest

from harness import cmd
from cluster_testcase import ClusterTestCase, message, skip_unless_ringcast_cluster
from limits_log import output_cut

HARD = 1024 * 1024
LIMITS = "limits:\n  output:\n    pubsub: {hard: 1mb, soft: 0, soft_seconds: 0}\n"


@skip_unless_ringcast_cluster
class ClusterOutputLimitTest(ClusterTestCase):
    def test_hard_limit_holds_for_messages_from_another_node(self):
        nats = self.start_nats(size=1)
        n1 = self.start_node(nats, 0, name="ringcast-node-1")
        n2 = self.start_node(nats, 0, name="ringcast-node-2", extra=LIMITS)
        for node in (n1, n2):
            self.wait_connected(node)
        stalled = self.client(n2.port, rcvbuf=4096, timeout=10)
        self.subscribe(stalled, "SUBSCRIBE", b"far")
        watcher = self.sub(n2, "SUBSCRIBE", b"far")
        pub = self.client(n1.port, timeout=20)
        # Once the watcher hears node 1's probes, node 2's interest has reached node 1.
        self.sync_interest(pub, [watcher], b"far")
        watcher.close()
        payload = b"p" * 10000
        # 15 MB from node 1: more than the kernel's socket buffers can take off the daemon's hands
        # (they grow to a few MB), so the daemon's own queue must pass the 1 MiB limit.
        n = 1500
        pub.send(cmd("PUBLISH", "far", payload) * n)
        self.assertBytes(pub.read_exact(4 * n, timeout=20), b":0\r\n" * n, "node 1 counts no local receiver")
        cut = output_cut(n2, stalled)
        self.assertIsNotNone(cut, "the stalled subscriber on node 2 was never cut")
        self.assertEqual((cut.which, cut.hard), ("hard", HARD), cut.line)
        self.assertGreaterEqual(cut.held, HARD)
        self.assertLess(cut.held, HARD + 2 * len(message(b"far", payload)), "cut only at %d bytes: %s"
                        % (cut.held, cut.line))
        self.assertTrue(stalled.is_closed(timeout=5))
        # Node 2 still serves.
        other = self.client(n2.port)
        self.assertBytes(other.request(cmd("PING"), 7), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main()
