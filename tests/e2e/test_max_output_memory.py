# limits.max_output_memory (ringcast only): past the ceiling on all queued output, the subscribers
# holding the most are dealt with first (cut, or trimmed under drop-oldest); the others carry on.

import socket
import threading
import time
import unittest

from harness import (ServerTestCase, client_list_entry, cmd, info_fields, skip_unless_ringcast,
                     wait_until)

MIB = 1024 * 1024
MESSAGE = 64 * 1024


def config(policy):
    # No per-client limit: only the global ceiling applies. No coalescing: the scenario's sizes
    # assume how much of a stalled reader's stream its kernel socket buffer takes, and that grows
    # with the size of the writes, which a coalescing window makes larger.
    return ("limits:\n  max_output_memory: 4mb\n  output:\n    pubsub: {hard: 0, soft: 0, soft_seconds: 0}\n"
            "    policy: %s\ndelivery: {max_delay: off}\n" % policy)


def confirm(channel, n=1):
    return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (len(channel), channel, n)


class Reader(threading.Thread):
    """A subscriber that reads all along, until it has `want` bytes (set once known) or the
    connection ends or 30 s pass."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.want, self.data = client, None, bytearray()
        self.known = threading.Event()

    def run(self):
        deadline = time.monotonic() + 30
        self.client.sock.settimeout(0.1)
        while time.monotonic() < deadline and not (self.known.is_set() and len(self.data) >= self.want):
            try:
                chunk = self.client.sock.recv(1 << 18)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            self.data += chunk

    def expect(self, want):
        self.want = want
        self.known.set()


@skip_unless_ringcast("limits.max_output_memory is ringcast's own")
class MaxOutputMemoryTest(ServerTestCase):
    def stalled(self, channel):
        c = self.client(rcvbuf=4096, timeout=10)
        self.assertBytes(c.request(cmd("SUBSCRIBE", channel), len(confirm(channel))), confirm(channel))
        return c

    def fill(self, pub, client, channel, at_least):
        """Publishes 64 KiB messages on `channel` one at a time until `client` (a stalled
        subscriber of it) holds at least `at_least` bytes of output; returns what was sent."""
        sent = []
        while True:
            entry = client_list_entry(pub, client)
            self.assertIsNotNone(entry, "subscriber of %r cut while filling" % channel)
            if int(entry["omem"]) >= at_least:
                return sent
            self.assertLess(len(sent), 200, "%r never reached %d bytes queued" % (channel, at_least))
            payload = b"%-8d" % len(sent) + b"p" * (MESSAGE - 8)
            reply = pub.request(cmd("PUBLISH", channel, payload), 4)
            self.assertIn(reply, (b":1\r\n", b":2\r\n"))
            sent.append(payload)

    def scenario(self, policy, shards):
        """Three stalled subscribers holding about 0.5, 1 and 2 MiB (3.5 MiB, under the 4 MiB
        ceiling) and one reading subscriber of all three channels; then more for the biggest.
        Returns (pub, small, mid, big, reader thread, frames the reader must get)."""
        self.server = self.start_server(shards=shards, config_text=config(policy))
        small, mid, big = self.stalled(b"small"), self.stalled(b"mid"), self.stalled(b"big")
        watcher = self.client(timeout=10)
        watcher.send(cmd("SUBSCRIBE", "small", "mid", "big"))
        for i, ch in enumerate((b"small", b"mid", b"big")):
            self.assertBytes(watcher.read_exact(len(confirm(ch, i + 1))), confirm(ch, i + 1))
        reader = Reader(watcher)
        reader.start()
        pub = self.client(timeout=10)
        sent = []
        # Any order works; filling `big` last keeps it the biggest at every moment.
        for client, channel, target in ((small, b"small", MIB // 2), (mid, b"mid", MIB), (big, b"big", 2 * MIB)):
            sent += [(channel, p) for p in self.fill(pub, client, channel, target)]
        self.assertEqual(info_fields(pub, "stats")["output_memory_limit_disconnections"], "0",
                         "cut while still under the ceiling")
        for k in range(24):  # 1.5 MiB more for the biggest: over the ceiling
            payload = b"%-8d" % (1000 + k) + b"q" * (MESSAGE - 8)
            pub.request(cmd("PUBLISH", "big", payload), 4)
            sent.append((b"big", payload))
        frames = b"".join(b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(ch), ch, len(p), p)
                          for ch, p in sent)
        reader.expect(len(frames))
        return pub, small, mid, big, reader, frames

    def check_only_the_biggest_was_cut(self, shards):
        pub, small, mid, big, reader, frames = self.scenario("disconnect", shards)
        cuts = lambda: int(info_fields(pub, "stats")["output_memory_limit_disconnections"])
        self.assertTrue(wait_until(lambda: cuts() > 0, timeout=5), "nobody was cut over the ceiling")
        self.assertIsNone(client_list_entry(pub, big), "the biggest subscriber is still connected")
        self.assertTrue(big.is_closed(timeout=5))
        # Nobody else needs to go: watch for half a second (five housekeeping ticks).
        others_cut = lambda: any(client_list_entry(pub, c) is None for c in (small, mid))
        self.assertFalse(wait_until(others_cut, timeout=0.5), "the 0.5 or 1 MiB subscriber was cut too")
        self.assertEqual(cuts(), 1)
        line = self.server.wait_for_log("addr=127.0.0.1:%d " % big.sock.getsockname()[1])
        self.assertIsNotNone(line, "no log line names the cut subscriber")
        self.assertIn("max_output_memory", line)
        reader.join(timeout=30)
        self.assertFalse(reader.is_alive())
        self.assertBytes(reader.data, frames, "the reading subscriber's stream")
        self.assertBytes(pub.request(cmd("PUBLISH", "mid", "z"), 4), b":2\r\n")

    def test_disconnect_cuts_the_biggest_first(self):
        self.check_only_the_biggest_was_cut(shards=1)

    def test_disconnect_cuts_the_biggest_first_across_shards(self):
        # Stalled subscribers on both shards (connections are dealt out round-robin).
        self.check_only_the_biggest_was_cut(shards=2)

    def test_drop_oldest_trims_the_biggest_and_keeps_it(self):
        pub, small, mid, big, reader, frames = self.scenario("drop-oldest", 1)
        dropped = lambda: int(info_fields(pub, "stats")["dropped_messages"])
        self.assertTrue(wait_until(lambda: dropped() > 0, timeout=5), "nothing dropped over the ceiling")
        held = lambda: {name: int(client_list_entry(pub, c)["omem"]) for name, c in
                        (("small", small), ("mid", mid), ("big", big))}
        # The ceiling is enforced on the housekeeping tick: the last PUBLISHes may land after one.
        wait_until(lambda: sum(held().values()) <= 4 * MIB, timeout=2)
        omem = held()
        self.assertEqual(info_fields(pub, "stats")["output_memory_limit_disconnections"], "0")
        self.assertGreaterEqual(omem["small"], MIB // 2, omem)
        self.assertGreaterEqual(omem["mid"], MIB, omem)
        self.assertLessEqual(sum(omem.values()), 4 * MIB, "still over the ceiling: %r" % omem)
        reader.join(timeout=30)
        self.assertFalse(reader.is_alive())
        self.assertBytes(reader.data, frames, "the reading subscriber's stream")


if __name__ == "__main__":
    unittest.main()
