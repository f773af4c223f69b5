# maxclients 5: the sixth connection gets exactly Redis's error and is closed, the five keep working,
# INFO counts the refusal, and once one leaves a new connection is accepted.

import socket
import time
import unittest

from harness import ServerTestCase, cmd, info_fields, is_redis, wait_until

FULL = b"-ERR max number of clients reached\r\n"


class MaxClientsTest(ServerTestCase):
    def test_sixth_client_is_refused_until_one_leaves(self):
        self.server = self.start_server(shards=2, config_text="maxclients: 5\n", redis_args=["--maxclients", "5"])
        first = self.client()
        # The harness's readiness probe may not be gone yet: let it leave first.
        self.assertTrue(wait_until(lambda: info_fields(first)["connected_clients"] == "1", timeout=5))
        clients = [first] + [self.client() for _ in range(4)]
        for i, c in enumerate(clients):  # all five admitted (on both shards)
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n", "client %d" % i)

        sixth = self.client()
        self.assertBytes(sixth.read_exact(len(FULL) + 1, timeout=5), FULL, "the sixth connection's greeting")
        self.assertTrue(sixth.is_closed(timeout=5), "the refused connection stays open")
        sixth.close()

        # A refused client that talks first gets the same, and its request is not run.
        talker = self.client()
        try:
            talker.send(cmd("PUBLISH", "ch", "x"))
        except OSError:
            pass  # refused already
        self.assertBytes(talker.read_exact(len(FULL) + 1, timeout=5), FULL, "a refused client that spoke first")
        self.assertTrue(talker.is_closed(timeout=5))
        talker.close()

        info = info_fields(clients[0])
        self.assertEqual(info["connected_clients"], "5", info)
        self.assertEqual(info["rejected_connections"], "2", info)
        self.assertEqual(info["maxclients"], "5", info)
        for i, c in enumerate(clients):
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n", "client %d after the refusals" % i)

        clients[4].close()
        self.assertTrue(wait_until(lambda: info_fields(clients[0])["connected_clients"] == "4", timeout=5),
                        "the server never noticed a client left")
        again = self.client()
        self.assertBytes(again.request(cmd("PING"), 7), b"+PONG\r\n", "a new client once one left")
        self.assertEqual(info_fields(again)["connected_clients"], "5")
        self.assertEqual(info_fields(again)["rejected_connections"], "2")


    @unittest.skipIf(is_redis(), "ringcast's log")
    def test_a_flood_of_refusals_writes_a_line_a_second(self):
        self.server = self.start_server(shards=2, config_text="maxclients: 1\n")
        held = []

        def admitted():  # once the harness's readiness probe has left, a client gets in
            c = self.client()
            if c.request(cmd("PING"), 7) == b"+PONG\r\n":
                held.append(c)
            return bool(held)
        self.assertTrue(wait_until(admitted, timeout=5))
        held = held[0]
        before = int(info_fields(held)["rejected_connections"])
        started = time.monotonic()
        refused = 0
        while time.monotonic() - started < 1.5 or refused < 200:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
                if s.recv(64).startswith(b"-ERR max number of clients reached"):
                    refused += 1
        took = time.monotonic() - started
        lines = [l for l in self.server.log().splitlines() if "refused a connection: maxclients (1)" in l]
        self.assertEqual(int(info_fields(held)["rejected_connections"]) - before, refused)
        # One a second per accepting shard, each naming how many it held back.
        self.assertGreaterEqual(len(lines), 1)
        self.assertLessEqual(len(lines), 2 * (int(took) + 2), "%d lines for %d refusals" % (len(lines), refused))
        self.assertTrue(any("more refused since the last line" in l for l in lines), lines[:3])


if __name__ == "__main__":
    unittest.main()
