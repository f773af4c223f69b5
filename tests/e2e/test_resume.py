# RESUME end to end: a client that reconnects with its (epoch, offset) gets exactly the messages it
# missed, then the live ones, each with its offset after Redis's message fields; while a publisher runs
# flat out, hundreds of disconnect/RESUME rounds lose and repeat nothing; an evicted gap or another
# epoch says "not recovered"; plain subscribers keep Redis's bytes; ACL checks the channel.

import random
import threading
import time
import unittest


from harness import Error, ServerTestCase, cmd, info_fields, rss_factor, skip_unless_ringcast, wait_until

CONFIG = """
history:
  rules:
    - {channels: ["race:*"], max_messages: 1000000}
    - {channels: ["orders:*"], max_messages: 1000}
    - {channels: ["short:*"], max_messages: 2}
    - {channels: ["aged:*"], max_age: 1s}
users:
  alice: "on >pw +@all &orders:*"
"""


def offset_message(channel, payload, offset, push=False):
    return b"%s4\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (
        b">" if push else b"*", len(channel), channel, len(payload), payload, offset)


@skip_unless_ringcast("RESUME is ringcast's")
class ResumeTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=4, config_text=CONFIG)


    def resume(self, channel, epoch, offset):
        c = self.client()
        c.send(cmd("RESUME", channel, epoch, offset))
        reply = c.read_reply()
        self.assertEqual(reply[:2], [b"resume", channel.encode()], reply)
        return c, reply

    def test_reconnect_gets_exactly_what_it_missed_then_live_messages(self):
        r = self.redis_py()
        c, reply = self.resume("orders:1", 0, 0)  # before the stream exists: RESUME makes it
        epoch = reply[4]
        self.assertNotEqual(epoch, 0)
        self.assertEqual(reply, [b"resume", b"orders:1", 1, 1, epoch, 1])
        r.publish("orders:1", "a")
        self.assertBytes(c.read_exact(len(offset_message(b"orders:1", b"a", 1))), offset_message(b"orders:1", b"a", 1))
        self.assertEqual(r.execute_command("HISTORY", "orders:1")[0], epoch, "the epoch the confirmation named")
        c.close()
        # Its shard must have seen the close before PUBLISH's count can leave it out.
        self.assertTrue(wait_until(lambda: r.execute_command("PUBSUB", "NUMSUB", "orders:1")[1] == 0, timeout=5))
        for p in (b"b", b"c", b"d"):
            r.publish("orders:1", p)
        c, reply = self.resume("orders:1", epoch, 1)
        self.assertEqual(reply, [b"resume", b"orders:1", 1, 1, epoch, 5])
        expected = b"".join(offset_message(b"orders:1", p, o) for p, o in ((b"b", 2), (b"c", 3), (b"d", 4)))
        self.assertBytes(c.read_exact(len(expected)), expected)
        self.assertEqual(r.publish("orders:1", "e"), 1)
        self.assertBytes(c.read_exact(len(offset_message(b"orders:1", b"e", 5))), offset_message(b"orders:1", b"e", 5))
        # UNSUBSCRIBE ends it, with Redis's confirmation.
        c.send(cmd("UNSUBSCRIBE"))
        self.assertEqual(c.read_reply(), [b"unsubscribe", b"orders:1", 0])
        self.assertEqual(r.publish("orders:1", "f"), 0)

    def test_redis_py_reads_resume_messages(self):
        r = self.redis_py()
        r.publish("orders:py", "one")
        epoch = r.execute_command("HISTORY", "orders:py")[0]
        p = r.pubsub()
        self.addCleanup(p.close)
        p.execute_command("RESUME", "orders:py", epoch, 0)
        self.assertEqual(p.parse_response(block=True), [b"resume", b"orders:py", 1, 1, epoch, 2])
        self.assertEqual(p.parse_response(block=True), [b"message", b"orders:py", b"one", 1])
        # A plain subscriber on the same channel still gets Redis's three fields.
        plain = r.pubsub()
        self.addCleanup(plain.close)
        plain.subscribe("orders:py")
        self.assertEqual(plain.get_message(timeout=5)["type"], "subscribe")
        self.assertEqual(r.publish("orders:py", "two"), 2)
        self.assertEqual(p.parse_response(block=True), [b"message", b"orders:py", b"two", 2])
        msg = plain.get_message(timeout=5)
        self.assertEqual((msg["type"], msg["data"]), ("message", b"two"))

    def test_evicted_gap_or_other_epoch_is_not_recovered(self):
        r = self.redis_py()
        for i in range(5):
            r.publish("short:a", str(i))
        epoch = r.execute_command("HISTORY", "short:a")[0]
        _, reply = self.resume("short:a", epoch, 1)  # 2..3 are gone
        self.assertEqual(reply, [b"resume", b"short:a", 1, 0, epoch, 6])
        _, reply = self.resume("short:a", epoch + 1, 5)
        self.assertEqual(reply, [b"resume", b"short:a", 1, 0, epoch, 6])
        c, reply = self.resume("short:a", epoch, 4)  # 5 is still there
        self.assertEqual(reply, [b"resume", b"short:a", 1, 1, epoch, 6])
        self.assertBytes(c.read_exact(len(offset_message(b"short:a", b"4", 5))), offset_message(b"short:a", b"4", 5))
        # INFO's history figures (sampled every 100 ms): one stream of 2 messages, 3 evicted.
        wanted = {"history_channels": "1", "history_messages": "2", "history_evictions": "3",
                  "resumes_recovered": "1", "resumes_not_recovered": "2"}
        info = self.client()
        self.assertTrue(wait_until(lambda: all(info_fields(info, "history").get(k) == v for k, v in wanted.items()),
                                   timeout=5), info_fields(info, "history"))
        self.assertGreater(int(info_fields(info, "history")["history_bytes"]), 0)

    def test_a_stream_with_resumers_keeps_its_epoch_when_age_empties_it(self):
        r = self.redis_py()
        c, reply = self.resume("aged:1", 0, 0)
        epoch = reply[4]
        self.assertEqual(reply, [b"resume", b"aged:1", 1, 1, epoch, 1])
        r.publish("aged:1", "a")
        self.assertBytes(c.read_exact(len(offset_message(b"aged:1", b"a", 1))), offset_message(b"aged:1", b"a", 1))
        # max_age 1s: the message goes, the stream (and its epoch) stays while c is subscribed.
        self.assertTrue(wait_until(lambda: r.execute_command("HISTORY", "aged:1") == [epoch, 2, []], timeout=5),
                        r.execute_command("HISTORY", "aged:1"))
        r.publish("aged:1", "b")
        self.assertBytes(c.read_exact(len(offset_message(b"aged:1", b"b", 2))), offset_message(b"aged:1", b"b", 2))
        c.close()
        # No resumer, and age empties it again: the stream goes, and the next life has a new epoch.
        self.assertTrue(wait_until(lambda: r.execute_command("HISTORY", "aged:1") == [0, 1, []], timeout=5),
                        r.execute_command("HISTORY", "aged:1"))
        c, reply = self.resume("aged:1", epoch, 2)
        self.assertEqual(reply[3], 0, "another life of the stream: not recovered")
        self.assertNotIn(reply[4], (0, epoch))

    def test_numsub_counts_resumers_and_the_subscription_limit_includes_them(self):
        resumers = [self.resume("orders:n", 0, 0)[0] for _ in range(3)]
        both = resumers[0]
        both.send(cmd("SUBSCRIBE", "orders:n"))  # one client, counted once
        self.assertEqual(both.read_reply()[0], b"subscribe")
        plain = self.client()
        plain.send(cmd("SUBSCRIBE", "orders:n"))
        plain.read_reply()
        r = self.redis_py()
        self.assertEqual(r.execute_command("PUBSUB", "NUMSUB", "orders:n", "orders:none", "plain"),
                         [b"orders:n", 4, b"orders:none", 0, b"plain", 0])
        self.assertEqual(r.execute_command("PUBSUB", "NUMSUB"), [])
        resumers[1].close()
        self.assertTrue(wait_until(lambda: r.execute_command("PUBSUB", "NUMSUB", "orders:n")[1] == 3, timeout=5))
        # limits.max_subscriptions: RESUME subscriptions count with the others.
        self.server.write_config(CONFIG + "limits: {max_subscriptions: 2}\n")
        self.server.reload()
        self.server.wait_for_log("limits.max_subscriptions")
        c, _ = self.resume("orders:a", 0, 0)
        c.send(cmd("SUBSCRIBE", "x"))
        self.assertEqual(c.read_reply(), [b"subscribe", b"x", 2])
        c.send(cmd("RESUME", "orders:b", 0, 0))
        self.assertEqual(c.read_reply(), Error(b"ERR max number of subscriptions per client reached (2)"))
        c.send(cmd("RESUME", "orders:a", 0, 0))  # the same channel again replaces it: allowed
        self.assertEqual(c.read_reply()[:3], [b"resume", b"orders:a", 2])
        c.send(cmd("SUBSCRIBE", "y"))
        self.assertEqual(c.read_reply(), Error(b"ERR max number of subscriptions per client reached (2)"))

    def test_acl_checks_the_channel(self):
        c = self.client()
        self.assertEqual(c.request(cmd("AUTH", "alice", "pw"), 5), b"+OK\r\n")
        c.send(cmd("RESUME", "race:x", 0, 0))
        self.assertIsInstance(c.read_reply(), Error)
        c.send(cmd("HISTORY", "race:x"))
        self.assertIsInstance(c.read_reply(), Error)
        c.send(cmd("RESUME", "orders:x", 0, 0))
        self.assertEqual(c.read_reply()[:4], [b"resume", b"orders:x", 1, 1])

    def test_no_loss_no_duplicate_while_a_publisher_races_hundreds_of_resumes(self):
        # Fewer messages and shorter stays under the sanitizers (ThreadSanitizer runs the daemon
        # several times slower), so the number of racing resumes stays the same.
        scale = rss_factor() ** 2
        total, longest_stay = int(100000 / scale), max(4, int(400 / scale))
        done = threading.Event()
        errors = []

        def publish():
            try:
                r = self.redis_py()
                for start in range(0, total, 500):
                    pipe = r.pipeline(transaction=False)
                    for i in range(start, start + 500):
                        pipe.publish("race:1", str(i))
                    pipe.execute()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                done.set()

        seen = []
        offset, rounds = 0, 0
        rng = random.Random(13)
        publisher = threading.Thread(target=publish)
        publisher.start()
        deadline = time.monotonic() + 120
        # The first look learns the epoch (RESUME makes the stream if the publisher has not yet);
        # it holds the stream until the first real round has joined, which resumes from offset 0
        # of it and so replays everything kept (all of it here).
        first, reply = self.resume("race:1", 0, 0)
        epoch = reply[4]
        while time.monotonic() < deadline:
            c, reply = self.resume("race:1", epoch, offset)
            if first is not None:
                first.close()
                first = None
            self.assertEqual((reply[3], reply[4]), (1, epoch), "round %d not recovered" % rounds)
            rounds += 1
            # Leave after a random number of messages (so the rounds do not depend on the
            # machine's speed: at least total / longest_stay of them), or once caught up for a while.
            stay_for, stay_until = rng.randint(1, longest_stay), time.monotonic() + 0.02
            while offset < total and stay_for > 0 and (time.monotonic() < stay_until or done.is_set()):
                stay_for -= 1
                try:
                    msg = c.read_reply(timeout=0.005 if not done.is_set() else 5)
                except TimeoutError:
                    continue
                self.assertEqual(msg[:2], [b"message", b"race:1"])
                seen.append(msg[3])
                self.assertEqual(msg[2], str(msg[3] - 1).encode(), "payload of offset %d" % msg[3])
                offset = msg[3]
            c.close()
            if offset >= total:
                break
        publisher.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(seen, list(range(1, total + 1)), "every offset once, in order")
        self.assertGreater(rounds, 200, "racing resumes")


if __name__ == "__main__":
    unittest.main()
