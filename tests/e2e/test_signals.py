# ringcast only: SIGHUP with the config file gone or unreadable keeps the daemon serving on its
# running configuration and logs why (as an error, naming the file); a later good file still
# reloads. SIGINT shuts down as SIGTERM does: output flushed, exit status 0, "bye" last.

import os
import signal
import unittest

from harness import ServerTestCase, cmd, skip_unless_ringcast

CONFIG = "log:\n  level: info\n"


@skip_unless_ringcast("signals and the config file are ringcast's")
class SignalsTest(ServerTestCase):
    def hup_and_expect(self, needle):
        since = len(self.server.log_bytes())
        self.server.reload()
        line = self.server.wait_for_log(needle, timeout=5, since=since)
        self.assertIsNotNone(line, "no %r in the log after SIGHUP:\n%s"
                             % (needle, self.server.log_bytes()[since:].decode(errors="replace")))
        return line

    def test_sighup_with_a_missing_or_unreadable_file(self):
        self.server = self.start_server(shards=2, config_text=CONFIG)
        c = self.client()
        path = self.server.config_path
        for break_it, why, fix in ((lambda: os.remove(path), "cannot open: No such file or directory", None),
                                   (lambda: os.mkdir(path), "cannot read: Is a directory", lambda: os.rmdir(path))):
            break_it()
            line = self.hup_and_expect("keeping the running configuration")
            self.assertIn("[error]", line)
            self.assertIn(path, line)
            self.assertIn(why, line)
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n", "serving after: " + why)
            self.assertBytes(self.client().request(cmd("PING"), 7), b"+PONG\r\n", "accepting after: " + why)
            if fix:
                fix()
        # The file back, changed: it is read again.
        self.server.write_config("log:\n  level: debug\n")
        self.hup_and_expect("SIGHUP: log.level: 'info' -> 'debug'")

    def test_sigint_is_a_clean_shutdown(self):
        self.server = self.start_server(shards=2)
        sub = self.client()
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nint\r\n:1\r\n"
        self.assertBytes(sub.request(cmd("SUBSCRIBE", "int"), len(confirm)), confirm)
        pub = self.client()
        self.assertBytes(pub.request(cmd("PUBLISH", "int", "last words"), 4), b":1\r\n")
        self.server.proc.send_signal(signal.SIGINT)
        self.assertEqual(self.server.proc.wait(timeout=10), 0, self.server.log())
        last = b"*3\r\n$7\r\nmessage\r\n$3\r\nint\r\n$10\r\nlast words\r\n"
        self.assertBytes(sub.read_exact(len(last), timeout=5), last, "the message published before SIGINT, then the close")
        self.assertTrue(sub.is_closed(timeout=5))
        log = self.server.log_bytes().decode(errors="replace").strip().splitlines()
        self.assertIn("received SIGINT, shutting down", "\n".join(log))
        self.assertTrue(log[-1].endswith("[info] bye"), log[-3:])


if __name__ == "__main__":
    unittest.main()
