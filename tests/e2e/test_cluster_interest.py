# Cluster (issue 7): a node holds NATS subscriptions only for its local interest. A node without
# subscribers for a channel receives none of its traffic; after the last local subscriber leaves,
# the traffic stops; a confirmed SUBSCRIBE is visible to a publisher on another node attached to
# the same NATS server at once (the node flushed its subscription before confirming), and to
# nodes behind other NATS servers after a bounded route propagation.

import time
import unittest

from harness import cmd
from cluster_testcase import (ClusterTestCase, frame, message, node_config, pmessage, skip_unless_ringcast_cluster,
                              smessage)
from nats_client import NatsClient, channel_subject


@skip_unless_ringcast_cluster
class ClusterInterestTest(ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.nats = self.start_nats(3)
        self.n1, self.n2, self.n3 = self.start_nodes(self.nats)

    def stable_messages_in(self, node, settle=0.2):
        """nats_messages_in once it stopped moving for `settle` seconds (bounded)."""
        deadline = time.monotonic() + 5
        last = self.cluster_info(node)["nats_messages_in"]
        while time.monotonic() < deadline:
            time.sleep(settle)
            now = self.cluster_info(node)["nats_messages_in"]
            if now == last:
                return now
            last = now
        self.fail("nats_messages_in still moving after 5s")

    def test_node_without_subscribers_receives_no_traffic(self):
        """Node 2 subscribes x; node 3 only y. 500 publishes on x from node 1 reach node 2 and
        never node 3 (its messages_in is exactly the y probes that followed them on the same
        route); node 1, publishing only, receives nothing."""
        x2 = self.sub(self.n2, "SUBSCRIBE", b"x")
        y3 = self.sub(self.n3, "SUBSCRIBE", b"y")
        pub = self.client(self.n1.port)
        self.sync_interest(pub, [x2], b"x")
        for node, want in ((self.n1, 0), (self.n2, 1), (self.n3, 1)):
            self.assertEqual(self.cluster_info(node)["nats_subjects"], want)
        n = 500
        pub.send(b"".join(cmd("PUBLISH", b"x", b"%d" % i) for i in range(n)))
        self.assertBytes(pub.read_exact(4 * n, timeout=10), b":0\r\n" * n)
        want = b"".join(message(b"x", b"%d" % i) for i in range(n))
        self.assertBytes(x2.read_exact(len(want), timeout=10), want, "node 2 gets every message")
        # The y probes travel node 1 -> server 1 -> route -> server 3 -> node 3 behind the x
        # messages: had any x message been sent towards node 3, it would have arrived first.
        sync = self.sync_interest(pub, [y3], b"y")
        info3 = self.cluster_info(self.n3)
        self.assertEqual(info3["nats_messages_in"], sync.received[0],
                         "node 3 received only its y probes: %r" % info3)
        self.assertEqual(info3["nats_bytes_in"],
                         sum(len(b"probe:%d" % k) for k in range(sync.sent - sync.received[0], sync.sent)))
        info2 = self.cluster_info(self.n2)
        self.assertGreaterEqual(info2["nats_messages_in"], n)
        info1 = self.cluster_info(self.n1)
        self.assertEqual(info1["nats_messages_in"], 0, "the publishing node has no interest: %r" % info1)
        self.assertEqual(info1["nats_subjects"], 0)
        self.assertBytes(y3.read_some(quiet=0.1, timeout=0.3), b"")

    def test_traffic_stops_after_the_last_local_subscriber_leaves(self):
        a = self.sub(self.n2, "SUBSCRIBE", b"x")
        b = self.sub(self.n2, "SUBSCRIBE", b"x")
        z = self.sub(self.n2, "PSUBSCRIBE", b"z:*")
        pub = self.client(self.n1.port)
        self.sync_interest(pub, [a, b], b"x")
        self.sync_interest(pub, [z], b"z:1")
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 2)
        pub.send(b"".join(cmd("PUBLISH", b"x", b"%d" % i) for i in range(100)))
        self.assertBytes(pub.read_exact(400, timeout=10), b":0\r\n" * 100)
        want = b"".join(message(b"x", b"%d" % i) for i in range(100))
        self.assertBytes(a.read_exact(len(want), timeout=10), want)
        self.assertBytes(b.read_exact(len(want), timeout=10), want)
        # One of two local subscribers leaves: the subject stays.
        self.assertBytes(a.request(cmd("UNSUBSCRIBE", b"x"), len(frame(b"unsubscribe", b"x", 0))),
                         frame(b"unsubscribe", b"x", 0))
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 2)
        self.assertBytes(pub.request(cmd("PUBLISH", b"x", b"still"), 4), b":0\r\n")
        self.assertBytes(b.read_exact(len(message(b"x", b"still")), timeout=10), message(b"x", b"still"))
        # The last one leaves by UNSUBSCRIBE, the pattern's only subscriber by closing its connection.
        self.assertBytes(b.request(cmd("UNSUBSCRIBE", b"x"), len(frame(b"unsubscribe", b"x", 0))),
                         frame(b"unsubscribe", b"x", 0))
        z.close()
        self.assertTrue(self.wait_until_subjects(self.n2, 0), "node 2 still holds NATS subjects")
        # Barrier: a new subscription flushes node 2's NATS connection, so its server processed
        # the unsubscriptions before it; from then on nothing for x or z:* may reach node 2.
        barrier = self.sub(self.n2, "SUBSCRIBE", b"barrier")
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 1)
        before = self.stable_messages_in(self.n2)
        pub.send(b"".join(cmd("PUBLISH", b"x", b"late%d" % i) + cmd("PUBLISH", b"z:1", b"late")
                          for i in range(200)))
        self.assertBytes(pub.read_exact(8 * 200, timeout=10), b":0\r\n" * 400)
        # Probes published after the x and z:1 traffic, on the same route: when they are in,
        # any x or z:1 message sent towards node 2 would be in too.
        sync = self.sync_interest(pub, [barrier], b"barrier")
        after = self.cluster_info(self.n2)["nats_messages_in"]
        self.assertEqual(after - before, sync.received[0],
                         "node 2 received only the barrier probes after its last x and z:* subscribers left")
        self.assertBytes(b.read_some(quiet=0.1, timeout=0.3), b"", "nothing for the unsubscribed client")

    def wait_until_subjects(self, node, want, timeout=5.0):
        deadline = time.monotonic() + timeout
        while self.cluster_info(node)["nats_subjects"] != want:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def test_subscribe_confirmation_implies_visibility_on_the_same_nats_server(self):
        """Node 4 shares NATS server 1 with node 1: after each confirmation, the very next PUBLISH
        on node 1 reaches the new subscriber (200 rounds each of SUBSCRIBE, PSUBSCRIBE and
        SSUBSCRIBE on fresh names, and 200 rounds re-subscribing one name after UNSUBSCRIBE)."""
        n4 = self.start_node(self.nats, 0, name="ringcast-node-4")
        self.wait_connected(n4, self.nats[0].url)
        sub = self.client(n4.port)
        pub = self.client(self.n1.port)
        rounds = 200
        cases = [
            ("SUBSCRIBE", "UNSUBSCRIBE", "PUBLISH", lambda i: b"vis:%d" % i, lambda t, ch, p: message(ch, p)),
            ("PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH", lambda i: b"pvis:%d:*" % i,
             lambda t, ch, p: pmessage(t, ch, p)),
            ("SSUBSCRIBE", "SUNSUBSCRIBE", "SPUBLISH", lambda i: b"svis:%d" % i, lambda t, ch, p: smessage(ch, p)),
            ("SUBSCRIBE", "UNSUBSCRIBE", "PUBLISH", lambda i: b"same:channel", lambda t, ch, p: message(ch, p)),
            ("PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH", lambda i: b"same:*", lambda t, ch, p: pmessage(t, ch, p)),
        ]
        t0 = time.monotonic()
        for sub_cmd, unsub_cmd, pub_cmd, target_of, frame_of in cases:
            for i in range(rounds):
                target = target_of(i)
                channel = target.replace(b"*", b"x%d" % i)
                where = "%s round %d (%r)" % (sub_cmd, i, target)
                confirm = frame(sub_cmd.lower().encode(), target, 1)
                self.assertBytes(sub.request(cmd(sub_cmd, target), len(confirm), timeout=5), confirm,
                                 where + ": confirmation")
                payload = b"m%d" % i
                self.assertBytes(pub.request(cmd(pub_cmd, channel, payload), 4, timeout=5), b":0\r\n", where)
                want = frame_of(target, channel, payload)
                self.assertBytes(sub.read_exact(len(want), timeout=5), want, where + ": delivery")
                unconfirm = frame(unsub_cmd.lower().encode(), target, 0)
                self.assertBytes(sub.request(cmd(unsub_cmd, target), len(unconfirm), timeout=5), unconfirm,
                                 where + ": unsubscribe")
        took = time.monotonic() - t0
        self.assertBytes(sub.read_some(quiet=0.1, timeout=0.3), b"", "nothing after the rounds")
        print("\n%d subscribe/publish/unsubscribe rounds through one NATS server in %.2fs"
              % (rounds * len(cases), took))

    def test_subscription_becomes_visible_across_nats_servers_within_bounds(self):
        """Across NATS servers (node 2 on server 2, publisher on node 1 on server 1) a confirmed
        subscription becomes visible after route propagation: bounded, measured."""
        pub = self.client(self.n1.port)
        delays = []
        for i in range(30):
            s = self.sub(self.n2 if i % 2 == 0 else self.n3, "SUBSCRIBE", b"across:%d" % i)
            delays.append(self.sync_interest(pub, [s], b"across:%d" % i, timeout=5).seconds)
            for j in range(20):
                self.assertBytes(pub.request(cmd("PUBLISH", b"across:%d" % i, b"%d" % j), 4), b":0\r\n")
            want = b"".join(message(b"across:%d" % i, b"%d" % j) for j in range(20))
            self.assertBytes(s.read_exact(len(want), timeout=5), want)
        print("\ncross-server visibility after SUBSCRIBE: max %.0f ms, median %.0f ms"
              % (1000 * max(delays), 1000 * sorted(delays)[len(delays) // 2]))

    def test_nats_subscriptions_follow_local_interest(self):
        """The NATS server's own view (/connz?subs=1) of node 2's connection: one subscription per
        subject its clients want (the spec's subjects), shared between clients and kinds, gone
        when the last one leaves. A confirmed subscription is there at once (flushed)."""
        name = "ringcast-node-2"
        server = self.nats[1]
        self.assertEqual(self.nats_subscriptions(server, name), [])
        a = self.sub(self.n2, "SUBSCRIBE", b"user:42:feed", b"")
        self.subscribe(a, "PSUBSCRIBE", b"user:42:*", b"news*", b"lit:eral", b"a.b/c:d?x", b"user:4[12]:*",
                       first_count=3)
        self.subscribe(a, "SSUBSCRIBE", b"s:1", first_count=1)
        want = ["ringcast.c.user%3A.42%3A.feed", "ringcast.c.%", "ringcast.c.user%3A.42%3A.>", "ringcast.c.>",
                "ringcast.c.lit%3A.eral", "ringcast.c.a%2E.b%2F.c%3A.>", "ringcast.c.user%3A.>",
                "ringcast.s.s%3A.1"]
        self.assertEqual(self.nats_subscriptions(server, name), sorted(want), "right after the confirmations")
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], len(want))
        # Another client and other kinds on the same subjects add no NATS subscription.
        b = self.sub(self.n2, "SUBSCRIBE", b"user:42:feed", b"lit:eral")
        self.subscribe(b, "PSUBSCRIBE", b"user:42:x*", b"*", first_count=3)
        self.assertEqual(self.nats_subscriptions(server, name), sorted(want))
        # a leaves everything: b's interest keeps three subjects.
        a.send(cmd("UNSUBSCRIBE") + cmd("PUNSUBSCRIBE") + cmd("SUNSUBSCRIBE"))
        for _ in range(8):
            a.read_reply(timeout=5)
        self.wait_nats_subscriptions(server, name, ["ringcast.c.user%3A.42%3A.feed", "ringcast.c.lit%3A.eral",
                                                    "ringcast.c.user%3A.42%3A.>", "ringcast.c.>"])
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 4)
        b.close()
        self.wait_nats_subscriptions(server, name, [])
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 0)
        for i in (0, 2):
            self.assertEqual(self.nats_subscriptions(self.nats[i], "ringcast-node-%d" % (i + 1)), [])

    def test_subject_prefix_separates_clusters(self):
        """Nodes with subject_prefix "other" on the same NATS servers form their own cluster."""
        p = self.start_node(self.nats, 0, name="other-1", extra="    subject_prefix: other\n")
        q = self.start_node(self.nats, 1, name="other-2", extra="    subject_prefix: other\n")
        for node in (p, q):
            self.wait_connected(node)
        sp = self.sub(p, "SUBSCRIBE", b"sep:1")
        s2 = self.sub(self.n2, "SUBSCRIBE", b"sep:1")
        self.assertEqual(self.nats_subscriptions(self.nats[0], "other-1"), ["other.c.sep%3A.1"])
        from_q = self.sync_interest(self.client(q.port), [sp], b"sep:1")
        self.sync_interest(self.client(self.n1.port), [s2], b"sep:1")
        # A NATS observer sees each cluster's traffic under its own prefix only.
        obs = NatsClient(self.nats[1].client_port)
        self.addCleanup(obs.close)
        obs.subscribe("other.>")
        obs.subscribe("ringcast.>")
        obs.flush()
        self.assertBytes(self.client(q.port).request(cmd("PUBLISH", b"sep:1", b"q"), 4), b":0\r\n")
        self.assertEqual(obs.next_msg(timeout=5)[0::2], (b"other.c.sep%3A.1", b"q"))
        self.assertBytes(self.client(self.n2.port).request(cmd("PUBLISH", b"sep:1", b"n2"), 4), b":1\r\n")
        self.assertEqual(obs.next_msg(timeout=5)[0::2], (b"ringcast.c.sep%3A.1", b"n2"))
        self.assertBytes(sp.read_exact(len(message(b"sep:1", b"q")), timeout=5), message(b"sep:1", b"q"))
        self.assertBytes(s2.read_exact(len(message(b"sep:1", b"n2")), timeout=5), message(b"sep:1", b"n2"))
        # Barrier for p: a probe from q after everything else; p received only q's messages.
        last = self.sync_interest(self.client(q.port), [sp], b"sep:1")
        self.assertEqual(self.cluster_info(p)["nats_messages_in"], from_q.received[0] + 1 + last.received[0])
        self.assertBytes(sp.read_some(quiet=0.1, timeout=0.3) + s2.read_some(quiet=0.1, timeout=0.3), b"")

    def test_malformed_subjects_under_the_prefix_are_ignored(self):
        """A NATS client publishing under the prefix on subjects the mapping cannot produce: the
        node (subscribed to everything through PSUBSCRIBE *) ignores them and keeps working."""
        everything = self.sub(self.n3, "PSUBSCRIBE", b"*")
        inj = NatsClient(self.nats[2].client_port)
        self.addCleanup(inj.close)
        bad = ["ringcast.c.%ZZ", "ringcast.c.%4", "ringcast.c.a%3A", "ringcast.c.a.b", "ringcast.c.%61",
               "ringcast.c.a%3A.%.x", "ringcast.c.%%", "ringcast.c.a%3a.b", "ringcast.x.a"]
        for subject in bad:
            inj.publish(subject, b"bad")
        inj.publish(channel_subject(b"good:one"), b"good")
        inj.flush()
        self.assertEqual(everything.read_reply(timeout=5), [b"pmessage", b"*", b"good:one", b"good"])
        self.assertBytes(everything.read_some(quiet=0.2, timeout=0.5), b"", "nothing for the malformed subjects")
        self.assertBytes(self.client(self.n3.port).request(cmd("PING"), 7), b"+PONG\r\n")

    def test_sighup_keeps_the_running_cluster_section(self):
        """The cluster section is read at start-up: a reload that changes it keeps the connection."""
        s2 = self.sub(self.n2, "SUBSCRIBE", b"hup")
        since = len(self.n2.log_bytes())
        self.n2.write_config(node_config(self.nats.urls(first=2), "renamed", extra="    subject_prefix: moved\n")
                             + "timeout: 7\n")
        self.n2.reload()
        self.assertIsNotNone(self.n2.wait_for_log("SIGHUP: timeout: 0 -> 7", timeout=5, since=since))
        info = self.cluster_info(self.n2)
        self.assertEqual((info["nats_status"], info["nats_server"]), ("connected", self.nats[1].url))
        self.assertEqual(self.nats_subscriptions(self.nats[1], "ringcast-node-2"), ["ringcast.c.hup"])
        self.sync_interest(self.client(self.n1.port), [s2], b"hup")
        s3 = self.sub(self.n3, "SUBSCRIBE", b"hup")
        self.sync_interest(self.client(self.n2.port), [s3], b"hup", local=1)

    def test_subscribe_churn_on_one_channel_leaves_exactly_the_last_state(self):
        """Four connections on node 2 (both shards) subscribe and unsubscribe one channel 300
        times each, pipelined and at once: the node's NATS subscription count follows the local
        interest exactly (none at the end, one after a last SUBSCRIBE, which is live)."""
        conns = [self.client(self.n2.port) for _ in range(4)]
        rounds = 300
        batch = (cmd("SUBSCRIBE", b"churn") + cmd("UNSUBSCRIBE", b"churn")) * rounds
        want = (frame(b"subscribe", b"churn", 1) + frame(b"unsubscribe", b"churn", 0)) * rounds
        for c in conns:
            c.send(batch)
        for i, c in enumerate(conns):
            self.assertBytes(c.read_exact(len(want), timeout=20), want, "connection %d" % i)
        self.assertTrue(self.wait_until_subjects(self.n2, 0), "NATS subjects left after the churn")
        self.wait_nats_subscriptions(self.nats[1], "ringcast-node-2", [])
        last = self.sub(self.n2, "SUBSCRIBE", b"churn")
        self.assertEqual(self.nats_subscriptions(self.nats[1], "ringcast-node-2"), ["ringcast.c.churn"])
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 1)
        self.sync_interest(self.client(self.n1.port), [last], b"churn")


if __name__ == "__main__":
    unittest.main()
