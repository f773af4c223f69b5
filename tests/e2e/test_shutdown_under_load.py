# ringcast only: SIGTERM under publish load exits 0 within shutdown_timeout; each reading subscriber
# gets every message acknowledged before the signal, whole and in order, then a clean EOF.

import socket
import threading
import unittest

from harness import ServerTestCase, cmd, parse_reply, skip_unless_ringcast, wait_until

SHUTDOWN_TIMEOUT = 3
PUBLISHERS = 2
SUBSCRIBERS = 4
BODY = b"." * 1000
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$4\r\nload\r\n:1\r\n"


class Subscriber(threading.Thread):
    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock, self.data, self.end = sock, bytearray(), None

    def run(self):
        self.sock.settimeout(30)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    self.end = "eof"
                    return
                self.data += chunk
        except ConnectionResetError:
            self.end = "reset"
        except socket.timeout:
            self.end = "timeout"

    def messages(self):
        """(publisher, seq) of every whole message frame, and the bytes of a partial one."""
        out, pos, data = [], 0, bytes(self.data)
        while True:
            parsed = parse_reply(data, pos)
            if parsed is None:
                return out, len(data) - pos
            value, pos = parsed
            assert value[:2] == [b"message", b"load"], value
            head = value[2].split(b" ", 1)[0]
            p, seq = head.split(b":")
            out.append((int(p), int(seq)))


class Publisher(threading.Thread):
    """Publishes p:seq messages in pipelined batches of 8 until the connection ends; `acked` is
    the number of PUBLISHes answered so far (they are answered in order)."""

    def __init__(self, client, index):
        super().__init__(daemon=True)
        self.client, self.index, self.acked = client, index, 0

    def run(self):
        seq = 0
        try:
            while True:
                self.client.send(b"".join(cmd("PUBLISH", "load", b"%d:%d " % (self.index, seq + k) + BODY)
                                          for k in range(8)))
                seq += 8
                for _ in range(8):
                    reply = self.client.read_reply(timeout=10)
                    assert isinstance(reply, int), reply
                    self.acked += 1
        except (OSError, ConnectionError, TimeoutError):
            return


@skip_unless_ringcast("shutdown semantics (exit code, shutdown_timeout) are ringcast's own")
class ShutdownUnderLoadTest(ServerTestCase):
    def test_sigterm_during_load_flushes_and_exits_0(self):
        self.server = self.start_server(shards=2, config_text="shutdown_timeout: %d\n" % SHUTDOWN_TIMEOUT)
        subs = []
        for _ in range(SUBSCRIBERS):
            c = self.client(timeout=10)
            self.assertBytes(c.request(cmd("SUBSCRIBE", "load"), len(CONFIRM)), CONFIRM)
            subs.append(Subscriber(c.sock))
        pubs = [Publisher(self.client(timeout=10), i) for i in range(PUBLISHERS)]
        for t in subs + pubs:
            t.start()
        self.addCleanup(lambda: [t.join(10) for t in subs + pubs])

        # Under way: every subscriber has seen a good number of messages.
        self.assertTrue(wait_until(lambda: min(len(s.data) for s in subs) > 2000 * len(BODY), timeout=20),
                        "the load never got going")
        acked = [p.acked for p in pubs]  # answered before the signal
        rc, took = self.server.stop(check=False, timeout=SHUTDOWN_TIMEOUT + 5)
        self.assertEqual(rc, 0, "exit status after SIGTERM under load")
        self.assertLess(took, SHUTDOWN_TIMEOUT + 2, "shutdown took %.1fs (shutdown_timeout %ds)"
                        % (took, SHUTDOWN_TIMEOUT))
        for t in subs + pubs:
            t.join(10)
            self.assertFalse(t.is_alive(), "a client thread is still running after the daemon exited")

        for i, s in enumerate(subs):
            self.assertEqual(s.end, "eof", "subscriber %d: the connection ended with a %s" % (i, s.end))
            got, partial = s.messages()
            self.assertEqual(partial, 0, "subscriber %d: a message cut short at the close" % i)
            for p in range(PUBLISHERS):
                seqs = [seq for (q, seq) in got if q == p]
                self.assertEqual(seqs, list(range(len(seqs))),
                                 "subscriber %d: publisher %d's messages out of order or with gaps" % (i, p))
                self.assertGreaterEqual(len(seqs), acked[p],
                                        "subscriber %d: %d of publisher %d's messages, %d were acknowledged "
                                        "before SIGTERM" % (i, len(seqs), p, acked[p]))


if __name__ == "__main__":
    unittest.main()
