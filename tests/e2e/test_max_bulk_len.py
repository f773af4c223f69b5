# limits.max_bulk_len (Redis: proto-max-bulk-len): an argument one byte over gets Redis's protocol
# error and the connection is closed; one of exactly the limit goes through.

import unittest

from harness import ServerTestCase, cmd

LIMIT = 1024 * 1024
CONFIG = "limits:\n  max_bulk_len: 1mb\n"
REDIS_ARGS = ["--proto-max-bulk-len", "1mb"]
ERROR = b"-ERR Protocol error: invalid bulk length\r\n"


class MaxBulkLenTest(ServerTestCase):
    def test_one_byte_over_is_a_protocol_error(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        other = self.client()
        c = self.client()
        # The header alone is refused: the daemon must not wait for the argument's bytes.
        c.send(b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % (LIMIT + 1))
        self.assertBytes(c.read_exact(len(ERROR) + 1, timeout=5), ERROR)
        self.assertTrue(c.is_closed(timeout=5), "still connected after the protocol error")
        self.assertBytes(other.request(cmd("PING"), 7), b"+PONG\r\n", "another client")

    def test_over_the_limit_in_a_pipeline_keeps_the_earlier_replies(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        c = self.client()
        c.send(cmd("PING") + b"*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$%d\r\n" % (10 * LIMIT))
        self.assertBytes(c.read_exact(7 + len(ERROR) + 1, timeout=5), b"+PONG\r\n" + ERROR)
        self.assertTrue(c.is_closed(timeout=5))

    def test_exactly_the_limit_goes_through(self):
        self.server = self.start_server(shards=2, config_text=CONFIG, redis_args=REDIS_ARGS)
        c = self.client(timeout=10)
        arg = bytes(range(256)) * (LIMIT // 256)
        c.send(cmd("ECHO", arg))
        want = b"$%d\r\n" % LIMIT + arg + b"\r\n"
        self.assertBytes(c.read_exact(len(want), timeout=10), want)
        self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main()
