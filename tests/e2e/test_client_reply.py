# CLIENT REPLY ON|OFF|SKIP byte for byte against redis-server 7.0.15, side by side in one run: which
# replies OFF and SKIP silence (errors and rejected commands too), that (un)subscribe confirmations
# and messages still arrive, RESET and ON. Then Redis's own unit/pubsub test "PubSub messages with
# CLIENT REPLY OFF", run against the server under test.

import unittest

from harness import ServerTestCase, cmd
from reference import start_reference

# Each case: the protocol, then batches of requests; a batch is sent whole and everything that
# arrives until the connection goes quiet is compared. One channel per UNSUBSCRIBE-all: it names
# them in hash order, which is no server's contract.
CASES = {
    "off then on": (2, [[("CLIENT", "REPLY", "OFF")], [("PING",)], [("ECHO", "x")], [("NOSUCH", "a")],
                        [("CLIENT", "REPLY", "maybe")], [("CLIENT", "REPLY", "ON")], [("PING",)]]),
    "skip": (2, [[("CLIENT", "REPLY", "SKIP")], [("PING",)], [("PING",)]]),
    "skip skip": (2, [[("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "SKIP"), ("PING",), ("PING",)]]),
    "skip covers rejected commands": (2, [[("CLIENT", "REPLY", "SKIP"), ("BADCMD",), ("PING",)],
                                          [("CLIENT", "REPLY", "SKIP"), ("PING", "a", "b"), ("PING",)]]),
    "skip then on": (2, [[("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "ON"), ("PING",)]]),
    "skip under off": (2, [[("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "ON"),
                            ("PING",)]]),
    "skip then off": (3, [[("CLIENT", "REPLY", "SKIP"), ("CLIENT", "REPLY", "OFF"), ("PING",)],
                          [("CLIENT", "REPLY", "ON")]]),
    "arguments": (2, [[("CLIENT", "REPLY")], [("CLIENT", "REPLY", "ON", "x")], [("client", "reply", "x")]]),
    "reset ends off": (2, [[("CLIENT", "REPLY", "OFF"), ("RESET",), ("PING",)]]),
    "skip covers reset": (2, [[("CLIENT", "REPLY", "SKIP"), ("RESET",), ("PING",)]]),
    "resp2 subscribed": (2, [[("CLIENT", "REPLY", "OFF"), ("SUBSCRIBE", "r:a", "r:a")], [("PING",)],
                             [("PSUBSCRIBE", "r:*")], [("CLIENT", "REPLY", "ON")], [("UNSUBSCRIBE",)],
                             [("PUNSUBSCRIBE",)], [("UNSUBSCRIBE",)], [("CLIENT", "REPLY", "ON")]]),
    "resp3 subscribed": (3, [[("CLIENT", "REPLY", "OFF"), ("SUBSCRIBE", "r:c")], [("PING",), ("ECHO", "e")],
                             [("PUBLISH", "r:c", "self")], [("CLIENT", "LIST")], [("UNSUBSCRIBE", "r:c")],
                             [("CLIENT", "REPLY", "ON")], [("PUBLISH", "r:c", "nobody")]]),
}


class ClientReplyVsRedisTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)
        self.redis = start_reference(self)

    def run_case(self, port, proto, batches):
        c = self.client(port)
        if proto == 3:
            c.send(cmd("HELLO", "3"))
            self.assertIsInstance(c.read_reply(), dict)
        out = []
        for batch in batches:
            c.send(b"".join(cmd(*args) for args in batch))
            out.append(c.read_some(quiet=0.15, timeout=3))
        return out

    def test_sequences_match_redis(self):
        for name, (proto, batches) in CASES.items():
            with self.subTest(name):
                ours = self.run_case(self.server.port, proto, batches)
                theirs = self.run_case(self.redis.port, proto, batches)
                for i, (o, t) in enumerate(zip(ours, theirs)):
                    self.assertBytes(o, t, "%s: batch %d %r" % (name, i, batches[i]))

    def test_messages_reach_a_client_with_replies_off(self):
        for port in (self.server.port, self.redis.port):
            sub, pub = self.client(port), self.client(port)
            sub.send(cmd("CLIENT", "REPLY", "OFF") + cmd("SUBSCRIBE", "r:m"))
            confirm = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nr:m\r\n:1\r\n"
            self.assertBytes(sub.read_exact(len(confirm)), confirm, "port %d" % port)
            self.assertBytes(pub.request(cmd("PUBLISH", "r:m", "hi"), 4), b":1\r\n")
            msg = b"*3\r\n$7\r\nmessage\r\n$3\r\nr:m\r\n$2\r\nhi\r\n"
            self.assertBytes(sub.read_exact(len(msg)), msg, "port %d" % port)


class RedisPubsubTclCaseTest(ServerTestCase):
    """Redis's tests/unit/pubsub.tcl "PubSub messages with CLIENT REPLY OFF", step for step."""

    def test_pubsub_messages_with_client_reply_off(self):
        self.server = self.start_server(shards=2)
        rd, r = self.client(), self.client()
        rd.send(cmd("HELLO", "3"))
        rd.read_reply()
        rd.send(cmd("CLIENT", "REPLY", "OFF"))
        rd.send(cmd("SUBSCRIBE", "channel"))
        self.assertEqual(rd.read_reply(), [b"subscribe", b"channel", 1])
        rd.send(cmd("PSUBSCRIBE", "ch*"))
        self.assertEqual(rd.read_reply(), [b"psubscribe", b"ch*", 2])
        rd.send(cmd("CLIENT", "REPLY", "OFF"))
        r.send(cmd("PUBLISH", "channel", "hello"))
        self.assertEqual(r.read_reply(), 2)
        self.assertEqual(rd.read_reply(), [b"message", b"channel", b"hello"])
        self.assertEqual(rd.read_reply(), [b"pmessage", b"ch*", b"channel", b"hello"])
        rd.send(cmd("CLIENT", "REPLY", "OFF"))
        rd.send(cmd("UNSUBSCRIBE", "channel"))
        self.assertEqual(rd.read_reply(), [b"unsubscribe", b"channel", 1])
        rd.send(cmd("PUNSUBSCRIBE", "ch*"))
        self.assertEqual(rd.read_reply(), [b"punsubscribe", b"ch*", 0])
        self.assertEqual(rd.read_some(quiet=0.2, timeout=1), b"")


if __name__ == "__main__":
    unittest.main()
