# Channel history end to end (HISTORY; RESUME in test_resume.py): a rule of the `history` section makes a
# channel keep its last messages, sequenced by the one shard that owns its stream whichever shard the
# publishers are on; subscribers still get Redis's bytes and PUBLISH its count; HISTORY reads the
# retained (offset, payload) pairs; count, age and memory limits hold; a restart starts a new epoch.

import json
import re
import threading
import unittest
import urllib.request


from harness import ServerTestCase, cmd, skip_unless_ringcast, wait_until

CONFIG = """
history:
  rules:
    - {channels: ["orders:*"], max_messages: 5, max_age: 1h}
    - {channels: ["fleeting:*"], max_age: 1s}
    - {channels: ["big:*"], max_messages: 100000}
  max_memory: 1mb
"""


@skip_unless_ringcast("HISTORY is ringcast's")
class HistoryTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=4, config_text=CONFIG)


    def history(self, channel, *args):
        return self.redis_py().execute_command("HISTORY", channel, *args)

    def test_keeps_the_last_messages_with_offsets_and_subscribers_see_redis_bytes(self):
        sub = self.client()
        sub.send(cmd("SUBSCRIBE", "orders:1"))
        sub.read_reply()
        publishers = [self.redis_py() for _ in range(4)]  # spread over the shards, most not the owner
        for i in range(1, 8):
            self.assertEqual(publishers[i % 4].publish("orders:1", "m%d" % i), 1)
        expected = b"".join(b"*3\r\n$7\r\nmessage\r\n$8\r\norders:1\r\n$2\r\nm%d\r\n" % i for i in range(1, 8))
        self.assertBytes(sub.read_exact(len(expected)), expected)
        epoch, next_offset, messages = self.history("orders:1")
        self.assertGreater(epoch, 0)
        self.assertEqual(next_offset, 8)
        self.assertEqual(messages, [[i, b"m%d" % i] for i in range(3, 8)])  # max_messages: 5
        self.assertEqual(self.history("orders:1", "SINCE", 5, "COUNT", 1), [epoch, 8, [[6, b"m6"]]])
        self.assertEqual(self.history("orders:1", "since", 7)[2], [])
        # Raw bytes of the reply.
        c = self.client()
        want = b"*3\r\n:%d\r\n:8\r\n*1\r\n*2\r\n:7\r\n$2\r\nm7\r\n" % epoch
        self.assertBytes(c.request(cmd("HISTORY", "orders:1", "SINCE", "6"), len(want)), want)
        # A channel no rule names, and bad arguments.
        err = b"-ERR channel 'plain' keeps no history (no history rule matches it)\r\n"
        self.assertBytes(c.request(cmd("HISTORY", "plain"), len(err)), err)
        err = b"-ERR value is not an integer or out of range\r\n"
        self.assertBytes(c.request(cmd("HISTORY", "orders:1", "COUNT", "-1"), len(err)), err)
        self.assertBytes(c.request(cmd("HISTORY", "orders:1", "SINCE"), 19), b"-ERR syntax error\r\n")
        # A stream not yet published to: epoch 0, next offset 1.
        self.assertEqual(self.history("orders:none"), [0, 1, []])

    def test_one_sequence_per_channel_under_concurrent_publishers(self):
        """Publishers on every shard at once: offsets 1..N with no gap, each publisher's order kept."""
        n, writers = 300, 4
        errors = []

        def publish(w):
            try:
                r = self.redis_py()
                pipe = r.pipeline(transaction=False)
                for i in range(n):
                    pipe.execute_command("MPUBLISH", "big:seq", b"%d:%d" % (w, i))
                pipe.execute()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=publish, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        _, next_offset, messages = self.history("big:seq")
        self.assertEqual(next_offset, n * writers + 1)
        self.assertEqual([m[0] for m in messages], list(range(1, n * writers + 1)))
        for w in range(writers):
            mine = [int(m[1].split(b":")[1]) for m in messages if m[1].startswith(b"%d:" % w)]
            self.assertEqual(mine, list(range(n)), "publisher %d's order" % w)

    def test_resp3_publisher_hears_its_own_message_before_the_count(self):
        """Also when another shard sequences the channel: the message, then PUBLISH's count."""
        for i in range(8):  # several connections: some are not on the owner shard
            c = self.client()
            c.send(cmd("HELLO", "3"))
            c.read_reply()
            c.send(cmd("SUBSCRIBE", "orders:self"))
            c.read_reply()
            channel = b"orders:self"
            push = b">3\r\n$7\r\nmessage\r\n$11\r\n%s\r\n$1\r\n%d\r\n" % (channel, i)
            c.send(cmd("PUBLISH", "orders:self", str(i)))
            got = c.read_exact(len(push) + 4)
            self.assertBytes(got[:len(push)], push)
            self.assertEqual(got[len(push):], b":%d\r\n" % (i + 1))

    def test_age_limit_ends_the_stream(self):
        self.assertEqual(self.redis_py().publish("fleeting:a", "x"), 0)
        epoch, _, messages = self.history("fleeting:a")
        self.assertEqual(messages, [[1, b"x"]])
        self.assertTrue(wait_until(lambda: self.history("fleeting:a") == [0, 1, []], timeout=5))
        self.redis_py().publish("fleeting:a", "y")
        again, _, messages = self.history("fleeting:a")
        self.assertNotEqual(again, epoch)  # a new stream, a new epoch
        self.assertEqual(messages, [[1, b"y"]])

    def test_memory_cap_holds(self):
        payload = b"x" * 1000
        r = self.redis_py()
        for _ in range(30):
            r.execute_command("MPUBLISH", "big:mem", *([payload] * 100))
        _, next_offset, messages = self.history("big:mem")
        self.assertEqual(next_offset, 3001)
        # 1 MiB holds at most 1048 payloads of 1000 bytes; the newest are the ones kept.
        self.assertLess(len(messages), 1049)
        self.assertGreater(len(messages), 500)
        self.assertEqual(messages[-1][0], 3000)

    def test_http_publishes_are_sequenced_too(self):
        """POST /publish runs on one shard; history channels of other shards go through their owner."""
        self.server.stop()
        self.server = self.start_server(shards=4, config_text=CONFIG + "metrics:\n  enabled: true\n  port: 0\n")
        line = self.server.wait_for_log("HTTP listening on 127.0.0.1:", timeout=5)
        port = int(re.search(r"HTTP listening on 127\.0\.0\.1:(\d+)", line).group(1))
        items = [{"channel": "orders:%d" % (i % 8), "message": "h%d" % i} for i in range(32)]
        items.append({"channel": "plain", "message": "x"})
        req = urllib.request.Request("http://127.0.0.1:%d/publish" % port, data=json.dumps(items).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as reply:
            self.assertEqual(reply.status, 200)
            self.assertEqual(len(json.loads(reply.read())), 33)
        for ch in range(8):
            _, next_offset, messages = self.history("orders:%d" % ch)
            self.assertEqual(messages, [[k + 1, b"h%d" % (ch + 8 * k)] for k in range(4)], "orders:%d" % ch)

    def test_restart_starts_a_new_epoch(self):
        r = self.redis_py()
        r.publish("orders:r", "before")
        epoch, _, _ = self.history("orders:r")
        self.server.stop()
        self.server.start()
        r2 = self.redis_py()
        self.assertEqual(r2.execute_command("HISTORY", "orders:r"), [0, 1, []])
        r2.publish("orders:r", "after")
        after, next_offset, messages = r2.execute_command("HISTORY", "orders:r")
        self.assertNotEqual(after, epoch)
        self.assertEqual((next_offset, messages), (2, [[1, b"after"]]))


if __name__ == "__main__":
    unittest.main()
