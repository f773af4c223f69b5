# An UNSUBSCRIBE confirmation comes after every message PUBLISH counted for that subscription, and
# nothing comes after it, while publishers on the other shard (and the same one) race pipelined
# SUBSCRIBE / UNSUBSCRIBE pairs. Every pair takes a fresh name, so each message belongs to exactly
# one subscription: one counted (reply 1) must arrive between that name's two confirmations, one
# not counted (reply 0) never. ringcast may skip the cross-shard fence when nothing can be in
# flight (pubsub/in_flight.h): this is what holds it to the promise.

import socket
import threading
import time
import unittest

from harness import ServerTestCase, client_list_entry, cmd, is_redis, parse_reply

SECONDS = 1.2       # of racing per kind
PAIRS = 40          # subscribe/unsubscribe pairs per pipelined batch
PUBLISH_BATCH = 16  # publishes per pipelined write


class Publisher(threading.Thread):
    """Publishes to the names the subscriber is about to use or using, in pipelined batches, and
    keeps each payload's reply."""

    def __init__(self, port, pid, race):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pid, self.race = pid, race
        self.replies = {}  # payload -> receiver count
        self.error = None

    def run(self):
        try:
            seq, buf = 0, b""
            while not self.race.stop.is_set():
                base = self.race.window
                batch = []
                for k in range(PUBLISH_BATCH):
                    name = self.race.channel(base + (seq * 7 + k) % (2 * PAIRS))
                    payload = b"%d:%d" % (self.pid, seq)
                    seq += 1
                    batch.append(payload)
                    self.sock.sendall(cmd(b"PUBLISH", name, payload))
                for payload in batch:
                    while b"\r\n" not in buf:
                        chunk = self.sock.recv(65536)
                        if not chunk:
                            raise ConnectionError("publisher closed")
                        buf += chunk
                    line, buf = buf.split(b"\r\n", 1)
                    self.replies[payload] = int(line[1:])
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            self.sock.close()


class Race:
    def __init__(self, pattern):
        self.pattern = pattern
        self.window = 0  # first name of the batch the subscriber is sending (read by publishers)
        self.stop = threading.Event()

    def channel(self, i):
        return b"race:%d:x" % i if self.pattern else b"race:%d" % i

    def target(self, i):
        return b"race:%d:*" % i if self.pattern else b"race:%d" % i


class UnsubscribeRaceTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)

    def race(self, pattern):
        sub_kind, unsub_kind = (b"psubscribe", b"punsubscribe") if pattern else (b"subscribe", b"unsubscribe")
        race = Race(pattern)
        sub = self.client()
        # Accepted round-robin over 2 shards: publishers 0 and 2 on the other shard, 1 on the subscriber's.
        publishers = [Publisher(self.server.port, i, race) for i in range(3)]
        if not is_redis():
            shard = lambda peer: client_list_entry(sub, peer)["shard"]  # noqa: E731
            mine = shard(sub)
            names = [client_list_entry(sub, p)["shard"] for p in publishers]
            self.assertEqual(sorted(n == mine for n in names), [False, False, True], names)
        for p in publishers:
            p.start()
        # subscribed[i]: state of name i as the subscriber's stream has shown it so far.
        subscribed, received, windows = {}, {}, 0
        buf = bytearray()
        deadline = time.monotonic() + SECONDS

        def take_one():
            nonlocal buf
            while True:
                parsed = parse_reply(bytes(buf), 0)
                if parsed is not None:
                    value, end = parsed
                    del buf[:end]
                    return value
                chunk = sub.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("subscriber closed")
                buf += chunk

        def check(value):
            """A message, or the next confirmation (returned as (kind, i, count))."""
            kind = value[0]
            if kind in (b"message", b"pmessage"):
                key = value[1]
                i = int(key.split(b":")[1])
                self.assertEqual(subscribed.get(i), True, "message %r for %r outside its subscription" % (value, key))
                payload = value[-1]
                self.assertNotIn(payload, received, "delivered twice: %r" % payload)
                received[payload] = i
                return None
            return kind, int(value[1].split(b":")[1]), value[2]

        def expect(confirmations):
            for want in confirmations:
                got = None
                while got is None:
                    got = check(take_one())
                self.assertEqual(got, want, "confirmation out of order")
                subscribed[want[1]] = want[0] == sub_kind

        while time.monotonic() < deadline:
            first = windows
            names = range(first, first + PAIRS)
            race.window = first
            if (first // PAIRS) % 2 == 0:
                # Pairs back to back, the churn of request/reply clients.
                sub.send(b"".join(cmd(sub_kind, race.target(i)) + cmd(unsub_kind, race.target(i)) for i in names))
                expect([c for i in names for c in ((sub_kind, i, 1), (unsub_kind, i, 0))])
            else:
                # Every name subscribed (and published to) for a while, then all unsubscribed, pipelined.
                sub.send(b"".join(cmd(sub_kind, race.target(i)) for i in names))
                expect([(sub_kind, i, k + 1) for k, i in enumerate(names)])
                time.sleep(0.002)
                sub.send(b"".join(cmd(unsub_kind, race.target(i)) for i in names))
                expect([(unsub_kind, i, PAIRS - 1 - k) for k, i in enumerate(names)])
            windows += PAIRS
        race.stop.set()
        for p in publishers:
            p.join(10)
            self.assertFalse(p.is_alive(), "publisher stuck")
            self.assertIsNone(p.error)
        # Nothing may follow the last confirmation.
        sub.sock.settimeout(0.2)
        try:
            late = sub.sock.recv(65536)
        except socket.timeout:
            late = b""
        self.assertEqual(bytes(buf) + late, b"", "bytes after the last unsubscribe confirmation")

        counted = {pl: n for p in publishers for pl, n in p.replies.items()}
        self.assertTrue(set(counted.values()) <= {0, 1}, "a PUBLISH counted more than one receiver")
        owed = {pl for pl, n in counted.items() if n == 1}
        self.assertEqual(set(received) - owed, set(), "delivered although PUBLISH did not count them")
        self.assertEqual(owed - set(received), set(), "counted by PUBLISH, never delivered before the confirmation")
        # The race must have happened: messages both counted and not.
        self.assertGreater(len(owed), 50, "too few messages met a subscription: %d of %d" % (len(owed), len(counted)))
        self.assertGreater(len(counted) - len(owed), 0)
        self.assertGreater(windows, 200)

    def test_channels(self):
        self.race(pattern=False)

    def test_patterns(self):
        self.race(pattern=True)


if __name__ == "__main__":
    unittest.main()
