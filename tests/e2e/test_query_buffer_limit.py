# limits.query_buffer (1mb, its minimum): a client that sends a huge bulk it never finishes is
# disconnected once 1 MiB of it is buffered, as the daemon itself counts it (CLIENT LIST qbuf before,
# the size in its log line at the cut); other clients are unaffected, pipelining is not limited.

import unittest

from barrier import until_ping
from harness import ServerTestCase, client_list_entry, cmd, info_fields, is_redis, wait_until
from limits_log import query_cut

LIMIT = 1 << 20
RECV_SLACK = 64 * 1024  # the daemon checks after each read: one read's worth past the limit at most
CONFIG = "limits:\n  query_buffer: 1mb\n"
REDIS_ARGS = ["--client-query-buffer-limit", "1mb"]
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nqb\r\n:1\r\n"


class QueryBufferLimitTest(ServerTestCase):
    def test_unfinished_huge_bulk_is_cut_at_the_limit(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        sub = self.client()
        self.assertBytes(sub.request(cmd("SUBSCRIBE", "qb"), len(CONFIRM)), CONFIRM)
        hog = self.client()
        admin = self.client()
        header = b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nqb\r\n$10000000\r\n"
        chunk = b"x" * 65536
        # 768 KiB of the argument, under the limit: the daemon holds all of it and says so.
        hog.send(header + chunk * 12)
        if not is_redis():  # redis-server reads a big argument straight into the argument (qbuf 0)
            held = len(header) + 12 * len(chunk)
            qbuf = wait_until(lambda: int((client_list_entry(admin, hog) or {}).get("qbuf", -1)) == held, 10)
            self.assertTrue(qbuf, "CLIENT LIST qbuf of the hog: %r, expected %d"
                            % (client_list_entry(admin, hog), held))
        sent = len(header) + 12 * len(chunk)
        try:
            for _ in range(52):  # up to 4 MiB of the 10 MB argument, never all of it
                hog.send(chunk)
                sent += len(chunk)
        except OSError:
            pass  # cut while still sending
        self.assertGreater(sent, LIMIT - 65536, "cut before the limit: after %d bytes" % sent)
        self.assertTrue(hog.is_closed(timeout=10), "a client with %d bytes of unfinished request is still "
                        "connected" % sent)
        self.assertBytes(hog.buf, b"", "the cut client was sent something")
        cut = query_cut(self.server, hog)
        self.assertIsNotNone(cut, "no log line about the hog's cut")
        if not is_redis():
            self.assertEqual(cut.limit, LIMIT, cut)
            self.assertGreater(cut.held, LIMIT, "cut at or under the limit: %r" % cut)
            self.assertLessEqual(cut.held, LIMIT + RECV_SLACK, "cut only well past the limit: %r" % cut)

        pub = self.client()
        self.assertBytes(pub.request(cmd("PUBLISH", "qb", "fine"), 4), b":1\r\n")
        frame = b"*3\r\n$7\r\nmessage\r\n$2\r\nqb\r\n$4\r\nfine\r\n"
        self.assertBytes(sub.read_exact(len(frame), timeout=10), frame, "the subscriber's stream")
        self.assertBytes(until_ping(sub), b"", "the subscriber got more (part of the hog's PUBLISH?)")
        if not is_redis():
            self.assertEqual(info_fields(pub, "stats")["client_query_buffer_limit_disconnections"], "1")

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
