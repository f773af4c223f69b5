# History across nodes (issue 13): a message published on another node gets its offset in this
# node's stream when it arrives, is kept for HISTORY and RESUME, and reaches this node's RESUME
# subscribers; the node's other subscribers still get it exactly once, with Redis's bytes. Both
# nodes share one NATS server, so a subscription confirmed on one is visible to the other at once.

import time
import unittest

from harness import cmd
from cluster_testcase import ClusterTestCase, message, node_config, pmessage, skip_unless_ringcast_cluster

HISTORY = ("history:\n"
           "  rules:\n"
           "    - {channels: [\"orders:*\", \"chat:*\"], max_messages: 100}\n")


def offset_message(channel, payload, offset):
    return b"*4\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (
        len(channel), channel, len(payload), payload, offset)


@skip_unless_ringcast_cluster
class ClusterHistoryTest(ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.nats = self.start_nats(1)
        self.n1 = self.start_node(self.nats, 0, name="ringcast-node-1", extra=HISTORY)
        self.n2 = self.start_node(self.nats, 0, name="ringcast-node-2", extra=HISTORY)
        for node in (self.n1, self.n2):
            self.wait_connected(node)

    def resume(self, node, channel, epoch, offset):
        c = self.client(node.port)
        c.send(cmd("RESUME", channel, epoch, offset))
        reply = c.read_reply(timeout=10)
        self.assertEqual(reply[:2], [b"resume", channel], reply)
        return c, reply

    def publish(self, node, channel, *payloads, receivers=0):
        c = self.client(node.port)
        for p in payloads:
            c.send(cmd("PUBLISH", channel, p))
            self.assertEqual(c.read_reply(), receivers, "PUBLISH's count on the publishing node")
        c.close()

    def test_messages_from_another_node_are_numbered_on_arrival(self):
        resumer, reply = self.resume(self.n2, b"orders:1", 0, 0)
        epoch = reply[4]
        self.assertEqual(reply, [b"resume", b"orders:1", 1, 1, epoch, 1])
        # Subscribers of every kind on the numbering node: one copy each, Redis's bytes.
        plain = self.sub(self.n2, "SUBSCRIBE", b"orders:1")
        same_glob = self.sub(self.n2, "PSUBSCRIBE", b"orders:*")  # the rule's own NATS subscription
        other_glob = self.sub(self.n2, "PSUBSCRIBE", b"ord*")

        payloads = [b"m%d" % i for i in range(5)]
        self.publish(self.n1, b"orders:1", *payloads)
        expected = b"".join(offset_message(b"orders:1", p, i + 1) for i, p in enumerate(payloads))
        self.assertBytes(resumer.read_exact(len(expected), timeout=10), expected, "the resumer on the other node")
        for client, frames in ((plain, [message(b"orders:1", p) for p in payloads]),
                               (same_glob, [pmessage(b"orders:*", b"orders:1", p) for p in payloads]),
                               (other_glob, [pmessage(b"ord*", b"orders:1", p) for p in payloads])):
            want = b"".join(frames)
            self.assertBytes(client.read_exact(len(want), timeout=10), want)
        # A local publish continues the same numbering.
        self.publish(self.n2, b"orders:1", b"local", receivers=4)
        self.assertBytes(resumer.read_exact(len(offset_message(b"orders:1", b"local", 6)), timeout=10),
                         offset_message(b"orders:1", b"local", 6))
        for client in (resumer, plain, same_glob, other_glob):
            rest = client.read_some(quiet=0.3)
            if client is not resumer:
                rest = rest.replace(message(b"orders:1", b"local"), b"", 1).replace(
                    pmessage(b"orders:*", b"orders:1", b"local"), b"", 1).replace(
                    pmessage(b"ord*", b"orders:1", b"local"), b"", 1)
            self.assertEqual(rest, b"", "nothing twice")

        h = self.client(self.n2.port)
        h.send(cmd("HISTORY", "orders:1"))
        self.assertEqual(h.read_reply(), [epoch, 7, [[i + 1, p] for i, p in enumerate(payloads + [b"local"])]])
        # Node 1 numbered its own messages, and node 2's on arrival, in a stream of its own.
        h1 = self.client(self.n1.port)
        for _ in range(250):  # node 2's message may still be on its way
            h1.send(cmd("HISTORY", "orders:1"))
            own = h1.read_reply()
            if own[1] == 7:
                break
            time.sleep(0.02)
        self.assertNotEqual(own[0], epoch)
        self.assertEqual(own[1:], [7, [[i + 1, p] for i, p in enumerate(payloads + [b"local"])]])

    def test_resume_on_the_same_node_recovers_what_other_nodes_published_meanwhile(self):
        # A RESUME waits until the node's interest in the rules' channels reached NATS.
        first, _ = self.resume(self.n2, b"chat:7", 0, 0)
        first.close()
        # No subscriber of the channel anywhere now: the rule alone makes node 2 receive and keep it.
        self.publish(self.n1, b"chat:7", b"before")
        h = self.client(self.n2.port)
        for _ in range(250):  # it may still be on its way
            h.send(cmd("HISTORY", "chat:7"))
            page = h.read_reply()
            if page[1] == 2:
                break
            time.sleep(0.02)
        epoch = page[0]
        self.assertEqual(page, [epoch, 2, [[1, b"before"]]])
        resumer, reply = self.resume(self.n2, b"chat:7", epoch, 1)
        self.assertEqual(reply, [b"resume", b"chat:7", 1, 1, epoch, 2])
        resumer.close()
        self.publish(self.n1, b"chat:7", b"x", b"y", b"z")
        resumer, reply = self.resume(self.n2, b"chat:7", epoch, 1)
        self.assertEqual(reply[3:5], [1, epoch], "recovered, same epoch")
        # The last of the three may still be in NATS when the RESUME lands: the replay and the live
        # messages together are exactly 2, 3, 4.
        want = b"".join(offset_message(b"chat:7", p, o) for p, o in ((b"x", 2), (b"y", 3), (b"z", 4)))
        self.assertBytes(resumer.read_exact(len(want), timeout=10), want)
        self.assertEqual(resumer.read_some(quiet=0.3), b"")
        # The other node's epoch means nothing here.
        other, reply = self.resume(self.n1, b"chat:7", epoch, 1)
        self.assertEqual(reply[3], 0, "not recovered on the node that does not know the epoch")

    def test_a_reload_moves_the_nodes_nats_interest_to_the_new_rules(self):
        self.wait_nats_subscriptions(self.nats[0], "ringcast-node-2",
                                     ["ringcast.c.chat%3A.>", "ringcast.c.orders%3A.>"])
        self.n2.write_config(node_config(self.nats.urls(first=0), "ringcast-node-2",
                                         "history:\n  rules:\n    - {channels: [\"news:*\"]}\n"))
        self.n2.reload()
        self.wait_nats_subscriptions(self.nats[0], "ringcast-node-2", ["ringcast.c.news%3A.>"])
        # Node 1 keeps no history for news: node 2 numbers what it publishes there on arrival.
        resumer, reply = self.resume(self.n2, b"news:1", 0, 0)
        self.assertEqual(reply[2:4], [1, 1])
        self.publish(self.n1, b"news:1", b"first", b"second")
        want = offset_message(b"news:1", b"first", 1) + offset_message(b"news:1", b"second", 2)
        self.assertBytes(resumer.read_exact(len(want), timeout=10), want)


if __name__ == "__main__":
    unittest.main()
