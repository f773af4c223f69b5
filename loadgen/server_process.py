# What loadgen's measuring scripts need of a server process they start: a
# free loopback port, waiting until it accepts, and its resident memory.
import socket
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_when_up(port, timeout=10.0):
    """A connection to 127.0.0.1:port once the server accepts (polled every 50 ms)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            if time.monotonic() >= deadline:
                raise RuntimeError("nothing accepted on port %d within %.0f s" % (port, timeout))
            time.sleep(0.05)


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0
