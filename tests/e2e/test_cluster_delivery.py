# Cluster (issue 7): messages published on one ringcast node reach subscribers on the others through
# a NATS cluster (3 nats-server processes, node i attached to server i), byte-exact and in order:
# binary channel names and payloads, patterns, shard channels, local-only counts, no echo, and the
# subject mapping (README, "Running several nodes") as seen on NATS itself.

import json
import random
import threading
import time
import unittest
import urllib.request

import redis

from harness import cmd, read_all
from cluster_testcase import ClusterTestCase, frame, message, pmessage, skip_unless_ringcast_cluster, smessage
from nats_client import NatsClient, channel_subject

# Channel names with every byte class the subject mapping must escape or split on.
BINARY_CHANNELS = [
    b"plain", b"user:42:feed", b"a.b.c", b"star*", b"*", b">", b"a>b", b"with space", b" ", b"nul\x00byte",
    b"\x00", b"\xff", b"\xff\xfe:\x80", b"100%", b"%", b"%25", b"%3A", b"a%3A.b", b"a:b", b"a:", b"a",
    b"trailing.", b".", b"..", b"x/y/", b"/", b"\r\n", b"tab\there", b"ringcast.c.plain", b"", b"-_-",
    b"ALLCAPS:lower", b"\xe2\x82\xac:euro", b"x" * 200 + b":" + b"y" * 200,
]


def payload_for(rng, i):
    """Binary payloads of varied sizes, a few large ones."""
    if i % 500 == 7:
        return rng.randbytes(100000 + i)
    if i % 97 == 3:
        return b""
    if i % 89 == 5:
        return b"\r\n$3\r\nabc\r\n*1\r\n"
    return rng.randbytes(rng.randrange(1, 600))


