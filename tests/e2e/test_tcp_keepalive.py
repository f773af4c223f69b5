# tcp_keepalive: accepted sockets carry SO_KEEPALIVE with the configured idle time (the kernel's
# keepalive timer, as `ss -o` shows it, counts down from that), and 0 turns it off.

import os
import re
import shutil
import subprocess
import unittest

from harness import ServerTestCase, cmd, wait_until

SS = shutil.which("ss") or next((p for p in ("/usr/bin/ss", "/usr/sbin/ss", "/sbin/ss", "/bin/ss")
                               if os.path.exists(p)), None)


def server_side_timers(port):
    """The timer field of every established socket whose local port is `port` (the server's end)."""
    out = subprocess.run([SS, "-tnoH", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True, timeout=5, check=True).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    return [(re.search(r"timer:\(([^)]*)\)", line) or [None, ""])[1] for line in lines]


@unittest.skipUnless(SS, "ss (iproute2) is not installed: cannot see the server's socket options from outside")
class TcpKeepaliveTest(ServerTestCase):
    def check(self, config_value, redis_value):
        self.server = self.start_server(shards=2, config_text="tcp_keepalive: %s\n" % config_value,
                                        redis_args=["--tcp-keepalive", redis_value])
        clients = [self.client() for _ in range(2)]  # one per shard
        for c in clients:
            self.assertBytes(c.request(cmd("PING"), 7), b"+PONG\r\n")
        # After the traffic the only timer left on an idle socket is keepalive's (if any).
        settled = lambda: (lambda t: len(t) == 2 and not any(x.startswith("on") for x in t) and t)(
            server_side_timers(self.server.port))
        return wait_until(settled, timeout=5) or server_side_timers(self.server.port)

    def test_keepalive_timer_uses_the_configured_interval(self):
        # 100 s, so that ss prints "1minNNsec" (its sub-minute format is ambiguous) and it cannot be
        # the kernel's default of 7200 s.
        timers = self.check("100", "100")
        self.assertEqual(len(timers), 2, "expected two server-side sockets: %r" % timers)
        for t in timers:
            m = re.match(r"keepalive,(\d+)min(\d+)sec", t)
            self.assertIsNotNone(m, "no keepalive timer on an accepted socket: %r" % timers)
            seconds = int(m.group(1)) * 60 + int(m.group(2))
            self.assertTrue(90 <= seconds <= 100, "keepalive fires in %ds, not per tcp_keepalive 100: %r"
                            % (seconds, t))

    def test_zero_turns_keepalive_off(self):
        timers = self.check("0", "0")
        self.assertEqual(len(timers), 2, "expected two server-side sockets: %r" % timers)
        self.assertFalse(any(t.startswith("keepalive") for t in timers), "keepalive is on: %r" % timers)


if __name__ == "__main__":
    unittest.main()
