# "Nothing more arrived" without a fixed sleep: PING with a unique token is answered after
# everything already queued on that connection, so reading up to its reply shows what else had
# been queued, with no guess at how long to wait for nothing.
# Read what you expect first (read_exact, with a generous timeout), then check until_ping() is
# empty: a message from another shard may still be on its way when the PING is answered (ringcast
# answers PUBLISH once it knows the count, before the other shards have queued the message), so
# a barrier is no substitute for waiting for an expected message. It is not a barrier at all for
# messages travelling through NATS from another node.

import itertools
import os

from harness import cmd

_tokens = itertools.count()


def until_ping(client, timeout=10):
    """Sends PING <token> on RawClient `client` and reads until its reply (RESP2 subscribed
    `*2 pong token`, or `$token` otherwise); returns the bytes that arrived before the reply."""
    token = b"barrier-%d-%d" % (os.getpid(), next(_tokens))
    client.send(cmd("PING", token))
    bulk = b"$%d\r\n%s\r\n" % (len(token), token)
    data = bytes(client.buf)  # what the client had read but not consumed comes first
    client.buf.clear()
    while not data.endswith(bulk):
        chunk = _read_more(client, timeout)
        if not chunk:
            raise AssertionError("no PING reply within %ss; got %r" % (timeout, data[-200:]))
        data += chunk
    data = data[:-len(bulk)]
    pong = b"*2\r\n$4\r\npong\r\n"
    return data[:-len(pong)] if data.endswith(pong) else data


def _read_more(client, timeout):
    client.sock.settimeout(timeout)
    try:
        return client.sock.recv(65536)
    except (OSError, TimeoutError):
        return b""
    finally:
        client.sock.settimeout(client.timeout)
