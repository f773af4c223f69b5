# Connections are dealt across the shards (round-robin from whichever shard accepted them), so the
# cross-shard tests really cross shards: with 8 clients on 2 shards, INFO's per-shard figures add
# up to every connection and no shard is left out. A daemon that kept every connection on shard 0
# passes every other test (all traffic is then same-shard); this one fails.

import unittest

from harness import ServerTestCase, cmd, info_fields, skip_unless_ringcast

SHARDS = 2
CLIENTS = 8


def shard_connections(fields):
    """{shard index: connections} from INFO everything's `shardN:connections=...,` lines."""
    out = {}
    for key, value in fields.items():
        if key.startswith("shard") and key[5:].isdigit():
            out[int(key[5:])] = int(dict(kv.split("=") for kv in value.split(","))["connections"])
    return out


@skip_unless_ringcast("shards are ringcast's")
class ShardSpreadTest(ServerTestCase):
    def test_connections_are_spread_over_every_shard(self):
        self.server = self.start_server(shards=SHARDS)
        clients = [self.client() for _ in range(CLIENTS)]
        for c in clients:  # a reply means the connection has been handed to its shard
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")
        spread = shard_connections(info_fields(clients[0], "everything"))
        self.assertEqual(sorted(spread), list(range(SHARDS)), spread)
        self.assertEqual(sum(spread.values()), CLIENTS, spread)
        # Each accepting shard alternates its targets, so no shard is short by more than SHARDS.
        for shard, count in spread.items():
            self.assertGreaterEqual(count, CLIENTS // SHARDS - SHARDS, "shard %d: %r" % (shard, spread))


if __name__ == "__main__":
    unittest.main()
