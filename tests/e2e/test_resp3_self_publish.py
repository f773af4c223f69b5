# A RESP3 client that publishes to a channel it is subscribed to gets, as from Redis 7, its own
# message push first and then PUBLISH's count (Redis delivers while it runs the command).

import unittest

from harness import ServerTestCase, cmd

PUSH = b">3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$2\r\nhi\r\n"


class Resp3SelfPublishTest(ServerTestCase):
    def test_own_message_comes_before_the_count(self):
        self.server = self.start_server(shards=2)
        self.client()  # so that the publishing client is not the only one on its shard
        c = self.client()
        c.send(cmd("HELLO", "3"))
        self.assertIsInstance(c.read_reply(), dict)
        confirm = b">3\r\n$9\r\nsubscribe\r\n$4\r\nself\r\n:1\r\n"
        self.assertBytes(c.request(cmd("SUBSCRIBE", "self"), len(confirm)), confirm)
        self.assertBytes(c.request(cmd("PUBLISH", "self", "hi"), len(PUSH) + 4), PUSH + b":1\r\n")


if __name__ == "__main__":
    unittest.main()
