# ACL LOG and INFO's acl_access_denied_*: failed AUTH (unknown user, wrong
# password, HELLO AUTH, HTTP Basic), a command and a channel a user may not
# use, each logged as Redis 7.0.15 logs it (newest first, repeats grouped),
# ACL LOG <count> and RESET, RESP2 and RESP3 shapes.

import base64
import http.client
import re
import unittest

from harness import ServerTestCase, cmd, info_fields, skip_unless_ringcast

CONFIG = """requirepass: s3cret
users:
  alice: "on >pw +@pubsub +@connection +acl|whoami &news*"
metrics:
  enabled: true
  bind: 127.0.0.1
  port: 0
"""

WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


def fields(entry):
    """An ACL LOG entry (a RESP2 flat array or a RESP3 map) as a dict of str -> value."""
    if isinstance(entry, dict):
        return {k.decode(): v for k, v in entry.items()}
    return {entry[i].decode(): entry[i + 1] for i in range(0, len(entry), 2)}


@skip_unless_ringcast("the users come from ringcast's YAML; redis-server takes them otherwise")
class AclLogTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2, config_text=CONFIG)
        self.admin = self.client()
        self.assertBytes(self.admin.request(cmd("AUTH", "s3cret"), 5), b"+OK\r\n")

    def acl_log(self, *args, client=None):
        c = client or self.admin
        c.send(cmd("ACL", "LOG", *args))
        return c.read_reply(timeout=5)

    def refuse_some(self):
        c = self.client()
        self.assertBytes(c.request(cmd("AUTH", "nobody", "x"), len(WRONGPASS)), WRONGPASS)
        self.assertBytes(c.request(cmd("auth", "alice", "wrong"), len(WRONGPASS)), WRONGPASS)
        self.assertBytes(c.request(cmd("AUTH", "alice", "wrong"), len(WRONGPASS)), WRONGPASS)
        self.assertBytes(c.request(cmd("AUTH", "alice", "again"), len(WRONGPASS)), WRONGPASS)
        self.assertBytes(c.request(cmd("HELLO", "3", "AUTH", "bob", "z"), len(WRONGPASS)), WRONGPASS)
        self.assertBytes(c.request(cmd("AUTH", "alice", "pw"), 5), b"+OK\r\n")
        nochannel = b"-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"
        self.assertBytes(c.request(cmd("PUBLISH", "other", "hi"), len(nochannel)), nochannel)
        nocommand = b"-NOPERM this user has no permissions to run the 'info' command\r\n"
        self.assertBytes(c.request(cmd("INFO"), len(nocommand)), nocommand)
        return c

    def test_refusals_are_logged_newest_first_and_counted(self):
        alice = self.refuse_some()
        entries = [fields(e) for e in self.acl_log()]
        got = [(e["count"], e["reason"], e["context"], e["object"], e["username"]) for e in entries]
        self.assertEqual(got, [
            (1, b"command", b"toplevel", b"info", b"alice"),
            (1, b"channel", b"toplevel", b"other", b"alice"),
            (1, b"auth", b"toplevel", b"HELLO", b"bob"),
            (2, b"auth", b"toplevel", b"AUTH", b"alice"),   # two AUTH as typed: grouped
            (1, b"auth", b"toplevel", b"auth", b"alice"),
            (1, b"auth", b"toplevel", b"AUTH", b"nobody"),
        ])
        addr = "addr=127.0.0.1:%d " % alice.sock.getsockname()[1]
        for e in entries:
            self.assertGreaterEqual(float(e["age-seconds"]), 0.0)
            self.assertLess(float(e["age-seconds"]), 10.0)
            self.assertIn(addr, e["client-info"].decode())
        self.assertIn(" cmd=info user=alice ", entries[0]["client-info"].decode())
        self.assertIn(" cmd=auth user=default ", entries[3]["client-info"].decode())

        info = info_fields(self.admin, "stats")
        self.assertEqual((info["acl_access_denied_auth"], info["acl_access_denied_cmd"],
                          info["acl_access_denied_key"], info["acl_access_denied_channel"]), ("5", "1", "0", "1"))

        self.assertEqual(len(self.acl_log("2")), 2)
        self.assertEqual(self.acl_log("-1"), [])
        self.assertEqual(self.acl_log("abc"), b"ERR value is not an integer or out of range")
        self.assertBytes(self.admin.request(cmd("ACL", "LOG", "reset"), 5), b"+OK\r\n")
        self.assertEqual(self.acl_log(), [])
        # The counters are totals since start: RESET empties only the log.
        self.assertEqual(info_fields(self.admin, "stats")["acl_access_denied_auth"], "5")

    def test_resp3_entries_are_maps_with_a_double_age(self):
        self.refuse_some()
        self.admin.send(cmd("HELLO", "3"))
        self.admin.read_reply(timeout=5)
        self.admin.send(cmd("ACL", "LOG", "1"))
        raw = self.admin.read_some(quiet=0.2)
        self.assertTrue(raw.startswith(b"*1\r\n%7\r\n$5\r\ncount\r\n:1\r\n$6\r\nreason\r\n$7\r\ncommand\r\n"), raw)
        self.assertRegex(raw, rb"\$11\r\nage-seconds\r\n,[0-9.e-]+\r\n\$11\r\nclient-info\r\n")

    def test_http_basic_failures_are_logged_and_counted(self):
        line = self.server.wait_for_log("HTTP listening on 127.0.0.1:", timeout=5)
        port = int(re.search(r"HTTP listening on 127\.0\.0\.1:(\d+)", line).group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        token = base64.b64encode(b"alice:nope").decode()
        conn.request("GET", "/stats", headers={"Authorization": "Basic " + token})
        self.assertEqual(conn.getresponse().status, 401)
        conn.close()
        entry = fields(self.acl_log("1")[0])
        self.assertEqual((entry["reason"], entry["context"], entry["username"]), (b"auth", b"http", b"alice"))
        self.assertRegex(entry["client-info"].decode(), r"^addr=127\.0\.0\.1:\d+ ")
        self.assertEqual(info_fields(self.admin, "stats")["acl_access_denied_auth"], "1")

    def test_acl_log_needs_admin_and_whoami_names_the_user(self):
        alice = self.client()
        self.assertBytes(alice.request(cmd("AUTH", "alice", "pw"), 5), b"+OK\r\n")
        self.assertBytes(alice.request(cmd("ACL", "WHOAMI"), 11), b"$5\r\nalice\r\n")
        refusal = b"-NOPERM this user has no permissions to run the 'acl|log' command\r\n"
        self.assertBytes(alice.request(cmd("ACL", "LOG"), len(refusal)), refusal)
        self.assertBytes(self.admin.request(cmd("ACL", "WHOAMI"), 13), b"$7\r\ndefault\r\n")


class AclLogVsRedisTest(ServerTestCase):
    """What needs no users: the replies redis-server 7.0.15 gives too (also run against it)."""

    def test_empty_log_and_argument_errors(self):
        self.server = self.start_server(shards=1)
        c = self.client()
        for args, expected in [
            (("ACL", "LOG"), b"*0\r\n"),
            (("ACL", "LOG", "5"), b"*0\r\n"),
            (("ACL", "LOG", "RESET"), b"+OK\r\n"),
            (("ACL", "LOG", "x"), b"-ERR value is not an integer or out of range\r\n"),
            (("ACL", "LOG", "1", "2"), b"-ERR unknown subcommand or wrong number of arguments for 'LOG'. "
                                       b"Try ACL HELP.\r\n"),
            (("ACL", "WHOAMI"), b"$7\r\ndefault\r\n"),
            (("ACL",), b"-ERR wrong number of arguments for 'acl' command\r\n"),
        ]:
            self.assertBytes(c.request(cmd(*args), len(expected)), expected, repr(args))


if __name__ == "__main__":
    unittest.main()
