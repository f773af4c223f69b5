# ringcast only: users reloaded on SIGHUP. Connections of a removed or disabled user are closed, a
# subscriber whose channels were narrowed is closed, others pick up their user's new rules.

import unittest

from harness import ServerTestCase, client_list_entry, cmd, skip_unless_ringcast, wait_until

NOPERM_PUBLISH = b"-NOPERM this user has no permissions to run the 'publish' command\r\n"


def config(**users):
    """Users as name=rules; `canary` is always there (see wait_applied)."""
    users.setdefault("canary", "on nopass +@all allchannels")
    return "users:\n" + "".join('  %s: "%s"\n' % kv for kv in sorted(users.items()))


def reply(client, request):
    """Sends one request and returns its parsed reply (an error's text without '-')."""
    client.send(request)
    return client.read_reply()


def confirm(channel, n=1):
    return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (len(channel), channel, n)


ALICE = "on >wonderland +@pubsub +@connection &news.* &chat:*"
BOB = "on >builder +@pubsub +@connection allchannels"


@skip_unless_ringcast("users come from ringcast's config file and are reloaded on SIGHUP")
class AclReloadTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2, config_text=config(alice=ALICE, bob=BOB))
        # One canary connection per shard (connections are dealt out round-robin).
        self.canaries = [self.login("canary", "x") for _ in range(2)]
        shards = {client_list_entry(self.canaries[0], c)["shard"] for c in self.canaries}
        self.assertEqual(shards, {"0", "1"}, "the canaries do not cover both shards")

    def login(self, user, password):
        c = self.client()
        self.assertBytes(c.request(cmd("AUTH", user, password), 5), b"+OK\r\n", "AUTH %s" % user)
        return c

    def reload(self, **users):
        """Rewrites the users, sends SIGHUP and returns once every shard applied it: each reload
        takes PUBLISH away from the canary user, which both canary connections then see."""
        users["canary"] = "on nopass +@all -publish allchannels"
        since = len(self.server.log_bytes())
        self.server.write_config(config(**users))
        self.server.reload()
        self.assertIsNotNone(self.server.wait_for_log("SIGHUP: users:", since=since), "the reload was not logged")
        for i, c in enumerate(self.canaries):
            self.assertTrue(wait_until(lambda: reply(c, cmd("PUBLISH", "x", "y")) == NOPERM_PUBLISH[1:-2], timeout=5),
                            "shard of canary %d never applied the reload" % i)

    def test_removing_a_user_closes_its_connections(self):
        alices = [self.login("alice", "wonderland") for _ in range(3)]
        bob = self.login("bob", "builder")
        anonymous = self.client()
        self.reload(bob=BOB)
        for i, c in enumerate(alices):
            self.assertTrue(c.is_closed(timeout=5), "alice's connection %d is still open" % i)
        self.assertBytes(bob.request(cmd("PUBLISH", "any", "x"), 4), b":0\r\n")
        self.assertBytes(anonymous.request(cmd("PING"), 7), b"+PONG\r\n")
        wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        self.assertBytes(anonymous.request(cmd("AUTH", "alice", "wonderland"), len(wrongpass)), wrongpass)
        line = self.server.wait_for_log("SIGHUP: users:")
        self.assertIn("alice, bob", line)
        self.assertIn("-> requirepass unset, bob", line.replace("canary, ", ""))

    def test_disabling_a_user_closes_its_connections(self):
        alice = self.login("alice", "wonderland")
        self.reload(alice="off" + ALICE[len("on"):], bob=BOB)
        self.assertTrue(alice.is_closed(timeout=5), "a disabled user's connection is still open")

    def test_narrowing_channels_closes_the_subscriber_that_lost_one(self):
        chat = self.login("alice", "wonderland")
        self.assertBytes(chat.request(cmd("SUBSCRIBE", "chat:1"), len(confirm(b"chat:1"))), confirm(b"chat:1"))
        news = self.login("alice", "wonderland")
        self.assertBytes(news.request(cmd("SUBSCRIBE", "news.1"), len(confirm(b"news.1"))), confirm(b"news.1"))
        self.reload(alice="on >wonderland +@pubsub +@connection &news.*", bob=BOB)
        self.assertTrue(chat.is_closed(timeout=5), "the chat:1 subscriber kept a channel alice lost")
        line = self.server.wait_for_log("may not keep its subscriptions")
        self.assertIsNotNone(line)
        pub = self.login("bob", "builder")
        self.assertBytes(pub.request(cmd("PUBLISH", "chat:1", "x"), 4), b":0\r\n")
        self.assertBytes(pub.request(cmd("PUBLISH", "news.1", "still"), 4), b":1\r\n")
        msg = b"*3\r\n$7\r\nmessage\r\n$6\r\nnews.1\r\n$5\r\nstill\r\n"
        self.assertBytes(news.read_exact(len(msg)), msg, "the news.1 subscriber after the reload")

    def test_new_rules_apply_to_connected_clients(self):
        alice = self.login("alice", "wonderland")
        self.assertBytes(alice.request(cmd("PUBLISH", "news.a", "x"), 4), b":0\r\n")
        self.reload(alice="on >newpass +@pubsub +@connection -publish &news.* &chat:*", bob=BOB)
        # Still logged in (a password change does not log anyone out, as in Redis) ...
        self.assertBytes(alice.request(cmd("PING"), 7), b"+PONG\r\n")
        # ... but under the new rules.
        self.assertBytes(alice.request(cmd("PUBLISH", "news.a", "x"), len(NOPERM_PUBLISH)), NOPERM_PUBLISH)
        wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        other = self.client()
        self.assertBytes(other.request(cmd("AUTH", "alice", "wonderland"), len(wrongpass)), wrongpass)
        self.assertBytes(other.request(cmd("AUTH", "alice", "newpass"), 5), b"+OK\r\n")

    def test_requirepass_added_by_reload(self):
        anonymous = self.client()
        self.assertBytes(anonymous.request(cmd("PING"), 7), b"+PONG\r\n")
        since = len(self.server.log_bytes())
        self.server.write_config("requirepass: s3cret\n" + config(alice=ALICE))
        self.server.reload()
        self.assertIsNotNone(self.server.wait_for_log("SIGHUP: users: requirepass unset", since=since))
        noauth = b"-NOAUTH Authentication required.\r\n"
        self.assertTrue(wait_until(lambda: reply(self.client(), cmd("PING")) == noauth[1:-2], timeout=5),
                        "a new connection needs no AUTH after requirepass was set")
        self.assertBytes(self.client().request(cmd("AUTH", "s3cret"), 5), b"+OK\r\n")
        # Connected before, as in Redis: still logged in as default.
        self.assertBytes(anonymous.request(cmd("PING"), 7), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main()
