# Shared by the slow-subscriber tests: numbered fixed-size messages, a paced publisher that keeps
# every fast subscriber within a window, byte-exact stream checks, and a parser for message frames.

import selectors
import time

PAYLOAD = 4096
_FILLER = bytes((i * 7 + 3) % 251 for i in range(PAYLOAD + 256))


def payload(seq):
    """Message `seq`: its number, then filler that shifts with the number (so a swapped or
    corrupted message cannot pass for another)."""
    head = b"%08d:" % seq
    start = seq % 256
    return head + _FILLER[start:start + PAYLOAD - len(head)]


def frame(channel, seq):
    """The RESP2 message frame of `seq` as a subscriber of `channel` receives it."""
    p = payload(seq)
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(p), p)


def publish_command(channel, seq):
    p = payload(seq)
    return b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(p), p)


def read_integer_replies(client, n, timeout=10):
    out = []
    for _ in range(n):
        reply = client.read_reply(timeout=timeout)
        if not isinstance(reply, int):
            raise AssertionError("PUBLISH replied %r" % (reply,))
        out.append(reply)
    return out


def paced_fanout(pub, subs, channel, count, window=64, batch=16, timeout=60.0, sample=None):
    """Publishes messages 0..count-1 on `channel` from RawClient `pub`, in pipelined batches, never
    letting the slowest of `subs` fall more than `window` messages behind, and checks every byte
    each subscriber receives against the expected stream as it arrives.

    Returns (publish_replies, received_bytes_per_subscriber). Raises AssertionError at the first
    byte that differs (naming subscriber and offset) or when `timeout` passes. `sample()` is
    called after every batch (e.g. to record the server's RSS)."""
    one = frame(channel, 0)
    flen = len(one)
    expected = b"".join(frame(channel, i) for i in range(count))
    total = len(expected)
    got = [0] * len(subs)
    replies = []
    sel = selectors.DefaultSelector()
    for i, s in enumerate(subs):
        if s.buf:
            raise AssertionError("subscriber %d has unread bytes before the run: %r" % (i, bytes(s.buf[:80])))
        s.sock.setblocking(False)
        sel.register(s.sock, selectors.EVENT_READ, i)
    deadline = time.monotonic() + timeout
    published = 0
    try:
        while min(got) < total:
            if time.monotonic() > deadline:
                raise AssertionError("timed out: published %d of %d, slowest subscriber at byte %d of %d"
                                     % (published, count, min(got), total))
            if published < count and min(got) // flen >= published - window:
                n = min(batch, count - published)
                pub.send(b"".join(publish_command(channel, published + k) for k in range(n)))
                replies += read_integer_replies(pub, n)
                published += n
                if sample is not None:
                    sample()
                continue
            for key, _ in sel.select(timeout=0.5):
                i = key.data
                try:
                    chunk = key.fileobj.recv(1 << 18)
                except BlockingIOError:
                    continue
                except ConnectionError as e:
                    raise AssertionError("subscriber %d: connection error at byte %d: %s" % (i, got[i], e))
                if not chunk:
                    raise AssertionError("subscriber %d: closed by the server at byte %d of %d (message %d)"
                                         % (i, got[i], total, got[i] // flen))
                off = got[i]
                if expected[off:off + len(chunk)] != chunk:
                    pos = next(k for k in range(len(chunk)) if off + k >= total or expected[off + k] != chunk[k])
                    at = off + pos
                    raise AssertionError("subscriber %d: byte %d (message %d, offset %d in it) differs: expected %r, got %r"
                                         % (i, at, at // flen, at % flen, expected[at:at + 40], chunk[pos:pos + 40]))
                got[i] += len(chunk)
    finally:
        sel.close()
        for s in subs:
            s.sock.setblocking(True)
            s.sock.settimeout(s.timeout)
    return replies, got


class FrameError(AssertionError):
    pass


def parse_message_frames(data, channel):
    """Splits `data` into RESP2 message frames of `channel` carrying payload(seq); returns the list
    of seqs and the number of bytes left over (an incomplete frame at the end). Raises FrameError
    on anything that is not a whole, well-formed, correct frame."""
    head = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$" % (len(channel), channel)
    seqs = []
    pos = 0
    while pos < len(data):
        start = bytes(data[pos:pos + len(head)])
        if not head.startswith(start):
            raise FrameError("bytes at %d do not start a message frame: %r" % (pos, bytes(data[pos:pos + 60])))
        nl = data.find(b"\r\n", pos + len(head))
        if len(start) < len(head) or nl < 0:
            break  # incomplete header
        n = int(data[pos + len(head):nl])
        body = nl + 2
        if len(data) < body + n + 2:
            break
        p = bytes(data[body:body + n])
        if data[body + n:body + n + 2] != b"\r\n":
            raise FrameError("frame at %d: no CRLF after its %d-byte payload" % (pos, n))
        seq = int(p[:8])
        if p != payload(seq):
            raise FrameError("frame at %d: payload of message %d is damaged" % (pos, seq))
        seqs.append(seq)
        pos = body + n + 2
    return seqs, len(data) - pos
