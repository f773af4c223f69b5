# Byte-exact Redis 7 compatibility: raw request bytes and the exact reply bytes redis-server 7.0
# gives (recorded by running against it), over RESP2 and RESP3; shape checks where servers differ.

import unittest

from barrier import until_ping
from harness import Push, ServerTestCase, cmd, parse_reply

SUB_CTX = (b"-ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
           b"RESET are allowed in this context\r\n")


# Steps of a case. `c` names the connection (opened on first use, in order of first use).
def X(req, exp, c=0):
    """Send req (may be b""), then read exactly exp."""
    return ("x", c, req, exp)


def CLOSED(c=0):
    """The server closes the connection."""
    return ("closed", c)


def HELLO(proto, c=0):
    """HELLO <proto>: the reply has HELLO's shape (server/version/id differ between servers)."""
    return ("hello", c, proto)


def ANY_ORDER(req, frames, c=0):
    """The reply is exactly these frames, in an order the protocol leaves open."""
    return ("any_order", c, req, frames)


def SET_OF(req, items, c=0):
    """The reply is a RESP array of bulk strings equal to `items` as a set (hash order)."""
    return ("set_of", c, req, items)


def UNSUB_ALL(req, kind, channels, count_before, c=0, resp3=False):
    """An unsubscribe-all: one frame per channel in any order, counts falling by one each."""
    return ("unsub_all", c, req, kind, channels, count_before, resp3)


