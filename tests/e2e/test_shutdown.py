# Graceful shutdown (ringcast only): SIGTERM with subscribers connected, even stalled ones with
# queued output, ends the daemon with exit code 0 within a bound, and clients see the close.

import time
import unittest

from harness import ServerTestCase, cmd, skip_unless_ringcast

CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$4\r\ndown\r\n:1\r\n"


@skip_unless_ringcast("shutdown semantics (exit code, shutdown_timeout) are ringcast's own")
class ShutdownTest(ServerTestCase):
    def subscribe(self, **kw):
        c = self.client(**kw)
        self.assertBytes(c.request(cmd("SUBSCRIBE", "down"), len(CONFIRM), timeout=5), CONFIRM)
        return c

    def test_sigterm_idle(self):
        self.server = self.start_server(shards=2)
        rc, took = self.server.stop(check=False)
        self.assertEqual(rc, 0, self.server.log())
        self.assertLess(took, 3.0, "idle shutdown took %.1fs" % took)

    def test_sigterm_with_subscribers_connected(self):
        self.server = self.start_server(shards=2)
        subs = [self.subscribe() for _ in range(4)]  # both shards
        pub = self.client()
        self.assertBytes(pub.request(cmd("PUBLISH", "down", "x"), 4, timeout=5), b":4\r\n")
        frame = b"*3\r\n$7\r\nmessage\r\n$4\r\ndown\r\n$1\r\nx\r\n"
        for i, s in enumerate(subs):
            self.assertBytes(s.read_exact(len(frame), timeout=2), frame, "subscriber %d" % i)
        rc, took = self.server.stop(check=False)
        self.assertEqual(rc, 0, self.server.log())
        self.assertLess(took, 3.0, "shutdown with subscribers took %.1fs" % took)
        for i, s in enumerate(subs):
            self.assertTrue(s.is_closed(timeout=2), "subscriber %d still connected after exit" % i)
            self.assertBytes(bytes(s.buf), b"", "subscriber %d got bytes at shutdown" % i)

    def test_sigterm_with_a_stalled_subscriber_is_bounded(self):
        # shutdown_timeout bounds how long queued output to a client that never reads may delay exit.
        self.server = self.start_server(shards=2, config_text="shutdown_timeout: 1\n")
        stalled = self.subscribe(rcvbuf=4096)
        self.subscribe()
        pub = self.client()
        big = b"y" * (256 * 1024)
        for _ in range(8):  # 2 MiB queued for the stalled subscriber
            self.assertBytes(pub.request(cmd("PUBLISH", "down", big), 4, timeout=5), b":2\r\n")
        time.sleep(0.1)
        rc, took = self.server.stop(check=False, timeout=10)
        self.assertEqual(rc, 0, self.server.log())
        self.assertLess(took, 4.0, "shutdown with a stalled subscriber took %.1fs (shutdown_timeout 1s)" % took)
        self.assertTrue(stalled.is_closed(timeout=5), "stalled subscriber still connected after exit")


if __name__ == "__main__":
    unittest.main()
