#!/usr/bin/python3
# Memory with stalled subscribers, ringcast vs redis-server: 16 x 1 MiB
# published to 50 subscribers that never read (output limits off on both);
# prints each server's RSS growth and the ratio.
#   loadgen/stalled_memory.py [build/release/broker/ringcast]
import os
import socket
import subprocess
import sys
import tempfile
import time

from server_process import connect_when_up, free_port, rss_bytes

SUBSCRIBERS = 50
MESSAGES = 16
PAYLOAD = 1 << 20


def read_line(sock):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(100)
        if not chunk:
            raise RuntimeError("server closed the connection")
        data += chunk
    return data


def measure(argv, port):
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        connect_when_up(port).close()
        subscribers = []
        for _ in range(SUBSCRIBERS):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", port))
            s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n")
            subscribers.append(s)
        for s in subscribers:
            s.settimeout(5)
            s.recv(100)  # the confirmation; nothing is read after it
        publisher = socket.create_connection(("127.0.0.1", port))
        time.sleep(0.3)
        before = rss_bytes(server.pid)
        payload = b"x" * PAYLOAD
        for _ in range(MESSAGES):
            publisher.sendall(b"*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$%d\r\n%s\r\n" % (len(payload), payload))
            read_line(publisher)
        time.sleep(1.0)
        return rss_bytes(server.pid) - before
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ringcast = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/release/broker/ringcast")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as config:
        config.write("limits:\n  output:\n    pubsub: {hard: 0, soft: 0, soft_seconds: 0}\n")
        config.flush()
        port = free_port()
        ours = measure([ringcast, "--port", str(port), "--shards", "1", "--config", config.name], port)
    port = free_port()
    theirs = measure(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                      "--client-output-buffer-limit", "pubsub 0 0 0"], port)
    print("%d x %d KiB to %d stalled subscribers: RSS growth ringcast %.1f MiB, redis %.1f MiB, ratio %.3f"
          % (MESSAGES, PAYLOAD >> 10, SUBSCRIBERS, ours / 2**20, theirs / 2**20, ours / max(1, theirs)))


if __name__ == "__main__":
    main()