CASES = {
    # ---- RESP2 subscribe / unsubscribe and their counts ----
    "subscribe_several_then_unsubscribe": [
        X(cmd("SUBSCRIBE", "s1a", "s1b", "s1c"),
          b"*3\r\n$9\r\nsubscribe\r\n$3\r\ns1a\r\n:1\r\n"
          b"*3\r\n$9\r\nsubscribe\r\n$3\r\ns1b\r\n:2\r\n"
          b"*3\r\n$9\r\nsubscribe\r\n$3\r\ns1c\r\n:3\r\n"),
        X(cmd("SUBSCRIBE", "s1a"), b"*3\r\n$9\r\nsubscribe\r\n$3\r\ns1a\r\n:3\r\n"),
        X(cmd("UNSUBSCRIBE", "s1b", "nope"),
          b"*3\r\n$11\r\nunsubscribe\r\n$3\r\ns1b\r\n:2\r\n"
          b"*3\r\n$11\r\nunsubscribe\r\n$4\r\nnope\r\n:2\r\n"),
        UNSUB_ALL(cmd("UNSUBSCRIBE"), b"unsubscribe", [b"s1a", b"s1c"], 2),
        X(cmd("UNSUBSCRIBE"), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
        X(cmd("PING"), b"+PONG\r\n"),
    ],
    "unsubscribe_when_not_subscribed": [
        X(cmd("UNSUBSCRIBE"), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
        X(cmd("PUNSUBSCRIBE"), b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"),
        X(cmd("SUNSUBSCRIBE"), b"*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"),
        X(cmd("UNSUBSCRIBE", "x", "y"),
          b"*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:0\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\ny\r\n:0\r\n"),
        X(cmd("PING"), b"+PONG\r\n"),
        X(cmd("ECHO", "still normal"), b"$12\r\nstill normal\r\n"),
    ],
    "psubscribe_punsubscribe": [
        X(cmd("PSUBSCRIBE", "h*llo", "n?ws"),
          b"*3\r\n$10\r\npsubscribe\r\n$5\r\nh*llo\r\n:1\r\n*3\r\n$10\r\npsubscribe\r\n$4\r\nn?ws\r\n:2\r\n"),
        X(cmd("PSUBSCRIBE", "n?ws"), b"*3\r\n$10\r\npsubscribe\r\n$4\r\nn?ws\r\n:2\r\n"),
        X(cmd("PUNSUBSCRIBE", "n?ws"), b"*3\r\n$12\r\npunsubscribe\r\n$4\r\nn?ws\r\n:1\r\n"),
        X(cmd("PUNSUBSCRIBE"), b"*3\r\n$12\r\npunsubscribe\r\n$5\r\nh*llo\r\n:0\r\n"),
        X(cmd("PUNSUBSCRIBE"), b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"),
    ],
    "ssubscribe_sunsubscribe": [
        X(cmd("SSUBSCRIBE", "sh1", "sh2"),
          b"*3\r\n$10\r\nssubscribe\r\n$3\r\nsh1\r\n:1\r\n*3\r\n$10\r\nssubscribe\r\n$3\r\nsh2\r\n:2\r\n"),
        X(cmd("SUNSUBSCRIBE", "sh1"), b"*3\r\n$12\r\nsunsubscribe\r\n$3\r\nsh1\r\n:1\r\n"),
        X(cmd("SUNSUBSCRIBE"), b"*3\r\n$12\r\nsunsubscribe\r\n$3\r\nsh2\r\n:0\r\n"),
        X(cmd("SUNSUBSCRIBE"), b"*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"),
        X(cmd("PING"), b"+PONG\r\n"),
    ],
    "mixed_counts_channels_patterns_shard": [
        X(cmd("SUBSCRIBE", "mx"), b"*3\r\n$9\r\nsubscribe\r\n$2\r\nmx\r\n:1\r\n"),
        X(cmd("PSUBSCRIBE", "mx*"), b"*3\r\n$10\r\npsubscribe\r\n$3\r\nmx*\r\n:2\r\n"),
        X(cmd("SSUBSCRIBE", "mxs"), b"*3\r\n$10\r\nssubscribe\r\n$3\r\nmxs\r\n:1\r\n"),
        X(cmd("SUNSUBSCRIBE", "mxs"), b"*3\r\n$12\r\nsunsubscribe\r\n$3\r\nmxs\r\n:0\r\n"),
        X(cmd("PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
        X(cmd("UNSUBSCRIBE", "mx"), b"*3\r\n$11\r\nunsubscribe\r\n$2\r\nmx\r\n:1\r\n"),
        X(cmd("PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
        X(cmd("PUNSUBSCRIBE"), b"*3\r\n$12\r\npunsubscribe\r\n$3\r\nmx*\r\n:0\r\n"),
        X(cmd("PING"), b"+PONG\r\n"),
    ],
    # ---- PUBLISH / SPUBLISH counts and the frames subscribers get (RESP2) ----
    "publish_counts_channel_and_pattern_twice": [
        X(cmd("SUBSCRIBE", "news"), b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", c=0),
        X(cmd("PSUBSCRIBE", "n*"), b"*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:2\r\n", c=0),
        X(cmd("PUBLISH", "news", "hi"), b":2\r\n", c=1),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
               b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n", c=0),
        X(cmd("PUBLISH", "nope", "x"), b":1\r\n", c=1),
        X(b"", b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnope\r\n$1\r\nx\r\n", c=0),
        X(cmd("PUBLISH", "zzz", "x"), b":0\r\n", c=1),
        X(cmd("SUBSCRIBE", "news"), b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", c=2),
        X(cmd("PUBLISH", "news", ""), b":3\r\n", c=1),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$0\r\n\r\n", c=2),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$0\r\n\r\n"
               b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$0\r\n\r\n", c=0),
    ],
    "binary_channel_and_payload_frames": [
        X(cmd("SUBSCRIBE", b"b\x00\r\nin"), b"*3\r\n$9\r\nsubscribe\r\n$6\r\nb\x00\r\nin\r\n:1\r\n", c=0),
        X(cmd("PSUBSCRIBE", b"b\x00*"), b"*3\r\n$10\r\npsubscribe\r\n$3\r\nb\x00*\r\n:2\r\n", c=0),
        X(cmd("PUBLISH", b"b\x00\r\nin", b"\xff\x00\r\n$3\r\n"), b":2\r\n", c=1),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$6\r\nb\x00\r\nin\r\n$8\r\n\xff\x00\r\n$3\r\n\r\n"
               b"*4\r\n$8\r\npmessage\r\n$3\r\nb\x00*\r\n$6\r\nb\x00\r\nin\r\n$8\r\n\xff\x00\r\n$3\r\n\r\n",
          c=0),
    ],
    "spublish_counts_and_smessage": [
        X(cmd("SSUBSCRIBE", "shp"), b"*3\r\n$10\r\nssubscribe\r\n$3\r\nshp\r\n:1\r\n", c=0),
        X(cmd("SPUBLISH", "shp", "m1"), b":1\r\n", c=1),
        X(b"", b"*3\r\n$8\r\nsmessage\r\n$3\r\nshp\r\n$2\r\nm1\r\n", c=0),
        X(cmd("PUBLISH", "shp", "m2"), b":0\r\n", c=1),
        X(cmd("SPUBLISH", "shq", "m3"), b":0\r\n", c=1),
        X(cmd("SSUBSCRIBE", "shp"), b"*3\r\n$10\r\nssubscribe\r\n$3\r\nshp\r\n:1\r\n", c=2),
        X(cmd("SPUBLISH", "shp", "m4"), b":2\r\n", c=1),
        X(b"", b"*3\r\n$8\r\nsmessage\r\n$3\r\nshp\r\n$2\r\nm4\r\n", c=0),
        X(b"", b"*3\r\n$8\r\nsmessage\r\n$3\r\nshp\r\n$2\r\nm4\r\n", c=2),
    ],
    # ---- ordinary commands ----
    "ping_echo": [
        X(cmd("PING"), b"+PONG\r\n"),
        X(cmd("PING", "hi"), b"$2\r\nhi\r\n"),
        X(cmd("ping", ""), b"$0\r\n\r\n"),
        X(cmd("PING", "a", "b"), b"-ERR wrong number of arguments for 'ping' command\r\n"),
        X(cmd("ECHO", "x"), b"$1\r\nx\r\n"),
        X(cmd("ECHO", b"\x00\r\n\xff"), b"$4\r\n\x00\r\n\xff\r\n"),
        X(cmd("ECHO"), b"-ERR wrong number of arguments for 'echo' command\r\n"),
        X(cmd("ECHO", "a", "b"), b"-ERR wrong number of arguments for 'echo' command\r\n"),
    ],
    "select": [
        X(cmd("SELECT", "0"), b"+OK\r\n"),
        X(cmd("SELECT", "15"), b"+OK\r\n"),
        X(cmd("SELECT", "16"), b"-ERR DB index is out of range\r\n"),
        X(cmd("SELECT", "-1"), b"-ERR DB index is out of range\r\n"),
        X(cmd("SELECT", "x"), b"-ERR value is not an integer or out of range\r\n"),
        X(cmd("SELECT"), b"-ERR wrong number of arguments for 'select' command\r\n"),
    ],
    "hello_versions_and_errors": [
        X(cmd("HELLO", "4"), b"-NOPROTO unsupported protocol version\r\n"),
        X(cmd("HELLO", "1"), b"-NOPROTO unsupported protocol version\r\n"),
        X(cmd("HELLO", "x"), b"-ERR Protocol version is not an integer or out of range\r\n"),
        HELLO(2),
        X(cmd("PING"), b"+PONG\r\n"),
        HELLO(3),
        X(cmd("PING"), b"+PONG\r\n"),
        X(cmd("PING", "hi"), b"$2\r\nhi\r\n"),
        X(cmd("ECHO", "e3"), b"$2\r\ne3\r\n"),
        X(cmd("PUBSUB", "NUMSUB", "h3"), b"*2\r\n$2\r\nh3\r\n:0\r\n"),
        X(cmd("HELLO", "4"), b"-NOPROTO unsupported protocol version\r\n"),
        X(cmd("UNSUBSCRIBE"), b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"),
        HELLO(2),
        X(cmd("UNSUBSCRIBE"), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
    ],
    "reset_leaves_subscribed_mode_and_resp3": [
        HELLO(3),
        X(cmd("SUBSCRIBE", "rs"), b">3\r\n$9\r\nsubscribe\r\n$2\r\nrs\r\n:1\r\n"),
        X(cmd("RESET"), b"+RESET\r\n"),
        X(cmd("PUBLISH", "rs", "x"), b":0\r\n", c=1),
        X(cmd("PING"), b"+PONG\r\n"),
        X(cmd("UNSUBSCRIBE"), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"),
        X(cmd("SUBSCRIBE", "rs"), b"*3\r\n$9\r\nsubscribe\r\n$2\r\nrs\r\n:1\r\n"),
        X(cmd("RESET"), b"+RESET\r\n"),
        X(cmd("ECHO", "e"), b"$1\r\ne\r\n"),
    ],
    "quit": [
        X(cmd("QUIT"), b"+OK\r\n"),
        CLOSED(),
    ],
    "quit_in_subscribed_mode": [
        X(cmd("SUBSCRIBE", "qs"), b"*3\r\n$9\r\nsubscribe\r\n$2\r\nqs\r\n:1\r\n"),
        X(cmd("QUIT"), b"+OK\r\n"),
        CLOSED(),
    ],
    "unknown_command": [
        X(cmd("FOO", "bar", "baz"), b"-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' \r\n"),
        X(cmd("foo"), b"-ERR unknown command 'foo', with args beginning with: \r\n"),
        X(b"*1\r\n$0\r\n\r\n", b"-ERR unknown command '', with args beginning with: \r\n"),
        X(cmd("Y" * 129, "z" * 200),
          b"-ERR unknown command '" + b"Y" * 128 + b"', with args beginning with: '" + b"z" * 128 + b"' \r\n"),
        X(cmd("FOO", "a" * 100, "b" * 100, "c"),
          b"-ERR unknown command 'FOO', with args beginning with: '" + b"a" * 100 + b"' '" + b"b" * 25
          + b"' \r\n"),
        X(cmd("PING"), b"+PONG\r\n"),
    ],
    "wrong_arity_and_subcommands": [
        X(cmd("PUBLISH", "a"), b"-ERR wrong number of arguments for 'publish' command\r\n"),
        X(cmd("PUBLISH", "a", "b", "c"), b"-ERR wrong number of arguments for 'publish' command\r\n"),
        X(cmd("SPUBLISH", "a"), b"-ERR wrong number of arguments for 'spublish' command\r\n"),
        X(cmd("SUBSCRIBE"), b"-ERR wrong number of arguments for 'subscribe' command\r\n"),
        X(cmd("PSUBSCRIBE"), b"-ERR wrong number of arguments for 'psubscribe' command\r\n"),
        X(cmd("SSUBSCRIBE"), b"-ERR wrong number of arguments for 'ssubscribe' command\r\n"),
        X(cmd("PUBSUB"), b"-ERR wrong number of arguments for 'pubsub' command\r\n"),
        X(cmd("pubsub", "numpat", "x"), b"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"),
        X(cmd("PUBSUB", "FOO"), b"-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n"),
        X(cmd("Pubsub", "foo"), b"-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n"),
        X(cmd("PUBSUB", "NUMSUB"), b"*0\r\n"),
    ],
    "resp2_subscribed_mode_refuses_other_commands": [
        X(cmd("SUBSCRIBE", "rf"), b"*3\r\n$9\r\nsubscribe\r\n$2\r\nrf\r\n:1\r\n"),
        X(cmd("ECHO", "x"), SUB_CTX % b"echo"),
        X(cmd("publish", "rf", "x"), SUB_CTX % b"publish"),
        X(cmd("SPUBLISH", "rf", "x"), SUB_CTX % b"spublish"),
        X(cmd("PUBSUB", "NUMPAT"), SUB_CTX % b"pubsub|numpat"),
        X(cmd("SELECT", "0"), SUB_CTX % b"select"),
        X(cmd("HELLO", "3"), SUB_CTX % b"hello"),
        X(cmd("FOO"), b"-ERR unknown command 'FOO', with args beginning with: \r\n"),
        X(cmd("PUBLISH", "a"), b"-ERR wrong number of arguments for 'publish' command\r\n"),
        X(cmd("PING", "a", "b"), b"-ERR wrong number of arguments for 'ping' command\r\n"),
        X(cmd("PING"), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
        X(cmd("PING", "hi"), b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"),
        X(b"PING\r\n", b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
        X(cmd("PUBLISH", "rf", "from-other"), b":1\r\n", c=1),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$2\r\nrf\r\n$10\r\nfrom-other\r\n"),
    ],
    # ---- RESP3 ----
    "resp3_subscribe_counts_and_pushes": [
        HELLO(3),
        X(cmd("UNSUBSCRIBE"), b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"),
        X(cmd("PUNSUBSCRIBE"), b">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n"),
        X(cmd("SUNSUBSCRIBE"), b">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n"),
        X(cmd("SUBSCRIBE", "r3a", "r3b"),
          b">3\r\n$9\r\nsubscribe\r\n$3\r\nr3a\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$3\r\nr3b\r\n:2\r\n"),
        X(cmd("PSUBSCRIBE", "r3*"), b">3\r\n$10\r\npsubscribe\r\n$3\r\nr3*\r\n:3\r\n"),
        X(cmd("SSUBSCRIBE", "r3s"), b">3\r\n$10\r\nssubscribe\r\n$3\r\nr3s\r\n:1\r\n"),
        X(cmd("UNSUBSCRIBE", "r3b"), b">3\r\n$11\r\nunsubscribe\r\n$3\r\nr3b\r\n:2\r\n"),
        UNSUB_ALL(cmd("UNSUBSCRIBE"), b"unsubscribe", [b"r3a"], 2, resp3=True),
        X(cmd("PUNSUBSCRIBE"), b">3\r\n$12\r\npunsubscribe\r\n$3\r\nr3*\r\n:0\r\n"),
        X(cmd("SUNSUBSCRIBE", "r3s"), b">3\r\n$12\r\nsunsubscribe\r\n$3\r\nr3s\r\n:0\r\n"),
    ],
    "resp3_subscribed_mode_allows_every_command": [
        HELLO(3),
        X(cmd("SUBSCRIBE", "r3x"), b">3\r\n$9\r\nsubscribe\r\n$3\r\nr3x\r\n:1\r\n"),
        X(cmd("PING"), b"+PONG\r\n"),
        X(cmd("PING", "hi"), b"$2\r\nhi\r\n"),
        X(cmd("ECHO", "x"), b"$1\r\nx\r\n"),
        X(cmd("SELECT", "0"), b"+OK\r\n"),
        X(cmd("PUBLISH", "r3-nobody", "m"), b":0\r\n"),
        X(cmd("PUBSUB", "NUMSUB", "r3x"), b"*2\r\n$3\r\nr3x\r\n:1\r\n"),
        X(cmd("FOO"), b"-ERR unknown command 'FOO', with args beginning with: \r\n"),
        # Publishing to itself: Redis writes the push before the reply; clients match replies and
        # pushes separately, so either order is compatible.
        ANY_ORDER(cmd("PUBLISH", "r3x", "self"),
                  [b">3\r\n$7\r\nmessage\r\n$3\r\nr3x\r\n$4\r\nself\r\n", b":1\r\n"]),
    ],
    "resp3_message_frames": [
        HELLO(3, c=0),
        X(cmd("SUBSCRIBE", "r3m"), b">3\r\n$9\r\nsubscribe\r\n$3\r\nr3m\r\n:1\r\n", c=0),
        X(cmd("PSUBSCRIBE", "r3?"), b">3\r\n$10\r\npsubscribe\r\n$3\r\nr3?\r\n:2\r\n", c=0),
        X(cmd("SSUBSCRIBE", "r3ms"), b">3\r\n$10\r\nssubscribe\r\n$4\r\nr3ms\r\n:1\r\n", c=0),
        X(cmd("SUBSCRIBE", "r3m"), b"*3\r\n$9\r\nsubscribe\r\n$3\r\nr3m\r\n:1\r\n", c=2),
        X(cmd("PUBLISH", "r3m", b"p\x00\r\n"), b":3\r\n", c=1),
        X(b"", b">3\r\n$7\r\nmessage\r\n$3\r\nr3m\r\n$4\r\np\x00\r\n\r\n"
               b">4\r\n$8\r\npmessage\r\n$3\r\nr3?\r\n$3\r\nr3m\r\n$4\r\np\x00\r\n\r\n", c=0),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$3\r\nr3m\r\n$4\r\np\x00\r\n\r\n", c=2),
        X(cmd("SPUBLISH", "r3ms", "sm"), b":1\r\n", c=1),
        X(b"", b">3\r\n$8\r\nsmessage\r\n$4\r\nr3ms\r\n$2\r\nsm\r\n", c=0),
    ],
    # ---- inline commands, pipelining, case ----
    "inline_commands": [
        X(b"PING\r\n", b"+PONG\r\n"),
        X(b"PING\n", b"+PONG\r\n"),
        X(b"\r\nPING\r\n", b"+PONG\r\n"),
        X(b'ECHO "a b"\r\n', b"$3\r\na b\r\n"),
        X(b"ECHO 'a b'\r\n", b"$3\r\na b\r\n"),
        X(b'ECHO "a\\x41\\n"\r\n', b"$3\r\naA\n\r\n"),
        X(b"  ping   hello  \r\n", b"$5\r\nhello\r\n"),
        X(b"SUBSCRIBE in1 in2\r\n",
          b"*3\r\n$9\r\nsubscribe\r\n$3\r\nin1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$3\r\nin2\r\n:2\r\n"),
        X(b"PUBLISH in2 inline-msg\r\n", b":1\r\n", c=1),
        X(b"", b"*3\r\n$7\r\nmessage\r\n$3\r\nin2\r\n$10\r\ninline-msg\r\n"),
    ],
    "pipelined_and_case_insensitive": [
        X(cmd("ping") + cmd("EcHo", "e") + b"PiNg x\r\n" + cmd("PUBLISH", "pl-none", "m"),
          b"+PONG\r\n$1\r\ne\r\n$1\r\nx\r\n:0\r\n"),
        X(cmd("subscribe", "pl1") + cmd("Ping") + cmd("uNsUbScRiBe", "pl1") + cmd("PING"),
          b"*3\r\n$9\r\nsubscribe\r\n$3\r\npl1\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n"
          b"*3\r\n$11\r\nunsubscribe\r\n$3\r\npl1\r\n:0\r\n+PONG\r\n"),
    ],
}


def split_frames(buf):
    out, pos = [], 0
    while pos < len(buf):
        parsed = parse_reply(buf, pos)
        if parsed is None:
            break
        out.append(buf[pos:parsed[1]])
        pos = parsed[1]
    return out, buf[pos:]


class CompatTest(ServerTestCase):
    """One shared server (redis with its default 16 databases, as ringcast accepts SELECT 0..15)."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(shards=2)

    def run_case(self, name, steps):
        clients = {}

        def conn(i):
            if i not in clients:
                clients[i] = self.client()
            return clients[i]

        for n, step in enumerate(steps):
            kind, c = step[0], conn(step[1])
            where = "%s step %d (%s)" % (name, n, kind)
            if kind == "x":
                _, _, req, exp = step
                if req:
                    c.send(req)
                self.assertBytes(c.read_exact(len(exp), timeout=3), exp, "%s: reply to %r" % (where, req[:80]))
            elif kind == "closed":
                self.assertTrue(c.is_closed(timeout=3), "%s: connection still open" % where)
            elif kind == "hello":
                self.check_hello(c, step[2], where)
            elif kind == "any_order":
                _, _, req, frames = step
                c.send(req)
                got = c.read_exact(sum(map(len, frames)), timeout=3)
                parts, rest = split_frames(got)
                self.assertEqual((sorted(parts), rest), (sorted(frames), b""), "%s: got %r" % (where, got))
            elif kind == "set_of":
                _, _, req, items = step
                c.send(req)
                got = c.read_reply(timeout=3)
                self.assertIsInstance(got, list, where)
                self.assertNotIsInstance(got, Push, where)
                self.assertEqual(sorted(got), sorted(items), where)
            elif kind == "unsub_all":
                _, _, req, frame_kind, channels, before, resp3 = step
                c.send(req)
                seen = []
                for i in range(len(channels)):
                    frame = c.read_reply(timeout=3)
                    self.assertIsInstance(frame, list, where)
                    self.assertEqual(isinstance(frame, Push), resp3, "%s: push or array: %r" % (where, frame))
                    self.assertEqual(len(frame), 3, where)
                    self.assertEqual((frame[0], frame[2]), (frame_kind, before - 1 - i), "%s: %r" % (where, frame))
                    seen.append(frame[1])
                self.assertEqual(sorted(seen), sorted(channels), where)
            else:
                raise AssertionError("bad step " + kind)
        for i, c in clients.items():
            if c.sock.fileno() >= 0 and steps[-1][0] != "closed":
                self.assertBytes(until_ping(c), b"", "%s: extra bytes on client %d" % (name, i))

    def check_hello(self, c, proto, where):
        c.send(cmd("HELLO", str(proto)))
        reply = c.read_reply(timeout=3)
        if proto == 3:
            self.assertIsInstance(reply, dict, "%s: HELLO 3 must answer a RESP3 map: %r" % (where, reply))
            fields = reply
        else:
            self.assertIsInstance(reply, list, "%s: HELLO 2 must answer a flat array: %r" % (where, reply))
            self.assertEqual(len(reply) % 2, 0, where)
            fields = dict(zip(reply[0::2], reply[1::2]))
        for key in (b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"):
            self.assertIn(key, fields, "%s: HELLO lacks %r: %r" % (where, key, reply))
        self.assertEqual(fields[b"proto"], proto, where)
        self.assertIsInstance(fields[b"server"], bytes, where)
        self.assertIsInstance(fields[b"version"], bytes, where)
        self.assertIsInstance(fields[b"id"], int, where)
        self.assertIsInstance(fields[b"modules"], list, where)

    def test_cases(self):
        for name, steps in CASES.items():
            with self.subTest(case=name):
                self.run_case(name, steps)

    def test_client_id_and_command_shapes(self):
        c = self.client()
        c.send(cmd("CLIENT", "ID"))
        first = c.read_reply(timeout=3)
        self.assertIsInstance(first, int)
        other = self.client()
        other.send(cmd("CLIENT", "ID"))
        second = other.read_reply(timeout=3)
        self.assertIsInstance(second, int)
        self.assertNotEqual(first, second, "two connections share a CLIENT ID")
        c.send(cmd("COMMAND", "COUNT"))
        count = c.read_reply(timeout=3)
        self.assertIsInstance(count, int)
        c.send(cmd("COMMAND"))
        table = c.read_reply(timeout=5)
        self.assertIsInstance(table, list)
        self.assertEqual(len(table), count, "COMMAND COUNT disagrees with COMMAND")
        names = set()
        for entry in table:
            self.assertIsInstance(entry, list)
            self.assertIsInstance(entry[0], bytes)
            self.assertIsInstance(entry[1], int)  # arity
            names.add(entry[0])
        for needed in (b"subscribe", b"psubscribe", b"ssubscribe", b"publish", b"spublish", b"pubsub",
                       b"ping", b"hello"):
            self.assertIn(needed, names)
        c.send(cmd("COMMAND", "INFO", "publish"))
        info = c.read_reply(timeout=3)
        self.assertEqual((info[0][0], info[0][1]), (b"publish", 3), info)

    def test_hello_without_arguments_keeps_protocol(self):
        c = self.client()
        c.send(cmd("HELLO"))
        reply = c.read_reply(timeout=3)
        self.assertIsInstance(reply, list)
        self.assertIn(b"proto", reply)
        self.assertEqual(reply[reply.index(b"proto") + 1], 2)
        self.assertBytes(c.request(cmd("PING"), 7, timeout=3), b"+PONG\r\n")


class IntrospectionTest(ServerTestCase):
    """PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB on a server of its own."""

    def test_pubsub_introspection(self):
        self.server = self.start_server(shards=2)
        a, b, s, q = self.client(), self.client(), self.client(), self.client()

        def exact(c, req, exp):
            self.assertBytes(c.request(req, len(exp), timeout=3), exp, repr(req))

        def as_set(req, items):
            q.send(req)
            got = q.read_reply(timeout=3)
            self.assertEqual(sorted(got), sorted(items), repr(req))

        exact(a, cmd("SUBSCRIBE", "ch1", "ch2") + cmd("PSUBSCRIBE", "p*"),
              b"*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n"
              b"*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n")
        exact(b, cmd("SUBSCRIBE", "ch1") + cmd("PSUBSCRIBE", "p*"),
              b"*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:2\r\n")
        exact(s, cmd("SSUBSCRIBE", "sc1", "sc2"),
              b"*3\r\n$10\r\nssubscribe\r\n$3\r\nsc1\r\n:1\r\n*3\r\n$10\r\nssubscribe\r\n$3\r\nsc2\r\n:2\r\n")
        as_set(cmd("PUBSUB", "CHANNELS"), [b"ch1", b"ch2"])
        exact(q, cmd("PUBSUB", "CHANNELS", "ch1"), b"*1\r\n$3\r\nch1\r\n")
        exact(q, cmd("PUBSUB", "CHANNELS", "c?1"), b"*1\r\n$3\r\nch1\r\n")
        as_set(cmd("PUBSUB", "CHANNELS", "ch[12]"), [b"ch1", b"ch2"])
        exact(q, cmd("PUBSUB", "CHANNELS", "z*"), b"*0\r\n")
        exact(q, cmd("PUBSUB", "NUMSUB", "ch1", "ch2", "zz"),
              b"*6\r\n$3\r\nch1\r\n:2\r\n$3\r\nch2\r\n:1\r\n$2\r\nzz\r\n:0\r\n")
        exact(q, cmd("PUBSUB", "NUMSUB", "sc1"), b"*2\r\n$3\r\nsc1\r\n:0\r\n")
        exact(q, cmd("PUBSUB", "NUMPAT"), b":1\r\n")  # distinct patterns, not subscriptions
        as_set(cmd("PUBSUB", "SHARDCHANNELS"), [b"sc1", b"sc2"])
        exact(q, cmd("PUBSUB", "SHARDCHANNELS", "*2"), b"*1\r\n$3\r\nsc2\r\n")
        exact(q, cmd("PUBSUB", "SHARDNUMSUB", "sc1", "zz"), b"*4\r\n$3\r\nsc1\r\n:1\r\n$2\r\nzz\r\n:0\r\n")
        exact(q, cmd("PUBSUB", "SHARDNUMSUB"), b"*0\r\n")
        exact(q, cmd("PUBLISH", "ch1", "x"), b":2\r\n")
        exact(q, cmd("PUBLISH", "px", "y"), b":2\r\n")
        # After an unsubscribe is confirmed, the counts fall at once.
        exact(b, cmd("UNSUBSCRIBE", "ch1"),
              b"*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$1\r\nx\r\n"
              b"*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npx\r\n$1\r\ny\r\n"
              b"*3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:1\r\n")
        exact(q, cmd("PUBSUB", "NUMSUB", "ch1"), b"*2\r\n$3\r\nch1\r\n:1\r\n")
        exact(a, cmd("PUNSUBSCRIBE"),
              b"*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$1\r\nx\r\n"
              b"*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npx\r\n$1\r\ny\r\n"
              b"*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:2\r\n")
        exact(q, cmd("PUBSUB", "NUMPAT"), b":1\r\n")
        exact(b, cmd("PUNSUBSCRIBE", "p*"), b"*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n")
        exact(q, cmd("PUBSUB", "NUMPAT"), b":0\r\n")
        exact(s, cmd("SUNSUBSCRIBE", "sc1"), b"*3\r\n$12\r\nsunsubscribe\r\n$3\r\nsc1\r\n:1\r\n")
        exact(q, cmd("PUBSUB", "SHARDCHANNELS"), b"*1\r\n$3\r\nsc2\r\n")
        as_set(cmd("PUBSUB", "CHANNELS"), [b"ch1", b"ch2"])  # a still holds ch1
        exact(a, cmd("UNSUBSCRIBE", "ch1"), b"*3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:1\r\n")
        exact(q, cmd("PUBSUB", "CHANNELS"), b"*1\r\n$3\r\nch2\r\n")
        exact(q, cmd("PUBSUB", "NUMSUB", "ch1", "ch2"), b"*4\r\n$3\r\nch1\r\n:0\r\n$3\r\nch2\r\n:1\r\n")

if __name__ == "__main__":
    unittest.main()
