# ACL end to end where no other test looks, byte for byte as Redis 7 (the users of test_acl_auth):
# RESET after AUTH as a restricted user drops the user with everything else (back to the default
# user, which needs requirepass: NOAUTH again) and its subscriptions; SSUBSCRIBE / SPUBLISH are
# refused for channels and commands the user lacks, and a refused SSUBSCRIBE subscribes nothing.

import unittest

from barrier import until_ping
from harness import ServerTestCase, cmd
from test_acl_auth import NOAUTH, NOPERM_CHANNEL, OK, noperm_command, start_acl_server

RESET = b"+RESET\r\n"


def shard_confirm(kind, channel, count):
    return b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(kind), kind, len(channel), channel, count)


class AclResetAndShardChannelsTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = start_acl_server(self)
        self.admin = self.client()
        self.expect(self.admin, cmd("AUTH", "s3cret"), OK)

    def expect(self, c, request, reply, what=""):
        self.assertBytes(c.request(request, len(reply), timeout=5), reply, what or repr(request[:80]))

    def alice(self):
        c = self.client()
        self.expect(c, cmd("AUTH", "alice", "wonderland"), OK)
        return c

    def test_reset_after_auth_as_alice(self):
        c = self.alice()
        self.expect(c, cmd("SUBSCRIBE", "news.a"), shard_confirm(b"subscribe", b"news.a", 1))
        self.expect(c, cmd("RESET"), RESET)
        # The default user needs requirepass: the connection is not authenticated any more.
        self.expect(c, cmd("PING"), NOAUTH, "PING after RESET")
        self.expect(c, cmd("SUBSCRIBE", "news.a"), NOAUTH)
        # Its subscription went with the reset.
        self.expect(self.admin, cmd("PUBLISH", "news.a", "x"), b":0\r\n")
        self.expect(self.admin, cmd("PUBSUB", "NUMSUB", "news.a"), b"*2\r\n$6\r\nnews.a\r\n:0\r\n")
        # Authenticating again works, as the default user with its own rights (not alice's).
        self.expect(c, cmd("AUTH", "s3cret"), OK)
        self.expect(c, cmd("SUBSCRIBE", "secret"), shard_confirm(b"subscribe", b"secret", 1))
        self.assertBytes(until_ping(c), b"", "nothing left over from before the reset")

    def test_reset_after_hello_3_auth_as_alice(self):
        c = self.client()
        c.send(cmd("HELLO", "3", "AUTH", "alice", "wonderland"))
        self.assertIsInstance(c.read_reply(timeout=5), dict, "HELLO 3 reply")
        self.expect(c, cmd("SUBSCRIBE", "chat:1"), b">3\r\n$9\r\nsubscribe\r\n$6\r\nchat:1\r\n:1\r\n")
        self.expect(c, cmd("RESET"), RESET)
        self.expect(c, cmd("PING"), NOAUTH, "RESP2 again and not authenticated")
        self.expect(self.admin, cmd("PUBLISH", "chat:1", "x"), b":0\r\n")

    def test_ssubscribe_and_spublish_denied(self):
        c = self.alice()
        self.expect(c, cmd("SSUBSCRIBE", "secret"), NOPERM_CHANNEL)
        # One channel it may not have refuses the whole command: news.b is not subscribed either.
        self.expect(c, cmd("SSUBSCRIBE", "news.b", "secret"), NOPERM_CHANNEL)
        self.expect(self.admin, cmd("PUBSUB", "SHARDNUMSUB", "news.b", "secret"),
                    b"*4\r\n$6\r\nnews.b\r\n:0\r\n$6\r\nsecret\r\n:0\r\n")
        # alice lacks SPUBLISH (-spublish) even on her own channels.
        self.expect(c, cmd("SPUBLISH", "news.a", "x"), noperm_command(b"spublish"))
        self.expect(c, cmd("SSUBSCRIBE", "news.a"), shard_confirm(b"ssubscribe", b"news.a", 1))
        self.expect(self.admin, cmd("SPUBLISH", "news.a", "hello"), b":1\r\n")
        msg = b"*3\r\n$8\r\nsmessage\r\n$6\r\nnews.a\r\n$5\r\nhello\r\n"
        self.assertBytes(c.read_exact(len(msg), timeout=5), msg)
        # The refused publishes reached nobody.
        self.assertBytes(until_ping(c), b"", "a refused publish was delivered")
        self.expect(self.admin, cmd("SPUBLISH", "secret", "x"), b":0\r\n")


if __name__ == "__main__":
    unittest.main()
