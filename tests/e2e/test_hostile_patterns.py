# Attack: patterns in bulk. 200,000 patterns subscribed and then dropped,
# pipelined and in one command: inserting and erasing a pattern is O(1), so
# this takes seconds at most (it was quadratic), while other clients keep
# round trips under 50 ms: on the other shard even during the single
# 200,000-pattern command, and on the attacker's shard too while it pipelines.

import time

from harness import ServerTestCase, cmd, read_rss_kib
from hostile import FACTOR, RoundTrips, client_on_shard

PATTERNS = 200000
BATCH = 100


def patterns(first, count):
    return [b"tenant:%d:*" % i for i in range(first, first + count)]


def confirmations(verb, names, first_count):
    """(P)(UN)SUBSCRIBE confirmations of `names`; the counts start at `first_count` and go up,
    or, for a negative `first_count` (unsubscribing), start at PATTERNS + first_count and go down."""
    out = []
    for i, name in enumerate(names):
        count = first_count + i if first_count >= 0 else PATTERNS + first_count - i
        out.append(b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(verb), verb, len(name), name, count))
    return b"".join(out)


class HostilePatternsTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)
        asker = self.client()
        self.attacker = client_on_shard(self, 0, asker)
        self.attacker.timeout = 60
        self.probes = [RoundTrips(client_on_shard(self, 0, asker), "attacker's shard"),
                       RoundTrips(client_on_shard(self, 1, asker), "other shard")]
        self.asker = asker

    def numpat(self):
        return self.asker.request(cmd("PUBSUB", "NUMPAT"), 16, timeout=0.5)

    def run_attack(self, attack, probes):
        baseline = read_rss_kib(self.server.pid)
        for p in probes:
            p.start()
        started = time.monotonic()
        try:
            attack()
        finally:
            took = time.monotonic() - started
            for p in probes:
                p.stop()
        for p in probes:
            p.check(self)
        # Quadratic insert and erase took minutes for this many.
        self.assertLess(took, 10 * FACTOR, "200,000 patterns in and out took %.1f s" % took)
        # 200,000 short patterns: their strings, directory entries and index slots.
        grown = read_rss_kib(self.server.pid) - baseline
        self.assertLess(grown, 256 * 1024 * FACTOR, "RSS grew %d KiB" % grown)
        self.assertBytes(self.numpat(), b":0\r\n")

    def test_pipelined_patterns_in_and_out(self):
        # Built before the attack starts: the probes' timings are taken in this process too.
        def pipeline(verb, count_after):
            rounds = []
            for first in range(0, PATTERNS, BATCH * 5):
                batches = range(first, first + BATCH * 5, BATCH)
                rounds.append((b"".join(cmd(verb, *patterns(f, BATCH)) for f in batches),
                               b"".join(confirmations(verb.lower(), patterns(f, BATCH), count_after(f))
                                        for f in batches)))
            return rounds
        subscribes = pipeline(b"PSUBSCRIBE", lambda f: f + 1)
        unsubscribes = pipeline(b"PUNSUBSCRIBE", lambda f: -(f + 1))

        def attack():
            for rounds in (subscribes, unsubscribes):
                for requests, expected in rounds:
                    self.assertBytes(self.attacker.request(requests, len(expected), timeout=30), expected)
                if rounds is subscribes:
                    self.assertBytes(self.numpat(), b":%d\r\n" % PATTERNS)
        self.run_attack(attack, self.probes)

    def test_one_command_of_200000_patterns(self):
        names = patterns(0, PATTERNS)
        exchanges = [(cmd("PSUBSCRIBE", *names), confirmations(b"psubscribe", names, 1)),
                     (cmd("PUNSUBSCRIBE", *names), confirmations(b"punsubscribe", names, -1))]

        def attack():
            for request, expected in exchanges:
                self.assertBytes(self.attacker.request(request, len(expected), timeout=60), expected)
        # One command is one unit of work on its shard (as in Redis, which
        # took over a minute for this one): the other shard's client is served
        # meanwhile, PING and SUBSCRIBE (see RoundTrips on UNSUBSCRIBE).
        other_shard = RoundTrips(self.probes[1].client, "other shard", unsubscribe=False)
        self.run_attack(attack, [other_shard])


if __name__ == "__main__":
    import unittest
    unittest.main()
