# ringcast only: SIGHUP re-reads the config file. Live settings change (each change is logged and
# takes effect), an invalid file changes nothing and says why, and a new port needs a restart.

import socket
import time
import unittest

from harness import ServerTestCase, cmd, free_port, skip_unless_ringcast

BEFORE = "log:\n  level: info\n"
AFTER = ("timeout: 1\nlog:\n  level: debug\nlimits:\n  output:\n"
         "    pubsub: {hard: 1mb, soft: 0, soft_seconds: 0}\n")


@skip_unless_ringcast("SIGHUP and the config file are ringcast's")
class SighupReloadTest(ServerTestCase):
    def hup(self, text):
        """Writes `text` as the config, sends SIGHUP, returns the log offset before it."""
        since = len(self.server.log_bytes())
        self.server.write_config(text)
        self.server.reload()
        return since

    def logged(self, needle, since, timeout=5):
        line = self.server.wait_for_log(needle, timeout=timeout, since=since)
        self.assertIsNotNone(line, "the log never said %r after the SIGHUP:\n%s"
                             % (needle, self.server.log_bytes()[since:].decode(errors="replace")))
        return line

    def test_live_settings_change_and_take_effect(self):
        self.server = self.start_server(shards=2, config_text=BEFORE)
        stalled = self.client(rcvbuf=4096, timeout=10)
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nhup\r\n:1\r\n"
        self.assertBytes(stalled.request(cmd("SUBSCRIBE", "hup"), len(confirm)), confirm)
        pub = self.client(timeout=10)

        since = self.hup(AFTER)
        self.logged("SIGHUP: log.level: 'info' -> 'debug'", since)
        self.logged("SIGHUP: timeout: 0 -> 1", since)
        self.logged("SIGHUP: limits.output.pubsub: {hard: 33554432, soft: 8388608, soft_seconds: 60} -> "
                    "{hard: 1048576, soft: 0, soft_seconds: 0}", since)
        self.assertNotIn(b"needs a restart", self.server.log_bytes()[since:])

        # log.level: debug lines appear (a new connection is one).
        idle = self.client()
        t_idle = time.monotonic()
        self.logged("addr=127.0.0.1:%d connected" % idle.sock.getsockname()[1], since)
        # limits.output.pubsub: the stalled subscriber goes at 1 MiB now, not 32 MiB.
        big = b"h" * 65536
        for _ in range(128):  # 8 MiB
            pub.send(cmd("PUBLISH", "hup", big))
            if pub.read_reply() == 0:
                break
        line = self.logged("addr=127.0.0.1:%d " % stalled.sock.getsockname()[1], since)
        self.assertIn("over its hard limit (1048576 ", line)
        # timeout: an idle client goes after about a second.
        self.assertTrue(idle.is_closed(timeout=5), "an idle client stayed with timeout 1")
        self.assertGreaterEqual(time.monotonic() - t_idle, 0.9)
        self.assertBytes(self.client().request(cmd("PING"), 7), b"+PONG\r\n")

    def test_invalid_file_keeps_the_running_config(self):
        self.server = self.start_server(shards=2, config_text=BEFORE)
        c = self.client()
        for bad, why in (("limits:\n  output:\n    pubsub: {hard: banana}\n", ":3: limits.output.pubsub.hard"),
                         ("log:\n  level: info\nno_such_key: 1\n", ":3"),
                         ("log: [unclosed\n", "ringcast.yaml"),
                         ('users:\n  eve: "on +nosuchcommand"\n', "users.eve")):
            since = self.hup(bad)
            line = self.logged("is invalid, keeping the running configuration", since)
            self.assertIn("[error]", line)
            self.assertIn(why, line, "the log does not say where the file is wrong")
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n", "serving after an invalid reload")
        # The running configuration is the original one, whole: reloading it changes nothing.
        since = self.hup(BEFORE)
        self.logged("reloaded, no live setting changed", since)
        new = self.client()
        self.assertBytes(new.request(cmd("PING"), 7), b"+PONG\r\n", "accepting after an invalid reload")

    def test_new_port_needs_a_restart(self):
        self.server = self.start_server(shards=2, config_text=BEFORE, port_in_config=True)
        port = self.server.port
        other = free_port()
        since = self.hup("port: %d\n" % other + BEFORE)
        self.logged("SIGHUP: port: %d -> %d (needs a restart; kept %d)" % (port, other, port), since)
        self.logged("no live setting changed", since)
        self.assertBytes(self.client().request(cmd("PING"), 7), b"+PONG\r\n", "the old port")
        with self.assertRaises(ConnectionRefusedError, msg="something listens on the new port"):
            socket.create_connection(("127.0.0.1", other), timeout=2).close()

    def test_sighup_without_a_config_file(self):
        self.server = self.start_server(shards=2)
        self.server.reload()
        self.assertIsNotNone(self.server.wait_for_log("SIGHUP: started without --config, nothing to reload"))
        self.assertBytes(self.client().request(cmd("PING"), 7), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main()