@skip_unless_ringcast_cluster
class ClusterDeliveryTest(ClusterTestCase):
    def setUp(self):
        super().setUp()
        self.nats = self.start_nats(3)
        self.n1, self.n2, self.n3 = self.start_nodes(self.nats)

    def send_in_background(self, client, data):
        """Sends `data` from a thread (the test reads the subscribers meanwhile)."""
        errors = []

        def run():
            try:
                client.send(data)
            except OSError as e:
                errors.append(e)

        t = threading.Thread(target=run, daemon=True)
        t.start()

        def join():
            t.join(30)
            self.assertFalse(errors, "publisher send failed")
        self.addCleanup(join)
        return t

    def test_binary_channels_and_payloads_in_order_on_two_nodes(self):
        """2000 publishes on node 1 over 34 binary channel names: both remote subscribers get the
        exact byte stream a single Redis would send (every message, in publish order)."""
        self.assertEqual(len(set(BINARY_CHANNELS)), len(BINARY_CHANNELS))
        s2 = self.sub(self.n2, "SUBSCRIBE", *BINARY_CHANNELS)
        s3 = self.sub(self.n3, "SUBSCRIBE", *BINARY_CHANNELS)
        pub = self.client(self.n1.port)
        for ch in BINARY_CHANNELS:
            self.sync_interest(pub, [s2, s3], ch)
        rng = random.Random(7)
        n = 2000
        requests, expected = [], []
        for i in range(n):
            ch = BINARY_CHANNELS[(i * 7) % len(BINARY_CHANNELS)]
            payload = b"%05d|" % i + payload_for(rng, i)
            requests.append(cmd("PUBLISH", ch, payload))
            expected.append(message(ch, payload))
        expected = b"".join(expected)
        t0 = time.monotonic()
        self.send_in_background(pub, b"".join(requests))
        got2, got3 = read_all([s2, s3], len(expected), timeout=20)
        took = time.monotonic() - t0
        self.assertBytes(pub.read_exact(4 * n, timeout=10), b":0\r\n" * n, "PUBLISH replies (no local receiver)")
        self.assertBytes(got2, expected, "node 2 subscriber")
        self.assertBytes(got3, expected, "node 3 subscriber")
        self.assertBytes(s2.read_some(quiet=0.1, timeout=0.3) + s3.read_some(quiet=0.1, timeout=0.3), b"",
                         "nothing after the last message")
        print("\n%d messages (%d bytes of frames) to 2 remote nodes in %.2fs" % (n, len(expected), took))
        info1 = self.cluster_info(self.n1)
        self.assertEqual(info1["nats_messages_out"] >= n, True, info1)
        self.assertEqual(info1["nats_forward_dropped"], 0)
        self.assertEqual(info1["nats_forward_failed"], 0)

    def test_redis_py_subscribers_on_two_nodes_get_2000_messages_in_order(self):
        r1 = redis.Redis(host="127.0.0.1", port=self.n1.port, socket_timeout=10)
        self.addCleanup(r1.close)
        subs = []
        for node in (self.n2, self.n3):
            r = redis.Redis(host="127.0.0.1", port=node.port, socket_timeout=10)
            self.addCleanup(r.close)
            p = r.pubsub(ignore_subscribe_messages=True)
            self.addCleanup(p.close)
            p.subscribe(b"py:order\x00\xff")
            subs.append(p)
        # Probe with redis-py until both receive (route propagation between NATS servers).
        deadline = time.monotonic() + 10
        pending = set(range(len(subs)))
        probes = 0
        while pending and time.monotonic() < deadline:
            r1.publish(b"py:order\x00\xff", b"probe")
            probes += 1
            for i in list(pending):
                m = subs[i].get_message(timeout=0.02)
                if m is not None:
                    self.assertEqual(m["data"], b"probe")
                    pending.discard(i)
        self.assertFalse(pending, "interest not visible within 10s")
        # The probes still in flight come before a last marker (one publisher's
        # messages stay in order): read up to it, however slow the run.
        r1.publish(b"py:order\x00\xff", b"probe-end")
        for p in subs:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                m = p.get_message(timeout=0.5)
                if m is None:
                    continue
                if m["data"] == b"probe-end":
                    break
                self.assertEqual(m["data"], b"probe")
            else:
                self.fail("the last probe never arrived")
        n = 2000
        pipe = r1.pipeline(transaction=False)
        for i in range(n):
            pipe.publish(b"py:order\x00\xff", b"m%05d\x00\xff" % i)
        self.assertEqual(pipe.execute(), [0] * n)
        for p in subs:
            got = []
            deadline = time.monotonic() + 20
            while len(got) < n and time.monotonic() < deadline:
                m = p.get_message(timeout=0.5)
                if m is not None:
                    got.append(m["data"])
            self.assertEqual(got, [b"m%05d\x00\xff" % i for i in range(n)])

    def test_subjects_on_nats_follow_the_spec(self):
        """A plain NATS client on node 1's server sees each publish on the spec's subject with the
        message as payload; a message a NATS client publishes there reaches ringcast subscribers."""
        obs = NatsClient(self.nats[0].client_port)
        self.addCleanup(obs.close)
        obs.subscribe("ringcast.>")
        obs.flush()  # node 1 publishes to the same server: visible at once
        pub = self.client(self.n1.port)
        cases = [(b"user:42:feed", b"ringcast.c.user%3A.42%3A.feed")] + \
                [(ch, channel_subject(ch)) for ch in BINARY_CHANNELS]
        for ch, subject in cases:
            self.assertBytes(pub.request(cmd("PUBLISH", ch, b"p\x00" + ch), 4), b":0\r\n")
            got_subject, headers, payload = obs.next_msg(timeout=5)
            self.assertEqual(got_subject, subject, "subject of channel %r" % ch)
            self.assertEqual(payload, b"p\x00" + ch)
        self.assertBytes(pub.request(cmd("SPUBLISH", b"shard:1", b"sp"), 4), b":0\r\n")
        self.assertEqual(obs.next_msg(timeout=5)[0::2], (b"ringcast.s.shard%3A.1", b"sp"))
        # The other way: a NATS publisher on server 3 reaches a subscriber on node 3 (same server).
        s3 = self.sub(self.n3, "SUBSCRIBE", b"from:nats\xff")
        inj = NatsClient(self.nats[2].client_port)
        self.addCleanup(inj.close)
        inj.publish(channel_subject(b"from:nats\xff"), b"injected\r\n")
        inj.flush()
        self.assertBytes(s3.read_exact(len(message(b"from:nats\xff", b"injected\r\n")), timeout=5),
                         message(b"from:nats\xff", b"injected\r\n"), "message published by a NATS client")

    def test_patterns_across_nodes(self):
        """PSUBSCRIBE on nodes 2 and 3, PUBLISH on node 1: each pattern gets exactly the channels it
        matches (literal prefix, glob in the middle, an escaped glob, the empty remainder)."""
        news = self.sub(self.n2, "PSUBSCRIBE", b"news:*")
        middle = self.sub(self.n3, "PSUBSCRIBE", b"n?ws:[ab]*")
        escaped = self.sub(self.n2, "PSUBSCRIBE", b"lit\\?:*")
        nothing = self.sub(self.n3, "PSUBSCRIBE", b"zzz:*")
        pub = self.client(self.n1.port)
        self.sync_interest(pub, [news], b"news:probe")
        self.sync_interest(pub, [middle], b"nows:a-probe")
        self.sync_interest(pub, [escaped], b"lit?:probe")
        self.sync_interest(pub, [nothing], b"zzz:probe")
        channels = [b"news:a", b"other:a", b"news:", b"nows:b1", b"news:c", b"nws:a", b"n:ws:a", b"news",
                    b"newsa", b"lit?:x", b"litx:x", b"lit\\?:x", b"news:a:b.c/d", b"NEWS:a", b"nEws:b",
                    b"news:\x00\xff", b"n\x00ws:a"]
        for i, ch in enumerate(channels):
            self.assertBytes(pub.request(cmd("PUBLISH", ch, b"%d" % i), 4), b":0\r\n", "publish %r" % ch)
        # A last message each pattern matches: anything unexpected before it breaks the byte stream.
        end = [(news, b"news:*", b"news:end"), (middle, b"n?ws:[ab]*", b"nows:bend"),
               (escaped, b"lit\\?:*", b"lit?:end"), (nothing, b"zzz:*", b"zzz:end")]
        for _c, _p, ch in end:
            self.assertBytes(pub.request(cmd("PUBLISH", ch, b"end"), 4), b":0\r\n")
        want = {
            b"news:*": [b"news:a", b"news:", b"news:c", b"news:a:b.c/d", b"news:\x00\xff"],
            b"n?ws:[ab]*": [b"news:a", b"nows:b1", b"n:ws:a", b"news:a:b.c/d", b"nEws:b", b"n\x00ws:a"],
            b"lit\\?:*": [b"lit?:x"],
            b"zzz:*": [],
        }
        for client, pattern, end_ch in end:
            expected = b"".join(pmessage(pattern, ch, b"%d" % channels.index(ch)) for ch in want[pattern])
            expected += pmessage(pattern, end_ch, b"end")
            self.assertBytes(client.read_exact(len(expected), timeout=10), expected, "pattern %r" % pattern)
            self.assertBytes(client.read_some(quiet=0.1, timeout=0.3), b"", "nothing more for %r" % pattern)

    def test_overlapping_subscriptions_deliver_once_per_subscription(self):
        """One connection with SUBSCRIBE news:a and PSUBSCRIBE news:* n* news:a n?ws:* (several of
        which share a NATS subscription, several of which overlap on NATS): each publish gives one
        frame per matching subscription, as Redis does, on the remote nodes as on node 1 itself."""
        subs = [(b"SUBSCRIBE", [b"news:a"]), (b"PSUBSCRIBE", [b"news:*", b"n*", b"news:a", b"n?ws:*"])]
        conns = []
        for node in (self.n1, self.n2, self.n3):
            c = self.client(node.port)
            self.subscribe(c, "SUBSCRIBE", b"news:a")
            self.subscribe(c, "PSUBSCRIBE", *subs[1][1], first_count=2)
            conns.append(c)
        # A second connection on node 2 with only one of the patterns.
        other = self.sub(self.n2, "PSUBSCRIBE", b"news:*")
        pub = self.client(self.n1.port)
        # Each node issued its NATS subscriptions in this order: news:a, news:*'s prefix, then the
        # subject over every channel (n*); routes pass them on in order, so once a probe only n*
        # matches arrives, the others are visible too.
        sync = self.sync_interest(pub, conns[1:], b"nprobe", local=1)
        for _ in range(sync.sent):
            self.assertEqual(conns[0].read_reply(timeout=5)[:3], [b"pmessage", b"n*", b"nprobe"])
        cases = [
            (b"news:a", [message(b"news:a", b"1"), pmessage(b"news:*", b"news:a", b"1"),
                         pmessage(b"n*", b"news:a", b"1"), pmessage(b"news:a", b"news:a", b"1"),
                         pmessage(b"n?ws:*", b"news:a", b"1")]),
            (b"news:b", [pmessage(b"news:*", b"news:b", b"2"), pmessage(b"n*", b"news:b", b"2"),
                         pmessage(b"n?ws:*", b"news:b", b"2")]),
            (b"nothing", [pmessage(b"n*", b"nothing", b"3")]),
            (b"other", []),
            (b"news:a", [message(b"news:a", b"5"), pmessage(b"news:*", b"news:a", b"5"),
                         pmessage(b"n*", b"news:a", b"5"), pmessage(b"news:a", b"news:a", b"5"),
                         pmessage(b"n?ws:*", b"news:a", b"5")]),
        ]
        for i, (ch, frames) in enumerate(cases):
            payload = b"%d" % (i + 1)
            self.assertBytes(pub.request(cmd("PUBLISH", ch, payload), len(b":%d\r\n" % len(frames))),
                             b":%d\r\n" % len(frames), "PUBLISH %r counts node 1's subscriptions" % ch)
        self.assertBytes(pub.request(cmd("PUBLISH", b"nend", b"end"), 4), b":1\r\n")
        for where, c in zip(("node 1 (local)", "node 2", "node 3"), conns):
            for ch, frames in cases:
                if not frames:
                    continue
                got = [c.read_reply(timeout=10) for _ in frames]
                want = [self.parse_frame(f) for f in frames]
                self.assertEqual(sorted(got), sorted(want), "%s: frames of one publish on %r" % (where, ch))
            self.assertEqual(c.read_reply(timeout=10), [b"pmessage", b"n*", b"nend", b"end"], where)
            self.assertBytes(c.read_some(quiet=0.1, timeout=0.3), b"", where + ": nothing more")
        want_other = b"".join(pmessage(b"news:*", ch, b"%d" % (i + 1))
                              for i, (ch, _f) in enumerate(cases) if ch.startswith(b"news:"))
        self.assertBytes(other.read_exact(len(want_other), timeout=10), want_other, "node 2, news:* only")
        self.assertBytes(other.read_some(quiet=0.1, timeout=0.3), b"", "node 2, news:* only: nothing more")

    @staticmethod
    def parse_frame(data):
        from harness import parse_reply
        value, end = parse_reply(data, 0)
        assert end == len(data)
        return value

    def test_literal_pattern_and_channel_share_a_subject(self):
        """PSUBSCRIBE of a pattern without glob characters needs the same NATS subject as SUBSCRIBE
        of that name: dropping one of them keeps the other working."""
        c = self.sub(self.n2, "SUBSCRIBE", b"lit:eral")
        pub = self.client(self.n1.port)
        self.sync_interest(pub, [c], b"lit:eral")
        self.subscribe(c, "PSUBSCRIBE", b"lit:eral", first_count=2)
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 1, "one subject for both")
        self.assertBytes(pub.request(cmd("PUBLISH", b"lit:eral", b"both"), 4), b":0\r\n")
        got = sorted([c.read_reply(timeout=5), c.read_reply(timeout=5)])
        self.assertEqual(got, sorted([[b"message", b"lit:eral", b"both"], [b"pmessage", b"lit:eral", b"lit:eral", b"both"]]))
        self.assertBytes(c.request(cmd("PUNSUBSCRIBE", b"lit:eral"), len(frame(b"punsubscribe", b"lit:eral", 1))),
                         frame(b"punsubscribe", b"lit:eral", 1))
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], 1)
        self.assertBytes(pub.request(cmd("PUBLISH", b"lit:eral", b"channel only"), 4), b":0\r\n")
        self.assertBytes(c.read_exact(len(message(b"lit:eral", b"channel only")), timeout=5),
                         message(b"lit:eral", b"channel only"))
        self.assertBytes(c.read_some(quiet=0.1, timeout=0.3), b"")

    def test_shard_channels_across_nodes(self):
        """SSUBSCRIBE on nodes 2 and 3, SPUBLISH on node 1. Shard channels and channels of the same
        name are separate: SPUBLISH reaches no SUBSCRIBE, PUBLISH no SSUBSCRIBE."""
        names = [b"shard:1", b"{tag}:x", b"s\x00\xff.*>", b""]
        ss2 = self.sub(self.n2, "SSUBSCRIBE", *names)
        ss3 = self.sub(self.n3, "SSUBSCRIBE", *names)
        plain2 = self.sub(self.n2, "SUBSCRIBE", *names)
        pub = self.client(self.n1.port)
        for name in names:
            self.sync_interest(pub, [ss2, ss3], name, publish="SPUBLISH")
            self.sync_interest(pub, [plain2], name)
        expected_s, expected_c = [], []
        for i in range(300):
            name = names[i % len(names)]
            payload = b"%d\x00" % i
            self.assertBytes(pub.request(cmd("SPUBLISH", name, payload), 4), b":0\r\n")
            expected_s.append(smessage(name, payload))
            if i % 3 == 0:
                self.assertBytes(pub.request(cmd("PUBLISH", name, b"c" + payload), 4), b":0\r\n")
                expected_c.append(message(name, b"c" + payload))
        expected_s, expected_c = b"".join(expected_s), b"".join(expected_c)
        got2, got3 = read_all([ss2, ss3], len(expected_s), timeout=10)
        self.assertBytes(got2, expected_s, "node 2 shard subscriber")
        self.assertBytes(got3, expected_s, "node 3 shard subscriber")
        self.assertBytes(plain2.read_exact(len(expected_c), timeout=10), expected_c, "node 2 channel subscriber")
        for c in (ss2, ss3, plain2):
            self.assertBytes(c.read_some(quiet=0.1, timeout=0.3), b"", "nothing more")
        # Local shard receivers are what SPUBLISH counts; SHARDNUMSUB is local.
        local = self.sub(self.n1, "SSUBSCRIBE", b"shard:1")
        self.assertBytes(pub.request(cmd("SPUBLISH", b"shard:1", b"x"), 4), b":1\r\n")
        pub.send(cmd("PUBSUB", "SHARDNUMSUB", b"shard:1"))
        self.assertEqual(pub.read_reply(timeout=5), [b"shard:1", 1])
        c2 = self.client(self.n2.port)
        c2.send(cmd("PUBSUB", "SHARDNUMSUB", b"shard:1"))
        self.assertEqual(c2.read_reply(timeout=5), [b"shard:1", 1])
        self.assertBytes(local.read_exact(len(smessage(b"shard:1", b"x")), timeout=5), smessage(b"shard:1", b"x"))
        for c in (ss2, ss3):
            self.assertBytes(c.read_exact(len(smessage(b"shard:1", b"x")), timeout=5), smessage(b"shard:1", b"x"))

    def test_publish_reply_and_pubsub_introspection_are_local(self):
        s1 = self.sub(self.n1, "SUBSCRIBE", b"cnt")
        s2a = self.sub(self.n2, "SUBSCRIBE", b"cnt")
        s2b = self.sub(self.n2, "SUBSCRIBE", b"cnt")
        p2 = self.sub(self.n2, "PSUBSCRIBE", b"cn*")
        c1, c2, c3 = (self.client(n.port) for n in (self.n1, self.n2, self.n3))
        self.sync_interest(c3, [s1, s2a, s2b, p2], b"cnt")
        self.assertBytes(c1.request(cmd("PUBLISH", b"cnt", b"from1"), 4), b":1\r\n", "node 1: its own subscriber")
        self.assertBytes(c2.request(cmd("PUBLISH", b"cnt", b"from2"), 4), b":3\r\n", "node 2: 2 + 1 pattern")
        self.assertBytes(c3.request(cmd("PUBLISH", b"cnt", b"from3"), 4), b":0\r\n", "node 3: none")
        for c, want in ((c1, [b"cnt", 1]), (c2, [b"cnt", 2]), (c3, [b"cnt", 0])):
            c.send(cmd("PUBSUB", "NUMSUB", b"cnt"))
            self.assertEqual(c.read_reply(timeout=5), want)
        for c, want in ((c1, 0), (c2, 1), (c3, 0)):
            c.send(cmd("PUBSUB", "NUMPAT"))
            self.assertEqual(c.read_reply(timeout=5), want)
        for c, want in ((c1, [b"cnt"]), (c2, [b"cnt"]), (c3, [])):
            c.send(cmd("PUBSUB", "CHANNELS"))
            self.assertEqual(c.read_reply(timeout=5), want)
        # Every subscriber still got all three publishes, each once.
        for s, where in ((s1, "node 1"), (s2a, "node 2 a"), (s2b, "node 2 b")):
            got = [s.read_reply(timeout=5)[-1] for _ in range(3)]
            self.assertEqual(sorted(got), [b"from1", b"from2", b"from3"], where)
        got = sorted(p2.read_reply(timeout=5)[-1] for _ in range(3))
        self.assertEqual(got, [b"from1", b"from2", b"from3"], "node 2 pattern")
        for s in (s1, s2a, s2b, p2):
            self.assertBytes(s.read_some(quiet=0.1, timeout=0.3), b"")

    def test_no_echo_local_subscribers_get_each_message_once(self):
        """Subscribers (channel and pattern, i.e. an exact and a wildcard NATS subscription) and
        the publisher on node 1: one delivery each, none back through NATS; node 1 receives
        nothing from NATS but the barrier probes."""
        s = self.sub(self.n1, "SUBSCRIBE", b"echo:x")
        p = self.sub(self.n1, "PSUBSCRIBE", b"echo:*")
        remote = self.sub(self.n2, "SUBSCRIBE", b"echo:x")
        pub = self.client(self.n1.port)
        first = self.sync_interest(pub, [remote], b"echo:x", local=2)
        self.read_local_probes(s, b"echo:x", first)
        self.read_local_probes(p, b"echo:x", first)
        n = 300
        pub.send(b"".join(cmd("PUBLISH", b"echo:x", b"e%d" % i) for i in range(n)))
        self.assertBytes(pub.read_exact(4 * n, timeout=10), b":2\r\n" * n)
        want_s = b"".join(message(b"echo:x", b"e%d" % i) for i in range(n))
        want_p = b"".join(pmessage(b"echo:*", b"echo:x", b"e%d" % i) for i in range(n))
        self.assertBytes(s.read_exact(len(want_s), timeout=10), want_s, "local subscriber")
        self.assertBytes(p.read_exact(len(want_p), timeout=10), want_p, "local pattern subscriber")
        self.assertBytes(remote.read_exact(len(want_s), timeout=10), want_s, "remote subscriber")
        # Barrier: a new subscription on node 1 flushes its NATS connection, so its server has
        # processed every publish before it (an echo would be on its way to node 1 already); the
        # probes from node 2 then arrive after any echo.
        barrier = self.sub(self.n1, "SUBSCRIBE", b"barrier")
        sync = self.sync_interest(self.client(self.n2.port), [barrier], b"barrier")
        self.assertBytes(s.read_some(quiet=0.2, timeout=0.5), b"", "no echo for the channel subscriber")
        self.assertBytes(p.read_some(quiet=0.2, timeout=0.5), b"", "no echo for the pattern subscriber")
        info = self.cluster_info(self.n1)
        self.assertEqual(info["nats_messages_in"], sync.received[0],
                         "node 1 received only the barrier probes from NATS: %r" % info)
        self.assertEqual(info["nats_messages_out"], first.sent + n, "every PUBLISH on node 1 went to NATS once")

    def test_large_message_stays_local_and_is_counted_as_failed(self):
        """A payload over NATS's max_payload (1 MB by default) cannot cross: local subscribers get
        it, nats_forward_failed counts it, and the next message crosses again."""
        local = self.sub(self.n1, "SUBSCRIBE", b"big")
        remote = self.sub(self.n2, "SUBSCRIBE", b"big")
        pub = self.client(self.n1.port)
        self.read_local_probes(local, b"big", self.sync_interest(pub, [remote], b"big", local=1))
        big = bytes(range(256)) * 8192  # 2 MiB
        self.assertBytes(pub.request(cmd("PUBLISH", b"big", big), 4, timeout=10), b":1\r\n")
        self.assertBytes(local.read_exact(len(message(b"big", big)), timeout=10), message(b"big", big))
        self.assertBytes(pub.request(cmd("PUBLISH", b"big", b"small"), 4), b":1\r\n")
        self.assertBytes(remote.read_exact(len(message(b"big", b"small")), timeout=10), message(b"big", b"small"),
                         "the remote subscriber gets the next message, not the 2 MiB one")
        info = self.cluster_info(self.n1)
        self.assertEqual(info["nats_forward_failed"], 1, info)
        self.assertEqual(info["nats_status"], "connected", "a refused publish does not cost the connection")

    def test_resp3_subscribers_on_remote_nodes_get_push_frames(self):
        """HELLO 3 subscribers on node 2: messages from node 1 arrive as RESP3 push frames."""
        c = self.client(self.n2.port)
        c.send(cmd("HELLO", "3"))
        self.assertIsInstance(c.read_reply(timeout=5), dict)
        c.send(cmd("SUBSCRIBE", b"r3:ch") + cmd("PSUBSCRIBE", b"r3:p*") + cmd("SSUBSCRIBE", b"r3:s"))
        self.assertEqual([c.read_reply(timeout=5) for _ in range(3)],
                         [[b"subscribe", b"r3:ch", 1], [b"psubscribe", b"r3:p*", 2], [b"ssubscribe", b"r3:s", 1]])
        pub = self.client(self.n1.port)
        self.sync_interest(pub, [c], b"r3:ch")
        self.sync_interest(pub, [c], b"r3:px")
        self.sync_interest(pub, [c], b"r3:s", publish="SPUBLISH")
        for command, ch in (("PUBLISH", b"r3:ch"), ("PUBLISH", b"r3:pq"), ("SPUBLISH", b"r3:s")):
            self.assertBytes(pub.request(cmd(command, ch, b"\x00bin\r\n"), 4), b":0\r\n")
        want = (b">3\r\n$7\r\nmessage\r\n$5\r\nr3:ch\r\n$6\r\n\x00bin\r\n\r\n"
                b">4\r\n$8\r\npmessage\r\n$5\r\nr3:p*\r\n$5\r\nr3:pq\r\n$6\r\n\x00bin\r\n\r\n"
                b">3\r\n$8\r\nsmessage\r\n$4\r\nr3:s\r\n$6\r\n\x00bin\r\n\r\n")
        self.assertBytes(c.read_exact(len(want), timeout=5), want, "RESP3 push frames")
        # RESP3 lets the subscriber run commands meanwhile.
        self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")

    def test_2000_channels_in_one_subscribe(self):
        """One SUBSCRIBE of 2000 channels on node 2 (2000 NATS subscriptions, one flush): one
        message on each from node 1 arrives, in order."""
        n = 2000
        names = [b"many:%d" % i for i in range(n)]
        c = self.client(self.n2.port)
        c.send(cmd("SUBSCRIBE", *names))
        want = b"".join(frame(b"subscribe", ch, i + 1) for i, ch in enumerate(names))
        self.assertBytes(c.read_exact(len(want), timeout=10), want, "2000 confirmations")
        self.assertEqual(self.cluster_info(self.n2)["nats_subjects"], n)
        self.assertEqual(len(self.nats_subscriptions(self.nats[1], "ringcast-node-2")), n)
        pub = self.client(self.n1.port)
        self.sync_interest(pub, [c], names[-1])  # the last one issued: the others crossed before it
        pub.send(b"".join(cmd("PUBLISH", ch, ch) for ch in names))
        self.assertBytes(pub.read_exact(4 * n, timeout=10), b":0\r\n" * n)
        want = b"".join(message(ch, ch) for ch in names)
        self.assertBytes(c.read_exact(len(want), timeout=10), want)
        c.send(cmd("UNSUBSCRIBE"))
        want = b"".join(frame(b"unsubscribe", ch, n - 1 - i) for i, ch in enumerate(names))
        got = c.read_exact(len(want), timeout=10)
        self.assertEqual(len(got), len(want), "2000 unsubscribe confirmations")
        self.assertTrue(self.wait_until(lambda: self.cluster_info(self.n2)["nats_subjects"] == 0, 5))
        self.wait_nats_subscriptions(self.nats[1], "ringcast-node-2", [])

    def wait_until(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def test_publish_larger_than_max_pending_is_dropped_not_forwarded(self):
        """cluster.nats.max_pending: 64kb: a 100 kB publish reaches local subscribers only and is
        counted in nats_forward_dropped; smaller ones still cross."""
        small = self.start_node(self.nats, 0, name="small-queue", extra="    max_pending: 64kb\n")
        self.wait_connected(small, self.nats[0].url)
        local = self.sub(small, "SUBSCRIBE", b"mp")
        remote = self.sub(self.n2, "SUBSCRIBE", b"mp")
        pub = self.client(small.port)
        self.read_local_probes(local, b"mp", self.sync_interest(pub, [remote], b"mp", local=1))
        big = b"\xab" * 100000
        self.assertBytes(pub.request(cmd("PUBLISH", b"mp", big), 4), b":1\r\n")
        self.assertBytes(pub.request(cmd("PUBLISH", b"mp", b"after"), 4), b":1\r\n")
        want = message(b"mp", big) + message(b"mp", b"after")
        self.assertBytes(local.read_exact(len(want), timeout=5), want, "local subscriber gets both")
        self.assertBytes(remote.read_exact(len(message(b"mp", b"after")), timeout=5), message(b"mp", b"after"),
                         "remote subscriber gets only the one that fit")
        info = self.cluster_info(small)
        self.assertEqual(info["nats_forward_dropped"], 1, info)
        self.assertEqual(info["nats_forward_failed"], 0, info)

    def test_http_publish_crosses_nodes(self):
        """POST /publish on a node takes PUBLISH's path: to local subscribers and through NATS
        (its reply counts local receivers only)."""
        h, http_port = self.start_node_with_metrics(self.nats, 0, name="http-node")
        self.wait_connected(h, self.nats[0].url)
        remote = self.sub(self.n2, "SUBSCRIBE", b"http:news")
        local = self.sub(h, "SUBSCRIBE", b"http:news")
        self.read_local_probes(local, b"http:news",
                               self.sync_interest(self.client(h.port), [remote], b"http:news", local=1))
        body = json.dumps([{"channel": "http:news", "message": "one \u20ac"},
                           {"channel": "http:news", "message": "two"}]).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/publish" % http_port, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            self.assertEqual(json.loads(resp.read()), [{"receivers": 1}, {"receivers": 1}])
        want = message(b"http:news", "one \u20ac".encode()) + message(b"http:news", b"two")
        self.assertBytes(local.read_exact(len(want), timeout=5), want, "local subscriber")
        self.assertBytes(remote.read_exact(len(want), timeout=5), want, "subscriber on node 2")


if __name__ == "__main__":
    unittest.main()
