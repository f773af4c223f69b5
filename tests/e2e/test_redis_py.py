# python3-redis (redis-py 4.3, RESP2) against the server: pubsub on channels, patterns and shard
# channels through the library's own parser, binary payloads, and many messages in order.

import time
import unittest

import redis

from harness import ServerTestCase


class RedisPyTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(shards=2)

    def conn(self):
        r = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=5, socket_connect_timeout=5)
        self.addCleanup(r.close)
        return r

    def pubsub(self, r):
        p = r.pubsub()
        self.addCleanup(p.close)
        return p

    def next_message(self, p, timeout=5.0):
        """The next non-None get_message() result, or fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = p.get_message(timeout=min(0.5, max(0.01, deadline - time.monotonic())))
            if msg is not None:
                return msg
        self.fail("no pubsub message within %.1fs" % timeout)

    def test_channel_subscribe_publish_unsubscribe(self):
        r = self.conn()
        p = self.pubsub(self.conn())
        p.subscribe("py:a", "py:b")
        self.assertEqual(self.next_message(p), {"type": "subscribe", "pattern": None, "channel": b"py:a", "data": 1})
        self.assertEqual(self.next_message(p), {"type": "subscribe", "pattern": None, "channel": b"py:b", "data": 2})
        self.assertEqual(r.publish("py:b", "hello"), 1)
        self.assertEqual(self.next_message(p), {"type": "message", "pattern": None, "channel": b"py:b", "data": b"hello"})
        self.assertEqual(r.publish("py:none", "x"), 0)
        self.assertEqual(r.pubsub_numsub("py:a", "py:b", "py:none"), [(b"py:a", 1), (b"py:b", 1), (b"py:none", 0)])
        p.unsubscribe("py:a")
        self.assertEqual(self.next_message(p), {"type": "unsubscribe", "pattern": None, "channel": b"py:a", "data": 1})
        self.assertEqual(r.publish("py:a", "gone"), 0)
        self.assertEqual(r.publish("py:b", "still"), 1)
        self.assertEqual(self.next_message(p)["data"], b"still")

    def test_patterns_and_double_delivery(self):
        r = self.conn()
        p = self.pubsub(self.conn())
        p.psubscribe("pyp:*")
        self.assertEqual(self.next_message(p), {"type": "psubscribe", "pattern": None, "channel": b"pyp:*", "data": 1})
        p.subscribe("pyp:x")
        self.assertEqual(self.next_message(p)["data"], 2)
        self.assertEqual(r.publish("pyp:x", "both"), 2)
        self.assertEqual(self.next_message(p), {"type": "message", "pattern": None, "channel": b"pyp:x", "data": b"both"})
        self.assertEqual(self.next_message(p),
                         {"type": "pmessage", "pattern": b"pyp:*", "channel": b"pyp:x", "data": b"both"})
        self.assertEqual(r.publish("pyp:y", "pat"), 1)
        self.assertEqual(self.next_message(p),
                         {"type": "pmessage", "pattern": b"pyp:*", "channel": b"pyp:y", "data": b"pat"})
        self.assertEqual(r.pubsub_numpat(), 1)
        p.punsubscribe("pyp:*")
        self.assertEqual(self.next_message(p)["type"], "punsubscribe")
        self.assertEqual(r.publish("pyp:y", "x"), 0)

    def test_callback_handlers_and_get_message_none_when_idle(self):
        r = self.conn()
        p = self.pubsub(self.conn())
        seen = []
        p.subscribe(**{"py:cb": lambda m: seen.append(m["data"])})
        self.assertEqual(self.next_message(p)["type"], "subscribe")
        self.assertIsNone(p.get_message(timeout=0.1))
        self.assertEqual(r.publish("py:cb", "one"), 1)
        self.assertEqual(r.publish("py:cb", "two"), 1)
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            p.get_message(timeout=0.2)  # handlers consume messages and return None
        self.assertEqual(seen, [b"one", b"two"])

    def test_binary_payloads(self):
        r = self.conn()
        p = self.pubsub(self.conn())
        p.subscribe(b"py:bin\x00\xff")
        self.assertEqual(self.next_message(p)["channel"], b"py:bin\x00\xff")
        payloads = [b"", b"\x00", b"\r\n", b"$3\r\nabc\r\n", bytes(range(256)), b"\xff" * 70000,
                    bytes((i * 37) % 256 for i in range(200000))]
        for payload in payloads:
            self.assertEqual(r.publish(b"py:bin\x00\xff", payload), 1)
        for payload in payloads:
            msg = self.next_message(p)
            self.assertEqual((msg["type"], msg["channel"]), ("message", b"py:bin\x00\xff"))
            self.assertEqual(msg["data"], payload)

    def test_many_messages_in_order_pipelined(self):
        r = self.conn()
        p = self.pubsub(self.conn())
        p.subscribe("py:order")
        self.next_message(p)
        n = 5000
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.publish("py:order", "m%05d" % i)
        self.assertEqual(pipe.execute(), [1] * n)
        got = [self.next_message(p)["data"] for _ in range(n)]
        self.assertEqual(got, [b"m%05d" % i for i in range(n)])

    def test_two_publishers_each_in_order(self):
        r1, r2 = self.conn(), self.conn()
        p = self.pubsub(self.conn())
        p.subscribe("py:two")
        self.next_message(p)
        n = 500
        for i in range(n):
            self.assertEqual(r1.publish("py:two", "a%d" % i), 1)
            self.assertEqual(r2.publish("py:two", "b%d" % i), 1)
        got = [self.next_message(p)["data"] for _ in range(2 * n)]
        self.assertEqual([m for m in got if m.startswith(b"a")], [b"a%d" % i for i in range(n)])
        self.assertEqual([m for m in got if m.startswith(b"b")], [b"b%d" % i for i in range(n)])

    def test_shard_channels_with_raw_commands(self):
        # redis-py 4.3 has no ssubscribe helper: use execute_command and parse_response.
        r = self.conn()
        p = self.pubsub(self.conn())
        p.execute_command("SSUBSCRIBE", "py:shard")
        self.assertEqual(p.parse_response(timeout=5), [b"ssubscribe", b"py:shard", 1])
        self.assertEqual(r.execute_command("SPUBLISH", "py:shard", "sm"), 1)
        self.assertEqual(p.parse_response(timeout=5), [b"smessage", b"py:shard", b"sm"])
        self.assertEqual(r.execute_command("PUBSUB", "SHARDNUMSUB", "py:shard"), [b"py:shard", 1])

    def test_plain_commands(self):
        r = self.conn()
        self.assertTrue(r.ping())
        self.assertEqual(r.echo(b"\x00e\r\n"), b"\x00e\r\n")
        self.assertIsInstance(r.client_id(), int)
        with self.assertRaises(redis.ResponseError) as ctx:
            r.execute_command("NOSUCHCOMMAND", "x")
        self.assertIn("unknown command 'NOSUCHCOMMAND'", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
