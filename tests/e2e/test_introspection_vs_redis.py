# Introspection replies byte for byte against redis-server's, side by side in one run: PUBSUB HELP
# whole; CLIENT HELP and COMMAND HELP as Redis's lines minus those of subcommands and options
# ringcast does not have (never reworded, never reordered); COMMAND LIST names only Redis commands;
# COMMAND DOCS carries Redis's summary, since, group and complexity; CLIENT INFO has Redis's fields, in Redis's
# order, with Redis's values where they do not depend on the connection. ringcast's own commands
# (RINGCAST_ONLY) are left out of the comparison; test_own_commands_are_documented covers them.

import unittest

from harness import ServerTestCase, cmd
from reference import start_reference

# CLIENT INFO fields that differ between any two connections or servers (ids, ports, buffers).
# Commands and subcommands Redis does not have, and the CLIENT HELP lines that describe them.
RINGCAST_ONLY = {b"mpublish", b"client|no-echo", b"history", b"resume"}
RINGCAST_ONLY_HELP = {b"NO-ECHO (ON|OFF)", b"    Do not send the current connection the messages it publishes itself."}

VOLATILE = {"id", "addr", "laddr", "fd", "age", "idle", "qbuf", "qbuf-free", "argv-mem", "rbs", "rbp",
            "obl", "oll", "omem", "tot-mem", "events"}


def fields(line):
    return [tuple(f.split("=", 1)) for f in line.decode().strip().split(" ")]


class IntrospectionVsRedisTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2)
        self.redis = start_reference(self)
        self.ours, self.theirs = self.client(), self.client(self.redis.port)

    def both(self, *args):
        replies = []
        for c in (self.ours, self.theirs):
            c.send(cmd(*args))
            replies.append(c.read_reply(timeout=5))
        return replies

    def both_raw(self, *args):
        out = []
        for c in (self.ours, self.theirs):
            c.send(cmd(*args) + cmd("PING", "end-of-reply"))
            data = b""
            while not data.endswith(b"$12\r\nend-of-reply\r\n"):
                chunk = c.read_exact(1, timeout=5)
                self.assertTrue(chunk, "reply cut short: %r" % data[-200:])
                data += chunk
            out.append(data[:-len(b"$12\r\nend-of-reply\r\n")])
        return out

    def assertSubsequence(self, ours, theirs, what):
        """Every line of ours is one of theirs, in their order; the first and last lines match."""
        it = iter(theirs)
        missing = [line for line in ours if not any(line == t for t in it)]
        self.assertEqual(missing, [], "%s: lines not in Redis's text (or out of its order)" % what)
        self.assertEqual((ours[0], ours[-2:]), (theirs[0], theirs[-2:]), what)

    def test_pubsub_help_is_redis_s(self):
        ours, theirs = self.both_raw("PUBSUB", "HELP")
        self.assertBytes(ours, theirs, "PUBSUB HELP")

    def test_client_help_is_redis_s_lines(self):
        ours, theirs = self.both("CLIENT", "HELP")
        self.assertEqual(RINGCAST_ONLY_HELP - set(ours), set(), "CLIENT HELP documents NO-ECHO")
        ours = [line for line in ours if line not in RINGCAST_ONLY_HELP]
        self.assertSubsequence(ours, theirs, "CLIENT HELP")
        for line in (b"KILL <ip:port>", b"    * SKIPME (YES|NO)", b"INFO", b"LIST [options ...]",
                     b"REPLY (ON|OFF|SKIP)"):
            self.assertIn(line, ours, "CLIENT HELP documents what ringcast does")

    def test_command_help_is_redis_s_lines(self):
        ours, theirs = self.both("COMMAND", "HELP")
        self.assertSubsequence(ours, theirs, "COMMAND HELP")
        for line in (b"LIST", b"DOCS [<command-name> ...]", b"COUNT"):
            self.assertIn(line, ours)

    def test_command_list_names_redis_commands(self):
        ours, theirs = self.both("COMMAND", "LIST")
        self.assertEqual(sorted(set(ours) - set(theirs)), sorted(RINGCAST_ONLY), "names Redis does not have")
        self.assertEqual(len(ours), len(set(ours)), "duplicates in COMMAND LIST")
        count, _ = self.both("COMMAND", "COUNT")
        self.assertEqual(count, len([n for n in ours if b"|" not in n]), "COMMAND COUNT vs LIST")
        for name in (b"subscribe", b"psubscribe", b"ssubscribe", b"publish", b"spublish", b"pubsub|numsub",
                     b"client|kill", b"client|reply", b"command|docs", b"hello", b"reset"):
            self.assertIn(name, ours)

    def test_command_docs_carry_redis_s_summary_since_group_and_complexity(self):
        names, _ = self.both("COMMAND", "LIST")
        for name in set(names) - RINGCAST_ONLY:
            ours, theirs = self.both("COMMAND", "DOCS", name)
            self.assertEqual(len(ours), 2, name)
            mine = dict(zip(ours[1][0::2], ours[1][1::2]))
            ref = dict(zip(theirs[1][0::2], theirs[1][1::2]))
            for key in (b"summary", b"since", b"group", b"complexity"):
                self.assertEqual(mine.get(key), ref.get(key), "COMMAND DOCS %s: %s" % (name.decode(), key.decode()))

    def test_command_docs_of_each_command_are_redis_s_bytes(self):
        """Every command ringcast has, and every subcommand, documented byte for byte as Redis
        documents it (arguments and history included), in RESP2 and in RESP3. Containers list
        only the subcommands ringcast has, so only their leaves are compared whole."""
        names, _ = self.both("COMMAND", "LIST")
        leaves = [n for n in names if n not in (b"pubsub", b"client", b"command", b"acl") and n not in RINGCAST_ONLY]
        for proto in (b"2", b"3"):
            self.both("HELLO", proto)
            for name in leaves:
                ours, theirs = self.both_raw("COMMAND", "DOCS", name)
                self.assertBytes(ours, theirs, "COMMAND DOCS %s (RESP%s)" % (name.decode(), proto.decode()))

    def test_own_commands_are_documented(self):
        """ringcast's own commands in COMMAND INFO and DOCS, in the shapes Redis gives its own."""
        for name in sorted(RINGCAST_ONLY):
            info, _ = self.both("COMMAND", "INFO", name)
            self.assertEqual(info[0][0], name)
            docs, _ = self.both("COMMAND", "DOCS", name)
            fields = dict(zip(docs[1][0::2], docs[1][1::2]))
            self.assertEqual(sorted(fields), [b"arguments", b"complexity", b"group", b"since", b"summary"], name)
            self.assertTrue(fields[b"summary"] and fields[b"arguments"], name)

    def test_client_info_has_redis_s_fields_and_values(self):
        ours, theirs = self.both("CLIENT", "INFO")
        self.assertTrue(ours.endswith(b"\n") and theirs.endswith(b"\n"), (ours, theirs))
        mine, ref = fields(ours), fields(theirs)
        # Another engineer adds a ringcast-only trailing `shard=<n>`: not Redis's, not compared.
        if mine and mine[-1][0] == "shard":
            mine = mine[:-1]
        self.assertEqual([k for k, _ in mine], [k for k, _ in ref], "CLIENT INFO field names and order")
        stable = lambda fs: [(k, v) for k, v in fs if k not in VOLATILE]  # noqa: E731
        self.assertEqual(stable(mine), stable(ref), "CLIENT INFO values that do not depend on the connection")
        # The volatile ones still describe this connection.
        mine = dict(mine)
        self.assertEqual(mine["addr"], "127.0.0.1:%d" % self.ours.sock.getsockname()[1])
        self.assertEqual(mine["laddr"], "127.0.0.1:%d" % self.server.port)


if __name__ == "__main__":
    unittest.main()
