# A barrier on one connection instead of a fixed sleep: PING with a unique token is answered after
# everything the server had already queued on that connection, so "nothing more arrived" is
# checked by reading up to the PING's reply, with no guess at how long a message may take.
# It holds for messages from a PUBLISH whose reply the test has read: ringcast answers a PUBLISH
# only once every shard has queued the message (redis-server does both at once). It is not a
# barrier for messages that travel through NATS from another node.

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
