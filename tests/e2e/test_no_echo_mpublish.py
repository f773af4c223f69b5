# ringcast's CLIENT NO-ECHO and MPUBLISH (Apache Kvrocks's) through redis-py and raw bytes: a quiet
# RESP3 client hears nobody's echo of its own messages, on its shard or another, and PUBLISH's
# count leaves it out; MPUBLISH's messages arrive in order on another shard, its reply the sum.

import time
import unittest


from harness import ServerTestCase, client_list_entry, cmd, skip_unless_ringcast


def message(channel, payload, push=False):
    return b"%s3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        b">" if push else b"*", len(channel), channel, len(payload), payload)


@skip_unless_ringcast("CLIENT NO-ECHO and MPUBLISH are ringcast's")
class NoEchoMpublishTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)


    def pair_on_two_shards(self):
        """Two raw clients that the daemon placed on different shards (checked, not assumed)."""
        first = self.client()
        first.send(cmd("PING"))
        first.read_reply()
        for _ in range(8):
            other = self.client()
            other.send(cmd("PING"))
            other.read_reply()
            if client_list_entry(first, other)["shard"] != client_list_entry(first, first)["shard"]:
                return first, other
        self.fail("no two connections on different shards")

    def test_quiet_publisher_skips_itself_on_its_shard_and_not_others(self):
        me, far = self.pair_on_two_shards()
        near = self.client()
        me.send(cmd("HELLO", "3"))
        me.read_reply()
        self.assertEqual(me.request(cmd("CLIENT", "NO-ECHO", "ON"), 5), b"+OK\r\n")
        for c, verb in ((me, b"subscribe"), (me, b"psubscribe"), (far, b"subscribe"), (near, b"subscribe")):
            name = b"ne:*" if verb == b"psubscribe" else b"ne:c"
            c.send(cmd(verb.decode(), name))
            self.assertEqual(c.read_reply()[:2], [verb, name])
        # Two others receive it; the publisher's channel and pattern subscriptions are not counted.
        self.assertBytes(me.request(cmd("PUBLISH", "ne:c", "quiet"), 4), b":2\r\n")
        self.assertBytes(far.read_exact(len(message(b"ne:c", b"quiet"))), message(b"ne:c", b"quiet"))
        self.assertBytes(near.read_exact(len(message(b"ne:c", b"quiet"))), message(b"ne:c", b"quiet"))
        # Another client's message still reaches it, pattern included; then OFF brings the echo back.
        self.assertEqual(self.redis_py().publish("ne:c", "theirs"), 4)
        expected = message(b"ne:c", b"theirs", push=True)
        expected += b">4\r\n$8\r\npmessage\r\n$4\r\nne:*\r\n$4\r\nne:c\r\n$6\r\ntheirs\r\n"
        self.assertBytes(me.read_exact(len(expected)), expected)
        self.assertEqual(me.request(cmd("CLIENT", "NO-ECHO", "OFF"), 5), b"+OK\r\n")
        me.send(cmd("PUBLISH", "ne:c", "loud"))
        self.assertBytes(me.read_exact(len(message(b"ne:c", b"loud", push=True))), message(b"ne:c", b"loud", True))
        me.read_reply()  # the pmessage
        self.assertEqual(me.read_reply(), 4)

    def test_errors_are_redis_style(self):
        c = self.client()
        self.assertBytes(c.request(cmd("CLIENT", "NO-ECHO", "maybe"), 19), b"-ERR syntax error\r\n")
        err = b"-ERR wrong number of arguments for 'client|no-echo' command\r\n"
        self.assertBytes(c.request(cmd("CLIENT", "NO-ECHO"), len(err)), err)
        err = b"-ERR wrong number of arguments for 'mpublish' command\r\n"
        self.assertBytes(c.request(cmd("MPUBLISH", "x"), len(err)), err)

    def test_mpublish_delivers_in_order_across_shards(self):
        pub_raw, sub_raw = self.pair_on_two_shards()
        sub_raw.send(cmd("SUBSCRIBE", "mp:c"))
        sub_raw.read_reply()
        self.assertBytes(pub_raw.request(cmd("MPUBLISH", "mp:c", "one", "two", "three"), 4), b":3\r\n")
        expected = b"".join(message(b"mp:c", p) for p in (b"one", b"two", b"three"))
        self.assertBytes(sub_raw.read_exact(len(expected)), expected)
        # Through redis-py, many at once, and the sum of receivers per message.
        r = self.redis_py()
        p = r.pubsub()
        self.addCleanup(p.close)
        p.subscribe("mp:c")
        deadline = time.monotonic() + 5
        while r.pubsub_numsub("mp:c")[0][1] != 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        payloads = [b"m%d" % i for i in range(500)]
        self.assertEqual(r.execute_command("MPUBLISH", "mp:c", *payloads), 1000)
        got = []
        while len(got) < len(payloads) + 1 and time.monotonic() < deadline + 5:
            msg = p.get_message(timeout=0.5)
            if msg is not None:
                got.append(msg)
        self.assertEqual(got[0]["type"], "subscribe")
        self.assertEqual([m["data"] for m in got[1:]], payloads)
        self.assertEqual(r.execute_command("MPUBLISH", "mp:nobody", "a", "b"), 0)


if __name__ == "__main__":
    unittest.main()
