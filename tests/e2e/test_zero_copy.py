# Zero-copy fan-out (ringcast only): messages PUBLISHed to subscribers that do not read are held
# once, not once per subscriber, for RESP2 and RESP3 subscribers alike, from 513 B (the first
# size not copied by design: kCopyFrameMax is 512) up to 1 MiB; afterwards each verified
# subscriber reads its exact stream. See zero_copy_check.py for how the daemon's own memory is
# isolated from what the kernel's socket buffers take.

import unittest

from harness import RawClient, ServerTestCase, skip_unless_ringcast
from zero_copy_check import Subscribers, check_zero_copy, publish_over_resp


@skip_unless_ringcast("redis-server copies the message into every subscriber's output buffer; shared "
                      "refcounted frames are ringcast's design")
class ZeroCopyTest(ServerTestCase):
    def check(self, size):
        self.server = self.start_server(shards=2)
        subs = Subscribers(self, self.server.port)
        pub = RawClient(self.server.port, timeout=30)
        self.addCleanup(pub.close)
        subs.fill(pub)
        check_zero_copy(self, self.server, subs, size, publish_over_resp(self.server.port))

    def test_513_byte_messages(self):
        self.check(513)

    def test_4_kib_messages(self):
        self.check(4096)

    def test_64_kib_messages(self):
        self.check(64 * 1024)

    def test_1_mib_messages(self):
        self.check(1 << 20)


if __name__ == "__main__":
    unittest.main()
