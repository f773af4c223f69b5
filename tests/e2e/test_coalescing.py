# delivery.max_delay: a shard behind its publishers gathers each subscriber's
# messages for up to the window so one send carries several; an idle shard
# writes at once; and no message waits in the shard longer than the
# configured bound.

import collections
import selectors
import socket
import threading
import time

from harness import ServerTestCase, cmd, info_fields, rss_factor, skip_unless_ringcast, wait_until

FACTOR = rss_factor()
LISTENERS = 50


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

    def test_a_saturated_shard_gathers_messages_and_holds_none_past_max_delay(self):
        # The longest window there is, so that a wait past it would be plain to see.
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
        # Paced publishing leaves a shard room to spare, and it writes at once (what the idle
        # test shows). Only a shard behind its publishers opens a window: publishes pipelined in
        # batches, the next batch sent before the last one's replies are read, keep it busy.
        # A batch is sized to ~4 ms of the shard's work: enough to keep it busy while Python
        # turns around, and short enough that each loop iteration (a read's worth of commands)
        # stays well under the window, or no window could gather anything (a sanitizer build
        # takes ~20x as long per publish as a release build).
        publish, reply = cmd("PUBLISH", "busy", "x" * 48), b":%d\r\n" % LISTENERS
        publisher = self.client(server.port)
        waits, open_runs = [], [[]]  # runs of consecutive samples with the window open
        in_flight, size, last = collections.deque(), 200, None
        deadline = time.monotonic() + 30
        try:
            publisher.send(publish * size)
            in_flight.append(size)
            while time.monotonic() < deadline and (self.samples(open_runs) < 3 or len(waits) < 3
                                                   or self.open_totals(open_runs, max_delay_us)[0] < 0.5):
                publisher.send(publish * size)
                in_flight.append(size)
                done = in_flight.popleft()
                self.assertEqual(publisher.read_exact(len(reply) * done, timeout=20), reply * done)
                now, at = shard0(watcher), time.monotonic()
                if last is not None:
                    rate = (now["publishes"] - last[0]["publishes"]) / max(at - last[1], 1e-4)
                    size = max(20, min(4000, int(rate * 0.004)))
                last = (now, at)
                if now["coalescing_window_us"] > 0:
                    open_runs[-1].append((time.monotonic(), now))
                elif open_runs[-1]:
                    open_runs.append([])
                if now["coalescing_max_wait_us"] > 0:
                    waits.append(now["coalescing_max_wait_us"])
            while in_flight:
                done = in_flight.popleft()
                self.assertEqual(publisher.read_exact(len(reply) * done, timeout=20), reply * done)
        finally:
            stop.set()
            reader.join()
        after = shard0(watcher)
        self.assertGreaterEqual(self.samples(open_runs), 3, "the window never opened under saturation: %r" % after)
        self.assertGreaterEqual(len(waits), 3, "no held messages were seen: %r" % after)
        self.assertLessEqual(after["coalescing_window_us"], max_delay_us)
        # The loop sleeps until the deadline; being scheduled late is the machine's, not ours
        # (14.5 ms seen for a 10 ms window with the suite running beside it on 2 cores), so allow
        # it that (scaled for the sanitizer builds). Messages starved by a deadline that kept
        # moving would wait as long as publishing lasts: a second or more.
        self.assertLessEqual(max(waits), max_delay_us + 25000 * FACTOR, "longest waits (us): %r" % waits)
        # While the window was open each listener was written at most once per window; a
        # saturated loop without one writes every listener on every iteration (each pipelined
        # batch, a few ms). Over the runs of samples with the window open (the shard closes it for
        # 10 ms four times a second to look at its load without it): listener writes are all
        # writes but at most two replies (publisher, watcher) per loop iteration.
        open_time, listener_writes, windows = self.open_totals(open_runs, max_delay_us)
        self.assertGreater(open_time, 0.3, "the window stayed open too briefly to count its writes: %r" % open_runs)
        self.assertLessEqual(listener_writes, 1.5 * LISTENERS * windows,
                             "%d listener writes in %.3f s with a %d us window" % (listener_writes, open_time, max_delay_us))
        # Idle again: the window closes within a few measuring periods.
        self.assertTrue(wait_until(lambda: shard0(watcher)["coalescing_window_us"] == 0, timeout=5))
        for s in listeners:
            s.close()

    @staticmethod
    def samples(open_runs):
        return sum(len(run) for run in open_runs)

    @staticmethod
    def open_totals(open_runs, window_us):
        """Time, listener writes and windows' worth of flushes over the runs of open samples."""
        time_open, writes, windows = 0.0, 0, 0.0
        for run in open_runs:
            if len(run) < 2:
                continue
            (t0, a), (t1, b) = run[0], run[-1]
            time_open += t1 - t0
            writes += (b["writes"] - a["writes"]) - 2 * (b["loop_iterations"] - a["loop_iterations"])
            windows += (t1 - t0) / (window_us / 1e6) + 2
        return time_open, writes, windows

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
