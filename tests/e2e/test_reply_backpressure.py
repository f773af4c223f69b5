# A client that sends requests and never reads the replies (even one that
# has not authenticated): ringcast stops reading it once its unsent replies
# pass limits.output.pause_reading, so it costs a bounded amount of memory
# and is slowed, not cut, while other clients are served as usual. And the
# normal-class output limit holds for replies, as Redis's does.

import os
import socket
import threading
import time

from harness import ServerTestCase, client_list_entry, cmd, read_rss_kib, skip_unless_ringcast
from limits_log import output_cut

# Sanitizer builds hold more memory and run slower; their presets scale the
# bounds by this factor (3 under ASan, 8 under TSan).
FACTOR = float(os.environ.get("RINGCAST_TEST_RSS_FACTOR", "1"))
RSS_BOUND_KIB = 64 * 1024 * FACTOR


class SocketPeer:
    """What client_list_entry needs of a peer: its socket."""

    def __init__(self, sock):
        self.sock = sock


@skip_unless_ringcast("Redis has no read back-pressure: it buffers every reply")
class ReplyBackpressureTest(ServerTestCase):
    def flood(self, port, stop, payload):
        """Sends `payload` in a loop, never reading, until `stop` is set."""
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(0.2)
        sent = 0
        while not stop.is_set():
            try:
                sent += s.send(payload)
            except socket.timeout:
                continue
            except OSError:
                break
        self.flood_result = (s, sent)

    def test_unread_replies_pause_reading_instead_of_growing_memory(self):
        self.server = self.start_server(shards=2, config_text="requirepass: s3cret\n")
        baseline = read_rss_kib(self.server.pid)
        stop = threading.Event()
        attacker = threading.Thread(target=self.flood, args=(self.server.port, stop, b"x\r\n" * 100000))
        attacker.start()
        try:
            other = self.client()
            self.assertBytes(other.request(cmd("AUTH", "s3cret"), 5), b"+OK\r\n")
            worst = 0.0
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                started = time.monotonic()
                self.assertBytes(other.request(cmd("PING"), 7), b"+PONG\r\n")
                worst = max(worst, time.monotonic() - started)
                time.sleep(0.05)
            grown = read_rss_kib(self.server.pid) - baseline
        finally:
            stop.set()
            attacker.join(10)
        attacker_socket, sent = self.flood_result
        self.assertLess(grown, RSS_BOUND_KIB, "RSS grew %d KiB while the client sent %d bytes" % (grown, sent))
        self.assertLess(worst, 0.05 * FACTOR, "another client's PING took %.3f s" % worst)
        # Slowed, not cut: the daemon still holds the connection and its paused replies.
        entry = client_list_entry(other, SocketPeer(attacker_socket))
        self.assertIsNotNone(entry, "the flooding client was disconnected")
        self.assertGreater(int(entry["omem"]), 0)
        self.assertLess(int(entry["omem"]), 1024 * 1024)
        attacker_socket.close()

    def test_pipelined_client_that_reads_late_gets_every_reply(self):
        self.server = self.start_server(shards=2, config_text="limits:\n  output:\n    pause_reading: 64kb\n")
        c = self.client(timeout=20)
        arg = b"r" * 1000
        n = 20000  # 20 MB of replies, paused and resumed many times over
        # Sent from a thread: once reading is paused, the requests wait in the kernel's socket
        # buffers (the epoll backend leaves every unread byte there), and 20 MB of them outgrow
        # those; sending must go on while the client reads.
        sender = threading.Thread(target=c.send, args=(cmd("ECHO", arg) * n,), daemon=True)
        sender.start()
        time.sleep(0.5)  # reads late: the replies pile up and reading pauses first
        reply = b"$1000\r\n" + arg + b"\r\n"
        got = c.read_exact(len(reply) * n, timeout=20)
        sender.join(timeout=20)
        self.assertFalse(sender.is_alive(), "the requests were never all taken in")
        self.assertEqual(len(got), len(reply) * n)
        self.assertTrue(got == reply * n, "replies out of order or corrupted")
        self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")

    def test_normal_output_limit_cuts_a_client_holding_replies(self):
        config = "limits:\n  output:\n    normal: {hard: 1mb, soft: 0, soft_seconds: 0}\n    pause_reading: 0\n"
        self.server = self.start_server(shards=1, config_text=config)
        c = self.client(rcvbuf=4096, timeout=10)
        arg = b"n" * 10000
        try:
            c.send(cmd("ECHO", arg) * 2000)  # 20 MB of replies it never reads
        except OSError:
            pass
        cut = output_cut(self.server, c)
        self.assertIsNotNone(cut, "a client with 20 MB of unread replies was never cut")
        self.assertEqual(cut.which, "hard", cut.line)
        self.assertLess(cut.held, 1024 * 1024 + 20000, "cut only at %d bytes: %s" % (cut.held, cut.line))
        self.assertTrue(c.is_closed(timeout=5))


if __name__ == "__main__":
    import unittest
    unittest.main()
