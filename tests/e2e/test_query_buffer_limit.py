# limits.query_buffer (1mb, its minimum): a client that sends a huge bulk it never finishes is
# disconnected once 1 MiB of it is buffered; other clients are unaffected, pipelining is not limited.

import unittest

from harness import ServerTestCase, cmd, info_fields, is_redis

CONFIG = "limits:\n  query_buffer: 1mb\n"
REDIS_ARGS = ["--client-query-buffer-limit", "1mb"]
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nqb\r\n:1\r\n"


class QueryBufferLimitTest(ServerTestCase):
    def test_unfinished_huge_bulk_is_cut_at_the_limit(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        sub = self.client()
        self.assertBytes(sub.request(cmd("SUBSCRIBE", "qb"), len(CONFIRM)), CONFIRM)
        hog = self.client()
        hog_addr = "127.0.0.1:%d" % hog.sock.getsockname()[1]
        chunk = b"x" * 65536
        sent = 0
        try:
            hog.send(b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nqb\r\n$10000000\r\n")
            for _ in range(64):  # up to 4 MiB of the 10 MB argument, never all of it
                hog.send(chunk)
                sent += len(chunk)
        except OSError:
            pass  # cut while still sending
        self.assertGreater(sent, 1024 * 1024 - 65536, "cut before the limit: after %d bytes" % sent)
        self.assertTrue(hog.is_closed(timeout=5), "a client with %d bytes of unfinished request is still "
                        "connected" % sent)
        self.assertBytes(hog.buf, b"", "the cut client was sent something")

        pub = self.client()
        self.assertBytes(pub.request(cmd("PUBLISH", "qb", "fine"), 4), b":1\r\n")
        frame = b"*3\r\n$7\r\nmessage\r\n$2\r\nqb\r\n$4\r\nfine\r\n"
        self.assertBytes(sub.read_exact(len(frame) + 1, timeout=0.2), frame, "the subscriber's stream")
        if is_redis():
            self.assertIsNotNone(self.server.wait_for_log("max query buffer length"), "no log line about the cut")
            return
        self.assertEqual(info_fields(pub, "stats")["client_query_buffer_limit_disconnections"], "1")
        line = self.server.wait_for_log("addr=%s " % hog_addr)
        self.assertIsNotNone(line, "no log line names the cut client")
        self.assertIn("query buffer", line)

    def test_pipelining_past_the_limit_is_fine(self):
        # 4 MiB of complete requests in one go: each is parsed as it arrives, nothing piles up.
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        c = self.client(timeout=10)
        arg = b"e" * 4000
        n = 1024
        c.send(cmd("ECHO", arg) * n)
        reply = b"$4000\r\n" + arg + b"\r\n"
        self.assertBytes(c.read_exact(len(reply) * n, timeout=10), reply * n, "replies to pipelined ECHOs")
        self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")
        if not is_redis():
            self.assertEqual(info_fields(c, "stats")["client_query_buffer_limit_disconnections"], "0")


if __name__ == "__main__":
    unittest.main()
