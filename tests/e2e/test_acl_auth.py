# Access control byte for byte as Redis 7 (given the same users by ACL SETUSER): requirepass, users
# with plain/sha256 passwords or disabled, NOAUTH/WRONGPASS/NOPERM texts, HELLO AUTH, python3-redis.

import re
import unittest

import redis

from harness import ServerTestCase, cmd

HUNTER2_SHA256 = "f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7"
USERS = {
    "alice": "on >wonderland +@pubsub +@connection -spublish &news.* &chat:*",
    "metrics": "on #%s +ping +info resetchannels" % HUNTER2_SHA256,
    "bob": "off >builder +@all allchannels",
}
CONFIG = "requirepass: s3cret\nusers:\n" + "".join('  %s: "%s"\n' % kv for kv in USERS.items())

NOAUTH = b"-NOAUTH Authentication required.\r\n"
HELLO_NOAUTH = (b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
                b"<user> <pass> option can be used to authenticate the client and select the RESP protocol "
                b"version at the same time\r\n")
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
NOPERM_CHANNEL = b"-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"
OK = b"+OK\r\n"


def noperm_command(name):
    return b"-NOPERM this user has no permissions to run the '%s' command\r\n" % name


def start_acl_server(test):
    """ringcast with CONFIG; redis-server given the same users through ACL SETUSER."""
    srv = test.start_server(shards=2, config_text=CONFIG)
    if srv.kind == "redis":
        c = test.client(srv.port)
        for name, rules in USERS.items():
            test.assertBytes(c.request(cmd("ACL", "SETUSER", name, *rules.split()), 5), OK, "ACL SETUSER " + name)
        test.assertBytes(c.request(cmd("CONFIG", "SET", "requirepass", "s3cret"), 5), OK)
        c.close()
    return srv


class AclAuthTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = start_acl_server(self)

    def expect(self, c, request, reply, what=""):
        self.assertBytes(c.request(request, len(reply), timeout=5), reply, what or repr(request[:80]))

    def test_nothing_before_auth(self):
        c = self.client()
        for request in (cmd("PING"), cmd("PUBLISH", "news.a", "x"), cmd("SUBSCRIBE", "news.a"), cmd("ECHO", "x"),
                        cmd("PUBSUB", "CHANNELS"), cmd("CLIENT", "ID"), cmd("INFO")):
            self.expect(c, request, NOAUTH)
        # Lookup and arity are checked first, as in Redis.
        self.expect(c, cmd("NOSUCH", "x"), b"-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n")
        self.expect(c, cmd("PUBLISH", "x"), b"-ERR wrong number of arguments for 'publish' command\r\n")
        self.expect(c, cmd("HELLO"), HELLO_NOAUTH)
        self.expect(c, cmd("HELLO", "3"), HELLO_NOAUTH)
        self.expect(c, cmd("HELLO", "2", "SETNAME", "x"), HELLO_NOAUTH)
        self.expect(c, cmd("RESET"), b"+RESET\r\n")
        self.expect(c, cmd("PING"), NOAUTH, "RESET does not authenticate")
        self.expect(c, cmd("QUIT"), OK)
        self.assertTrue(c.is_closed(timeout=2))

    def test_auth_forms(self):
        c = self.client()
        self.expect(c, cmd("AUTH", "nope"), WRONGPASS)
        self.expect(c, cmd("PING"), NOAUTH, "a failed AUTH leaves the client unauthenticated")
        self.expect(c, cmd("AUTH", "default", "nope"), WRONGPASS)
        self.expect(c, cmd("AUTH", "nobody", "s3cret"), WRONGPASS)
        self.expect(c, cmd("AUTH", "a", "b", "c"), b"-ERR syntax error\r\n")
        self.expect(c, cmd("AUTH", "s3cret"), OK)
        self.expect(c, cmd("PING"), b"+PONG\r\n")
        self.expect(c, cmd("AUTH", "default", "s3cret"), OK)
        self.expect(c, cmd("AUTH", "alice", "wonderland"), OK)
        self.expect(c, cmd("AUTH", "bob", "builder"), WRONGPASS, "a disabled user logs in")
        self.expect(c, cmd("PUBLISH", "news.x", "still alice"), b":0\r\n", "a failed AUTH changed the user")
        self.expect(c, cmd("PUBLISH", "other", "x"), NOPERM_CHANNEL)

    def test_sha256_password(self):
        c = self.client()
        self.expect(c, cmd("AUTH", "metrics", HUNTER2_SHA256), WRONGPASS, "the hash is not the password")
        self.expect(c, cmd("AUTH", "metrics", "hunter2"), OK)
        self.expect(c, cmd("PING"), b"+PONG\r\n")
        c.send(cmd("INFO", "server"))
        self.assertIn(b"redis_version:", c.read_reply())
        self.expect(c, cmd("PUBLISH", "news.a", "x"), noperm_command(b"publish"))
        self.expect(c, cmd("SUBSCRIBE", "news.a"), noperm_command(b"subscribe"))
        self.expect(c, cmd("CLIENT", "ID"), noperm_command(b"client|id"))
        self.expect(c, cmd("ECHO", "x"), noperm_command(b"echo"))

    def test_channel_permissions(self):
        c = self.client()
        self.expect(c, cmd("AUTH", "alice", "wonderland"), OK)
        self.expect(c, cmd("PUBLISH", "news.sport", "x"), b":0\r\n")
        self.expect(c, cmd("PUBLISH", "chat:1", "x"), b":0\r\n")
        self.expect(c, cmd("PUBLISH", "secret", "x"), NOPERM_CHANNEL)
        self.expect(c, cmd("PUBLISH", "news", "x"), NOPERM_CHANNEL, "news does not match news.*")
        self.expect(c, cmd("SPUBLISH", "news.a", "x"), noperm_command(b"spublish"))
        self.expect(c, cmd("INFO"), noperm_command(b"info"))
        # One forbidden channel refuses the whole command: nothing is subscribed.
        self.expect(c, cmd("SUBSCRIBE", "news.a", "secret"), NOPERM_CHANNEL)
        self.expect(c, cmd("PUBSUB", "NUMSUB", "news.a"), b"*2\r\n$6\r\nnews.a\r\n:0\r\n")
        self.expect(c, cmd("PING"), b"+PONG\r\n", "not in subscribed mode")
        # PSUBSCRIBE: the pattern must be one of the user's, character for character.
        for pattern in ("news.a*", "*", "news.?", "chat:[1]*"):
            self.expect(c, cmd("PSUBSCRIBE", pattern), NOPERM_CHANNEL, "PSUBSCRIBE " + pattern)
        self.expect(c, cmd("PSUBSCRIBE", "news.*", "chat:*"),
                    b"*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n*3\r\n$10\r\npsubscribe\r\n$6\r\nchat:*\r\n:2\r\n")
        self.expect(c, cmd("SUBSCRIBE", "news.a", "chat:x"),
                    b"*3\r\n$9\r\nsubscribe\r\n$6\r\nnews.a\r\n:3\r\n*3\r\n$9\r\nsubscribe\r\n$6\r\nchat:x\r\n:4\r\n")
        self.expect(c, cmd("SUBSCRIBE", "secret"), NOPERM_CHANNEL, "in subscribed mode")

        pub = self.client()
        self.expect(pub, cmd("AUTH", "s3cret"), OK)
        self.expect(pub, cmd("PUBLISH", "news.a", "hi"), b":2\r\n")
        self.expect(c, b"", b"*3\r\n$7\r\nmessage\r\n$6\r\nnews.a\r\n$2\r\nhi\r\n"
                    b"*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$6\r\nnews.a\r\n$2\r\nhi\r\n")

    def test_hello_auth(self):
        c = self.client()
        self.expect(c, cmd("HELLO", "3", "AUTH", "alice", "nope"), WRONGPASS)
        self.expect(c, cmd("HELLO", "3", "AUTH", "bob", "builder"), WRONGPASS)
        self.expect(c, cmd("PING"), NOAUTH)
        c.send(cmd("HELLO", "3", "AUTH", "alice", "wonderland", "SETNAME", "al"))
        hello = re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:ID\r\n", c.read_some(quiet=0.2, timeout=2))
        self.assertBytes(hello, b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                         b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
                         b"$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n", "HELLO 3 AUTH alice ...")
        self.expect(c, cmd("CLIENT", "GETNAME"), b"$2\r\nal\r\n")
        self.expect(c, cmd("PUBLISH", "secret", "x"), NOPERM_CHANNEL)
        self.expect(c, cmd("SUBSCRIBE", "news.a"), b">3\r\n$9\r\nsubscribe\r\n$6\r\nnews.a\r\n:1\r\n")
        self.expect(c, cmd("PUBLISH", "chat:2", "r3"), b":0\r\n", "RESP3: other commands in subscribed mode")

        d = self.client()
        d.send(cmd("HELLO", "2", "AUTH", "default", "s3cret"))
        reply = d.read_reply()
        self.assertEqual(reply[4:6], [b"proto", 2], reply)
        self.expect(d, cmd("PING"), b"+PONG\r\n")

    def test_python_redis_clients(self):
        port = self.server.port
        alice = redis.Redis(host="127.0.0.1", port=port, username="alice", password="wonderland",
                            socket_timeout=5)
        self.addCleanup(alice.close)
        self.assertEqual(alice.publish("news.a", "x"), 0)
        with self.assertRaises(redis.exceptions.NoPermissionError):
            alice.publish("secret", "x")
        admin = redis.Redis(host="127.0.0.1", port=port, password="s3cret", socket_timeout=5)
        self.addCleanup(admin.close)
        self.assertTrue(admin.ping())
        wrong = redis.Redis(host="127.0.0.1", port=port, username="alice", password="nope", socket_timeout=5)
        self.addCleanup(wrong.close)
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "^WRONGPASS "):
            wrong.ping()
        anonymous = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        self.addCleanup(anonymous.close)
        with self.assertRaisesRegex(redis.exceptions.AuthenticationError, "Authentication required"):
            anonymous.ping()

        p = alice.pubsub()
        self.addCleanup(p.close)
        p.subscribe("chat:1")
        self.assertEqual(p.get_message(timeout=5)["type"], "subscribe")
        self.assertEqual(admin.publish("chat:1", "hello"), 1)
        msg = p.get_message(timeout=5)
        self.assertEqual((msg["type"], msg["channel"], msg["data"]), ("message", b"chat:1", b"hello"))


if __name__ == "__main__":
    unittest.main()
