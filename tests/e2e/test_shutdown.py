# Graceful shutdown (ringcast only): SIGTERM with subscribers connected, even stalled ones with
# queued output, ends the daemon with exit code 0 within a bound, and clients see the close.

import unittest

from harness import ServerTestCase, client_list_entry, cmd, skip_unless_ringcast, wait_until

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
        # Publish until the daemon itself holds output for the stalled subscriber (the kernel takes
        # the first few MiB): only then is there something for shutdown_timeout to bound.
        def queued():
            self.assertBytes(pub.request(cmd("PUBLISH", "down", big), 4, timeout=5), b":2\r\n")
            return int((client_list_entry(pub, stalled) or {}).get("omem", 0)) >= 1 << 20
        self.assertTrue(wait_until(queued, 20, interval=0), "no output queued in the daemon after 20 s")
        rc, took = self.server.stop(check=False, timeout=10)
        self.assertEqual(rc, 0, self.server.log())
        self.assertLess(took, 4.0, "shutdown with a stalled subscriber took %.1fs (shutdown_timeout 1s)" % took)
        # It did try to flush for shutdown_timeout first, rather than dropping the output at once.
        self.assertGreaterEqual(took, 0.9, "exit after %.2fs: the queued output was not given its second" % took)
        self.assertTrue(stalled.is_closed(timeout=5), "stalled subscriber still connected after exit")


if __name__ == "__main__":
    unittest.main()
