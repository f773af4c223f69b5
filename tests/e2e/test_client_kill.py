# CLIENT KILL in every form ringcast has (the old addr form, ID, ADDR, LADDR, TYPE normal|pubsub,
# SKIPME yes|no, filters combined) with Redis 7's replies byte for byte (run it with
# RINGCAST_TEST_SERVER=redis to see the same test pass against redis-server), the errors, and a
# kill in the middle of a fan-out: the victim goes, everyone else gets every byte.

import unittest

from barrier import until_ping
from harness import ServerTestCase, cmd, read_all

NO_SUCH = b"-ERR No such client\r\n"


class ClientKillTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)
        self.admin = self.client()

    def kill(self, *args, client=None):
        c = client or self.admin
        c.send(cmd("CLIENT", "KILL", *args))
        return c.read_reply(timeout=5)

    def idof(self, c):
        c.send(cmd("CLIENT", "ID"))
        return c.read_reply(timeout=5)

    def addr(self, c):
        return "127.0.0.1:%d" % c.sock.getsockname()[1]

    def assertAlive(self, *clients):
        for c in clients:
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n", "a client that was not to be killed")

    def subscriber(self, channel="k"):
        c = self.client()
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(channel), channel.encode())
        self.assertBytes(c.request(cmd("SUBSCRIBE", channel), len(confirm)), confirm)
        return c

    def test_old_form_by_address(self):
        victim, bystander = self.client(), self.client()
        self.assertBytes(self.admin.request(cmd("CLIENT", "KILL", self.addr(victim)), 5), b"+OK\r\n")
        self.assertTrue(victim.is_closed(timeout=5))
        self.assertBytes(victim.buf, b"", "the victim was sent something")
        self.assertAlive(bystander, self.admin)
        self.assertBytes(self.admin.request(cmd("CLIENT", "KILL", self.addr(victim)), len(NO_SUCH)), NO_SUCH)
        self.assertBytes(self.admin.request(cmd("CLIENT", "KILL", "1.2.3.4:5"), len(NO_SUCH)), NO_SUCH)
        # Its own address in the old form: the caller hears +OK, then is closed.
        self.assertBytes(self.admin.request(cmd("CLIENT", "KILL", self.addr(self.admin)), 5), b"+OK\r\n")
        self.assertTrue(self.admin.is_closed(timeout=5))

    def test_by_id_on_either_shard(self):
        victims = [self.client() for _ in range(4)]  # over both shards
        for v in victims:
            self.assertEqual(self.kill("ID", self.idof(v)), 1)
            self.assertTrue(v.is_closed(timeout=5))
        self.assertEqual(self.kill("ID", 999999), 0)
        self.assertAlive(self.admin)

    def test_by_addr_and_laddr(self):
        a, b = self.client(), self.client()
        self.assertEqual(self.kill("ADDR", self.addr(a)), 1)
        self.assertTrue(a.is_closed(timeout=5))
        self.assertEqual(self.kill("ADDR", "1.2.3.4:5"), 0)
        # LADDR: every connection to the server's address but the caller (SKIPME yes by default).
        c = self.client()
        self.assertEqual(self.kill("LADDR", "127.0.0.1:%d" % self.server.port), 2)
        for gone in (b, c):
            self.assertTrue(gone.is_closed(timeout=5))
        self.assertAlive(self.admin)
        self.assertEqual(self.kill("LADDR", "127.0.0.1:1"), 0)

    def test_by_type(self):
        normal = [self.client() for _ in range(3)]
        subs = [self.subscriber() for _ in range(3)]
        self.assertEqual(self.kill("TYPE", "pubsub"), 3)
        for s in subs:
            self.assertTrue(s.is_closed(timeout=5))
        self.assertAlive(*normal)
        self.assertEqual(self.kill("TYPE", "PUBSUB"), 0)
        self.assertEqual(self.kill("TYPE", "normal"), 3)  # not the caller
        for c in normal:
            self.assertTrue(c.is_closed(timeout=5))
        self.assertAlive(self.admin)
        self.assertEqual(self.kill("TYPE", "master"), 0)
        self.assertEqual(self.kill("TYPE", "replica"), 0)

    def test_skipme(self):
        other = self.client()
        self.assertEqual(self.kill("TYPE", "normal", "SKIPME", "yes"), 1)
        self.assertTrue(other.is_closed(timeout=5))
        self.assertEqual(self.kill("ID", self.idof(self.admin), "SKIPME", "yes"), 0)
        self.assertAlive(self.admin)
        # SKIPME no: the caller is killed too, after its reply.
        self.assertBytes(self.admin.request(cmd("CLIENT", "KILL", "ID", self.idof(self.admin), "SKIPME", "no"), 4),
                         b":1\r\n")
        self.assertTrue(self.admin.is_closed(timeout=5))

    def test_filters_combine(self):
        sub, normal = self.subscriber(), self.client()
        self.assertEqual(self.kill("TYPE", "normal", "ID", self.victim_id(sub)), 0)  # a subscriber, not normal
        self.assertEqual(self.kill("TYPE", "pubsub", "ADDR", self.addr(normal)), 0)
        self.assertAlive(normal)
        self.assertEqual(self.kill("TYPE", "pubsub", "ADDR", self.addr(sub)), 1)
        self.assertTrue(sub.is_closed(timeout=5))

    def test_errors(self):
        errors = [
            (("TYPE", "bogus"), b"-ERR Unknown client type 'bogus'\r\n"),
            (("SKIPME", "maybe"), b"-ERR syntax error\r\n"),
            (("ID", "abc"), b"-ERR client-id should be greater than 0\r\n"),
            (("ID", "0"), b"-ERR client-id should be greater than 0\r\n"),
            (("ID", "-1"), b"-ERR client-id should be greater than 0\r\n"),
            ((), b"-ERR wrong number of arguments for 'client|kill' command\r\n"),
            (("ID",), NO_SUCH),  # two arguments: the old form, with "ID" as the address
        ]
        for args, expected in errors:
            self.assertBytes(self.admin.request(cmd("CLIENT", "KILL", *args), len(expected)), expected,
                             "CLIENT KILL %s" % " ".join(args))
        self.assertAlive(self.admin)

    def test_kill_during_fan_out(self):
        subs = [self.subscriber("fan") for _ in range(6)]
        victim = subs[0]
        pub = self.client(timeout=30)
        payload = b"f" * 65536
        frame = b"*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$65536\r\n" + payload + b"\r\n"
        burst = 64  # 4 MiB each, more than the victim's socket takes before the kill
        pub.send(cmd("PUBLISH", "fan", payload) * burst)
        self.assertEqual(self.kill("ID", self.victim_id(victim)), 1)
        replies = pub.read_exact(len(b":6\r\n") * burst, timeout=30)
        self.assertTrue(set(replies.split(b"\r\n")[:-1]) <= {b":6", b":5"}, replies[:60])
        got = read_all(subs[1:], len(frame) * burst, timeout=60)
        for i, data in enumerate(got):
            self.assertBytes(data, frame * burst, "subscriber %d's stream" % (i + 1))
        self.assertTrue(victim.is_closed(timeout=10), "the killed subscriber is still connected")
        # After the kill, the count is 5 and every survivor still gets what follows.
        self.assertBytes(pub.request(cmd("PUBLISH", "fan", "after"), 4, timeout=10), b":5\r\n")
        after = b"*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$5\r\nafter\r\n"
        for s in subs[1:]:
            self.assertBytes(s.read_exact(len(after), timeout=10), after)
            self.assertBytes(until_ping(s), b"", "nothing after the last message")

    def victim_id(self, victim):
        # A subscriber cannot run CLIENT ID in RESP2: find its id in CLIENT LIST by address.
        self.admin.send(cmd("CLIENT", "LIST"))
        for line in self.admin.read_reply(timeout=5).decode().splitlines():
            f = dict(x.split("=", 1) for x in line.split(" ") if "=" in x)
            if f["addr"] == self.addr(victim):
                return f["id"]
        self.fail("the victim is not in CLIENT LIST")


if __name__ == "__main__":
    unittest.main()
