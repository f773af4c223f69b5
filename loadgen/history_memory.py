#!/usr/bin/python3
# What a retained history message costs: publishes MESSAGES messages to each
# of a few history channels (one shard, nobody subscribed) and prints, per
# channel, the server's RSS growth and its own history_bytes growth per
# message, beyond the payload. A channel without history is published first
# the same way, so buffers that grow once are not counted against history.
#   loadgen/history_memory.py [build/release/broker/ringcast] [MESSAGES]
import os
import subprocess
import sys
import tempfile
import time

from server_process import connect_when_up, free_port, rss_bytes

CONFIG = """port: %d
history:
  rules:
    - {channels: ["m:*", "orders:*"], max_messages: 10000000}
  max_memory: 4gb
"""
# (channel, payload bytes); "warm" keeps no history.
RUNS = [("warm", 16), ("m:1", 16), ("orders:12345", 100), ("m:2", 16)]
BATCH = 1000


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_replies(sock, buf, count):
    """Reads `count` one-line replies (PUBLISH's integers); returns the leftover bytes."""
    while buf.count(b"\r\n") < count:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("server closed the connection")
        buf += chunk
    for _ in range(count):
        line, buf = buf.split(b"\r\n", 1)
        if not line.startswith(b":"):
            raise RuntimeError("unexpected reply %r" % line)
    return buf


def history_bytes(sock):
    sock.sendall(command("INFO", "history"))
    data = b""
    while b"history_bytes:" not in data or not data.endswith(b"\r\n"):
        data += sock.recv(1 << 16)
    for line in data.split(b"\r\n"):
        if line.startswith(b"history_bytes:"):
            return int(line.split(b":")[1])
    raise RuntimeError("no history_bytes in INFO")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/release/broker/ringcast"
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 500000
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "history.yaml")
        with open(config, "w") as f:
            f.write(CONFIG % port)
        server = subprocess.Popen([binary, "--config", config, "--shards", "1"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            sock = connect_when_up(port)
            print("%d messages per channel, one shard" % messages)
            for channel, size in RUNS:
                one = command("PUBLISH", channel, b"x" * size)
                rss0, kept0 = rss_bytes(server.pid), history_bytes(sock)
                buf = b""
                for start in range(0, messages, BATCH):
                    n = min(BATCH, messages - start)
                    sock.sendall(one * n)
                    buf = read_replies(sock, buf, n)
                time.sleep(0.2)
                rss1, kept1 = rss_bytes(server.pid), history_bytes(sock)
                print("%-14s %4d B payload: RSS %6.1f B, history_bytes %6.1f B per message beyond the payload" % (
                    channel, size, (rss1 - rss0) / messages - size,
                    (kept1 - kept0) / messages - size if kept1 != kept0 else 0.0))
            sock.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
