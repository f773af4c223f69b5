# Attack: many clients that never authenticate, each holding the largest
# request the pre-AUTH limits allow half sent (10 arguments of 16 KiB), then
# each trying to go past them. Before those limits one such client could
# buffer a gigabyte. Measured: the daemon's RSS grows by at most 64 MB for 200
# of them, another client keeps short round trips on both shards, and every
# attacker that goes over the limits gets Redis's error and is disconnected.

import socket
import time

from harness import ServerTestCase, cmd, read_rss_kib, skip_unless_ringcast
from hostile import RSS_GROWTH_BOUND_KIB, RoundTrips, client_on_shard

ATTACKERS = 200
BULK = 16384
MULTIBULK_ERROR = b"-ERR Protocol error: unauthenticated multibulk length\r\n"
# The most one unauthenticated request may be: 10 arguments of 16 KiB; all
# but the end of the last one sent, so the daemon holds it whole, waiting.
HALF_SENT = b"*10\r\n" + (b"$%d\r\n%s\r\n" % (BULK, b"a" * BULK)) * 9 + b"$%d\r\n%s" % (BULK, b"a" * (BULK - 10))


@skip_unless_ringcast("measures ringcast's RSS and uses CLIENT LIST's shard field")
class HostilePreAuthTest(ServerTestCase):
    def test_unauthenticated_clients_cost_bounded_memory_and_nobody_waits(self):
        self.server = self.start_server(shards=2, config_text="requirepass: s3cret\n")
        asker = self.client()
        self.assertBytes(asker.request(cmd("AUTH", "s3cret"), 5), b"+OK\r\n")
        probes = [client_on_shard(self, shard, asker, password="s3cret") for shard in (0, 1)]
        rounds = [RoundTrips(c, "shard %d" % i) for i, c in enumerate(probes)]
        baseline = read_rss_kib(self.server.pid)
        for r in rounds:
            r.start()
        attackers = []
        try:
            for _ in range(ATTACKERS):
                s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
                self.addCleanup(s.close)
                s.sendall(HALF_SENT)
                attackers.append(s)
            time.sleep(1)  # all held at once while the probes run
            # Every attacker is still connected (nothing it sent was over the limits)...
            asker.send(cmd("INFO", "clients"))
            info = asker.read_reply(timeout=10).decode()
            grown = read_rss_kib(self.server.pid) - baseline
            # ... until it sends an eleventh argument's worth: a new request over the limit.
            for s in attackers[:20]:
                s.sendall(b"a" * 10 + b"\r\n" + b"*11\r\n")
        finally:
            for r in rounds:
                r.stop()
        for r in rounds:
            r.check(self)
        self.assertIn("connected_clients:%d\r\n" % (ATTACKERS + 3), info)
        self.assertLess(grown, RSS_GROWTH_BOUND_KIB,
                        "RSS grew %d KiB for %d unauthenticated clients" % (grown, ATTACKERS))
        for s in attackers[:20]:
            got = b""
            while not got.endswith(b"\r\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            # The completed request was refused (NOAUTH) and the next one cut the connection.
            self.assertTrue(got.startswith(b"-NOAUTH Authentication required.\r\n") or got.endswith(MULTIBULK_ERROR),
                            got[:200])
            rest = got
            while MULTIBULK_ERROR not in rest:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "closed before the protocol error: %r" % rest[:200])
                rest += chunk
            self.assertEqual(s.recv(4096), b"", "still open after the protocol error")
        self.assertBytes(asker.request(cmd("PING"), 7), b"+PONG\r\n")


if __name__ == "__main__":
    import unittest
    unittest.main()
