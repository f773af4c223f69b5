# The pubsub hard limit holds for small messages too (those the daemon copies rather than
# references): a stalled subscriber never holds much more than `hard` bytes of output.

import re
import unittest

from harness import ServerTestCase, client_list_entry, cmd, is_redis

HARD = 1024 * 1024
SLACK = 64 * 1024  # the message that crosses the limit, and then some
CONFIG = "limits:\n  output:\n    pubsub: {hard: 1mb, soft: 0, soft_seconds: 0}\n"
REDIS_ARGS = ["--client-output-buffer-limit", "pubsub %d 0 0" % HARD]
CONFIRM = b"*3\r\n$9\r\nsubscribe\r\n$5\r\nsmall\r\n:1\r\n"


class SmallMessageOutputLimitTest(ServerTestCase):
    def test_hard_limit_holds_for_100_byte_messages(self):
        self.server = self.start_server(shards=1, config_text=CONFIG, redis_args=REDIS_ARGS)
        stalled = self.client(rcvbuf=4096, timeout=10)
        self.assertBytes(stalled.request(cmd("SUBSCRIBE", "small"), len(CONFIRM)), CONFIRM)
        pub = self.client(timeout=20)
        body = b"s" * 92
        # 26 MB of 130-byte frames in one pipelined burst (the server queues the replies).
        pub.send(b"".join(cmd("PUBLISH", "small", b"%08d" % i + body) for i in range(200000)))
        counted = sum(pub.read_reply() for _ in range(200000))
        entry = client_list_entry(pub, stalled)
        if entry is not None:
            self.assertLessEqual(int(entry["omem"]), HARD + SLACK,
                                 "a stalled subscriber holds more than the hard limit: %r" % entry)
            self.fail("the stalled subscriber was never cut (%d publishes counted it)" % counted)
        pattern = r"omem=(\d+)" if is_redis() else r"output buffer of (\d+) bytes"
        line = self.server.wait_for_log(re.search(r"[a-z ]+", pattern).group(0).strip(), timeout=5)
        self.assertIsNotNone(line, "no log line about the cut")
        held = int(re.search(pattern, line).group(1))
        self.assertLessEqual(held, HARD + SLACK, "cut only once it held %d bytes (hard limit %d): %s"
                             % (held, HARD, line))
        self.assertGreaterEqual(held, HARD, "cut at %d bytes, before the hard limit %d: %s" % (held, HARD, line))
        self.assertTrue(stalled.is_closed(timeout=5))


if __name__ == "__main__":
    unittest.main()
