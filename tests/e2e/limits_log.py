# The daemon's own account of a limit it enforced, read from its log: how many bytes the client
# held when it was cut and which limit did it. Tests of limits assert on these figures, not on
# what a stalled socket received (the kernel absorbs an unknown few MiB of that), so a limit that
# trips at the wrong size fails the test even when the client is cut "eventually".
#
# ringcast:  [2026-01-02 03:04:05.678] [warning] closing client id=7 addr=127.0.0.1:5555 name=:
#            output buffer of 33554432 bytes over its hard limit (33554432 8388608 60s)
#            ... query buffer of 1064960 bytes over the 1048576 byte limit
# redis:     ... addr=127.0.0.1:5555 ... omem=33554432 ... scheduled to be closed ASAP for
#            overcoming of output buffer limits.   (its omem is the same figure)

import datetime
import re

from harness import is_redis

_OUTPUT = re.compile(r"output buffer of (\d+) bytes over its (hard|soft) limit \((\d+) (\d+) (\d+)s\)")
_QUERY = re.compile(r"query buffer of (\d+) bytes over the (\d+) byte limit")
_REDIS_OMEM = re.compile(r" omem=(\d+) ")
_REDIS_QBUF = re.compile(r" qbuf=(\d+) ")
_TIMESTAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\]")


class Cut:
    """One cut as the daemon logged it. `which`, `hard`, `soft`, `seconds` and `at` (epoch seconds,
    from the line's timestamp) are None under redis-server, whose line does not carry them."""

    def __init__(self, line, held, which=None, hard=None, soft=None, seconds=None, limit=None):
        self.line, self.held, self.which = line, held, which
        self.hard, self.soft, self.seconds, self.limit = hard, soft, seconds, limit
        m = _TIMESTAMP.match(line)
        self.at = (datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
                   if m else None)

    def __repr__(self):
        return "Cut(%r)" % self.line


def _peer_addr(client):
    return "addr=127.0.0.1:%d " % client.sock.getsockname()[1]


def output_cut(server, client, timeout=10):
    """The output-limit cut of RawClient `client`, or None if the daemon logged none in time."""
    if is_redis():
        line = server.wait_for_log(_peer_addr(client), timeout=timeout)
        m = line and _REDIS_OMEM.search(line)
        return Cut(line, int(m.group(1))) if m and "output buffer limits" in line else None
    line = server.wait_for_log(_peer_addr(client) + "name=", timeout=timeout)
    m = line and _OUTPUT.search(line)
    if not m:
        return None
    return Cut(line, int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)))


def query_cut(server, client, timeout=10):
    """The query-buffer cut of RawClient `client`, or None."""
    if is_redis():
        line = server.wait_for_log(_peer_addr(client), timeout=timeout)
        m = line and _REDIS_QBUF.search(line)
        return Cut(line, int(m.group(1))) if m and "max query buffer" in line else None
    line = server.wait_for_log(_peer_addr(client) + "name=", timeout=timeout)
    m = line and _QUERY.search(line)
    return Cut(line, int(m.group(1)), limit=int(m.group(2))) if m else None
