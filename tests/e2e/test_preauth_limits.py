# Redis 6.2.6+'s limits before authentication, byte for byte: with a
# password set, a client that has not authenticated may send no multibulk of
# more than 10 arguments and no bulk over 16 KiB; past either it gets the
# protocol error and is disconnected, and other clients carry on.

from harness import ServerTestCase, cmd

CONFIG = "requirepass: s3cret\n"
MULTIBULK = b"-ERR Protocol error: unauthenticated multibulk length\r\n"
BULK = b"-ERR Protocol error: unauthenticated bulk length\r\n"


class PreAuthLimitsTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server(shards=2, config_text=CONFIG)
        if self.server.kind == "redis":
            c = self.client(self.server.port)
            self.assertBytes(c.request(cmd("CONFIG", "SET", "requirepass", "s3cret"), 5), b"+OK\r\n")
            c.close()

    def test_eleven_arguments_before_auth_close_the_connection(self):
        c = self.client(self.server.port)
        # The header alone is enough: the arguments never need to arrive.
        self.assertBytes(c.request(b"*11\r\n", len(MULTIBULK)), MULTIBULK)
        self.assertTrue(c.is_closed(), "the connection stays open after the protocol error")

    def test_a_million_arguments_are_refused_from_the_header(self):
        c = self.client(self.server.port)
        self.assertBytes(c.request(b"*1000000\r\n", len(MULTIBULK)), MULTIBULK)
        self.assertTrue(c.is_closed())

    def test_bulk_over_16_kib_before_auth_closes_the_connection(self):
        c = self.client(self.server.port)
        self.assertBytes(c.request(b"*2\r\n$4\r\nAUTH\r\n$16385\r\n", len(BULK)), BULK)
        self.assertTrue(c.is_closed())

    def test_within_the_limits_auth_works_and_then_the_usual_limits_apply(self):
        c = self.client(self.server.port)
        wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        self.assertBytes(c.request(cmd("AUTH", "x" * 16384), len(wrongpass)), wrongpass)
        self.assertBytes(c.request(cmd("AUTH", "s3cret"), 5), b"+OK\r\n")
        channels = ["ch%d" % i for i in range(20)]
        expected = b"".join(b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (len(ch), ch.encode(), n + 1)
                            for n, ch in enumerate(channels))
        self.assertBytes(c.request(cmd("SUBSCRIBE", *channels), len(expected)), expected)
        other = self.client(self.server.port)
        self.assertBytes(other.request(cmd("AUTH", "s3cret"), 5), b"+OK\r\n")
        self.assertBytes(other.request(cmd("PUBLISH", "ch19", "hi"), 4), b":1\r\n")


if __name__ == "__main__":
    import unittest
    unittest.main()
