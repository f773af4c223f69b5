# Shared by the hostile-client tests: a well-behaved client's round trips,
# measured while an attack runs, and a client placed on a chosen shard.
#
# Bounds scale with RINGCAST_TEST_RSS_FACTOR (3 under ASan, 8 under TSan),
# whose builds run slower and hold more memory.

import threading
import time

from harness import client_list_entry, cmd, rss_factor

FACTOR = rss_factor()
# Round trips of a well-behaved client during an attack: nine in ten under
# 50 ms, and none near the stalls the attacks used to cause (seconds). The
# slowest alone is not the bound: on a loaded 2-core machine (CI runs two
# tests at once) the scheduler alone can hold a thread for a hundred ms.
RTT_BOUND_S = 0.05 * FACTOR
RTT_WORST_S = 0.5 * FACTOR
RSS_GROWTH_BOUND_KIB = 64 * 1024 * FACTOR


def client_on_shard(test, shard, asker, tries=16, password=None):
    """A RawClient the daemon serves on `shard` (CLIENT LIST's shard=), asked on `asker`, and
    authenticated with `password` when given. Connections are spread over the shards, so a few
    tries find one; the others stay open (closed at cleanup), or the next would land where the
    closed one was."""
    for _ in range(tries):
        c = test.client()
        # A reply means the connection has reached its shard, so CLIENT LIST shows it.
        if password is not None:
            test.assertEqual(c.request(cmd("AUTH", password), 5), b"+OK\r\n")
        test.assertEqual(c.request(cmd("PING"), 7), b"+PONG\r\n")
        entry = client_list_entry(asker, c)
        if entry is not None and entry.get("shard") == str(shard):
            return c
    raise AssertionError("no connection landed on shard %d in %d tries" % (shard, tries))


class RoundTrips(threading.Thread):
    """Until stop(): PING, then SUBSCRIBE and UNSUBSCRIBE of a channel of its own, on `client`,
    keeping the slowest round trip of each. A reply that does not come within `give_up`
    seconds ends the probe (recorded as that long). With `unsubscribe=False` it subscribes to a
    new channel each round instead: an UNSUBSCRIBE is confirmed only after a fence has passed
    every shard (so that each message counted for the subscription arrives first), and so
    waits for a command running on any shard."""

    def __init__(self, client, name, give_up=10.0, unsubscribe=True):
        super().__init__(daemon=True)
        self.client = client
        self.name = name
        self.unsubscribe = unsubscribe
        self.give_up = give_up
        self.pings = []
        self.subscribes = []
        self.rounds = 0
        self.failure = None
        self._halt = threading.Event()

    def _timed(self, request, expected):
        started = time.monotonic()
        got = self.client.request(request, len(expected), timeout=self.give_up)
        took = time.monotonic() - started
        if got != expected:
            self.failure = "%s: expected %r, got %r" % (self.name, expected, got)
            self._halt.set()
        return took

    def run(self):
        while not self._halt.is_set():
            # A RESP2 subscriber may only PING in the form that replies with a push.
            ping, pong = (cmd("PING"), b"+PONG\r\n") if self.unsubscribe or self.rounds == 0 else \
                (cmd("PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
            self.pings.append(self._timed(ping, pong))
            if self._halt.is_set():
                break
            channel = ("probe-%s-%d" % (self.name, 0 if self.unsubscribe else self.rounds)).encode()
            count = 1 if self.unsubscribe else self.rounds + 1
            took = self._timed(cmd("SUBSCRIBE", channel), b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n"
                               % (len(channel), channel, count))
            self.subscribes.append(took)
            if self.unsubscribe:
                took = self._timed(cmd("UNSUBSCRIBE", channel),
                                   b"*3\r\n$11\r\nunsubscribe\r\n$%d\r\n%s\r\n:0\r\n" % (len(channel), channel))
                self.subscribes.append(took)
            self.rounds += 1
            time.sleep(0.01)

    def stop(self):
        self._halt.set()
        self.join(self.give_up + 5)

    def check(self, test):
        """Asserts the probe ran, saw the right replies, and stayed within the bounds above."""
        test.assertIsNone(self.failure, self.failure)
        test.assertGreater(self.rounds, 3, "%s: the probe hardly ran" % self.name)
        for what, samples in (("PING", self.pings), ("(UN)SUBSCRIBE", self.subscribes)):
            ordered = sorted(samples)
            p90 = ordered[len(ordered) * 9 // 10]
            summary = "%s: %s round trips p90 %.3f s, worst %.3f s over %d" % (
                self.name, what, p90, ordered[-1], len(ordered))
            test.assertLess(p90, RTT_BOUND_S, summary)
            test.assertLess(ordered[-1], RTT_WORST_S, summary)
