# delivery.max_delay: a busy shard gathers each subscriber's messages for up
# to the window so one send carries several; an idle shard writes at once;
# and no message waits in the shard longer than the configured bound.

import selectors
import socket
import threading
import time

from harness import ServerTestCase, cmd, info_fields, rss_factor, skip_unless_ringcast, wait_until

FACTOR = rss_factor()
LISTENERS = 200


def shard0(client):
    """INFO's shard0 line as a dict of integers."""
    line = info_fields(client, "shards")["shard0"]
    return {k: int(v) for k, v in (f.split("=") for f in line.split(","))}


@skip_unless_ringcast("delivery.max_delay is ringcast's")
class CoalescingTest(ServerTestCase):
    def subscribe(self, port, channel):
        c = self.client(port)
        c.send(cmd("SUBSCRIBE", channel))
        self.assertEqual(c.read_reply(timeout=5), [b"subscribe", channel.encode(), 1])
        return c

    def test_an_idle_shard_delivers_at_once(self):
        # The longest window there is: a message held for it would be plain to see.
        server = self.start_server(shards=1, config_text="delivery: {max_delay: 10ms}\n")
        sub = self.subscribe(server.port, "idle")
        pub = self.client(server.port)
        took = []
        for i in range(20):
            time.sleep(0.02)
            started = time.monotonic()
            pub.send(cmd("PUBLISH", "idle", "m%d" % i))
            self.assertEqual(sub.read_reply(timeout=5), [b"message", b"idle", b"m%d" % i])
            took.append(time.monotonic() - started)
            self.assertEqual(pub.read_reply(timeout=5), 1)
        took.sort()
        self.assertLess(took[len(took) // 2], 0.004, "median publish-to-delivery %.1f ms" % (took[10] * 1e3))
        self.assertEqual(shard0(pub)["coalescing_window_us"], 0, "an idle shard keeps no window")

    def test_a_busy_shard_gathers_messages_and_holds_none_past_max_delay(self):
        # The longest window there is, so that Python's pace of publishing gathers several.
        max_delay_us = 10000
        server = self.start_server(shards=1, config_text="delivery: {max_delay: 10ms}\n")
        listeners = []
        for _ in range(LISTENERS):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(cmd("SUBSCRIBE", "busy"))
            listeners.append(s)
        watcher = self.client(server.port)
        self.assertTrue(wait_until(lambda: int(info_fields(watcher, "stats")["pubsub_channels"]) == 1
                                   and self.subscribers(watcher) == LISTENERS, timeout=10))
        stop = threading.Event()
        received = [0]
        reader = threading.Thread(target=self.drain, args=(listeners, stop, received))
        reader.start()
        before = shard0(watcher)
        publisher = self.client(server.port)
        grew, waits = 0, []
        deadline = time.monotonic() + 20
        try:
            # Paced publishes, each waited for: the shard is busy with fan-out, never buried.
            while time.monotonic() < deadline and (grew < 3 or len(waits) < 3):
                for _ in range(20):
                    publisher.send(cmd("PUBLISH", "busy", "x" * 48) * 4)
                    for _ in range(4):
                        self.assertEqual(publisher.read_reply(timeout=10), LISTENERS)
                    time.sleep(0.0005)
                now = shard0(watcher)
                if now["coalescing_window_us"] > 0:
                    grew += 1
                if now["coalescing_max_wait_us"] > 0:
                    waits.append(now["coalescing_max_wait_us"])
        finally:
            stop.set()
            reader.join()
        after = shard0(watcher)
        self.assertGreaterEqual(grew, 3, "the window never opened under load: %r" % after)
        self.assertGreaterEqual(len(waits), 3, "no held messages were seen: %r" % after)
        self.assertLessEqual(after["coalescing_window_us"], max_delay_us)
        # The loop sleeps until the deadline; being scheduled late is the machine's, not ours
        # (14.5 ms seen for a 10 ms window with the suite running beside it on 2 cores), so allow
        # it that (scaled for the sanitizer builds). Messages starved by a deadline that kept
        # moving would wait as long as publishing lasts: a second or more.
        self.assertLessEqual(max(waits), max_delay_us + 25000 * FACTOR, "longest waits (us): %r" % waits)
        deliveries = after["deliveries"] - before["deliveries"]
        writes = after["writes"] - before["writes"]
        self.assertGreater(deliveries / max(writes, 1), 1.5, "messages per write: %d / %d" % (deliveries, writes))
        # Idle again: the window closes within a few measuring periods.
        self.assertTrue(wait_until(lambda: shard0(watcher)["coalescing_window_us"] == 0, timeout=5))
        for s in listeners:
            s.close()

    @staticmethod
    def subscribers(client):
        client.send(cmd("PUBSUB", "NUMSUB", "busy"))
        return client.read_reply(timeout=5)[1]

    @staticmethod
    def drain(socks, stop, received):
        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while not stop.is_set():
            for key, _ in sel.select(timeout=0.05):
                try:
                    received[0] += len(key.fileobj.recv(1 << 20))
                except BlockingIOError:
                    pass
        sel.close()
