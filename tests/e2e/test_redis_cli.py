# redis-cli against the server: a `subscribe` process receives what `publish` processes send
# (RESP2 and RESP3, formatted and raw output); ping, info and client list run without error.

import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import ServerTestCase, cmd

REDIS_CLI = "/usr/bin/redis-cli"


class RedisCliTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(shards=2)

    def cli(self, *args, timeout=10):
        """Runs one redis-cli command to completion; returns (returncode, stdout bytes)."""
        argv = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.server.port)] + list(args)
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
        return proc.returncode, proc.stdout

    def start_subscriber(self, *args):
        """Starts a long-running redis-cli (e.g. subscribe); output goes to a file. Killed by PID."""
        out = tempfile.NamedTemporaryFile(prefix="redis-cli-", delete=False)
        self.addCleanup(os.unlink, out.name)
        argv = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.server.port)] + list(args)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.addCleanup(self.stop_process, proc)
        return proc, out.name

    def stop_process(self, proc):
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()

    def wait_output(self, path, expected, proc, timeout=5.0):
        """Waits until the file holds exactly `expected` (bounded); returns what it holds."""
        deadline = time.monotonic() + timeout
        data = b""
        while time.monotonic() < deadline:
            with open(path, "rb") as f:
                data = f.read()
            if len(data) >= len(expected):
                break
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        self.assertBytes(data, expected, "redis-cli subscriber output (exit %s)" % proc.poll())
        return data

    def wait_subscribed(self, channel, n=1, kind="NUMSUB"):
        """Polls PUBSUB NUMSUB/SHARDNUMSUB until `channel` has n subscribers (bounded)."""
        c = self.client()
        name = channel.encode()
        expected = b"*2\r\n$%d\r\n%s\r\n:%d\r\n" % (len(name), name, n)
        deadline = time.monotonic() + 5
        got = b""
        while time.monotonic() < deadline:
            got = c.request(cmd("PUBSUB", kind, channel), len(expected), timeout=2)
            if got == expected:
                return
            time.sleep(0.02)
        self.fail("%s never had %d subscribers: %r" % (channel, n, got))

    def test_subscribe_then_publish_formatted(self):
        proc, path = self.start_subscriber("--no-raw", "subscribe", "cli:a", "cli:b")
        self.wait_subscribed("cli:b")
        self.assertEqual(self.cli("publish", "cli:a", "hello world"), (0, b"1\n"))
        self.assertEqual(self.cli("publish", "cli:b", b"bin\x01\xff"), (0, b"1\n"))
        self.assertEqual(self.cli("publish", "cli:none", "x"), (0, b"0\n"))
        self.wait_output(path,
                         b"Reading messages... (press Ctrl-C to quit)\n"
                         b'1) "subscribe"\n2) "cli:a"\n3) (integer) 1\n'
                         b'1) "subscribe"\n2) "cli:b"\n3) (integer) 2\n'
                         b'1) "message"\n2) "cli:a"\n3) "hello world"\n'
                         b'1) "message"\n2) "cli:b"\n3) "bin\\x01\\xff"\n', proc)
        self.assertIsNone(proc.poll(), "the subscriber exited on its own")

    def test_subscribe_raw_output(self):
        proc, path = self.start_subscriber("subscribe", "cli:raw")
        self.wait_subscribed("cli:raw")
        for msg in ("one", "two words", "three"):
            self.assertEqual(self.cli("publish", "cli:raw", msg), (0, b"1\n"))
        self.wait_output(path, b"subscribe\ncli:raw\n1\nmessage\ncli:raw\none\n"
                               b"message\ncli:raw\ntwo words\nmessage\ncli:raw\nthree\n", proc)

    def test_psubscribe_and_two_subscribers(self):
        p1, path1 = self.start_subscriber("psubscribe", "clip:*")
        p2, path2 = self.start_subscriber("--no-raw", "subscribe", "clip:x")
        self.wait_subscribed("clip:x")
        c = self.client()
        deadline = time.monotonic() + 5
        while c.request(cmd("PUBSUB", "NUMPAT"), 4, timeout=2) != b":1\r\n":
            self.assertLess(time.monotonic(), deadline, "pattern subscription never showed up")
            time.sleep(0.02)
        self.assertEqual(self.cli("publish", "clip:x", "both"), (0, b"2\n"))
        self.assertEqual(self.cli("publish", "clip:y", "pat"), (0, b"1\n"))
        self.wait_output(path1, b"psubscribe\nclip:*\n1\npmessage\nclip:*\nclip:x\nboth\n"
                                b"pmessage\nclip:*\nclip:y\npat\n", p1)
        self.wait_output(path2, b'Reading messages... (press Ctrl-C to quit)\n'
                                b'1) "subscribe"\n2) "clip:x"\n3) (integer) 1\n'
                                b'1) "message"\n2) "clip:x"\n3) "both"\n', p2)

    def test_resp3_subscriber(self):
        proc, path = self.start_subscriber("-3", "subscribe", "cli:r3")
        self.wait_subscribed("cli:r3")
        self.assertEqual(self.cli("-3", "publish", "cli:r3", "pushed"), (0, b"1\n"))
        self.wait_output(path, b"subscribe\ncli:r3\n1\nmessage\ncli:r3\npushed\n", proc)

    def test_shard_subscriber(self):
        proc, path = self.start_subscriber("ssubscribe", "cli:s")
        self.wait_subscribed("cli:s", kind="SHARDNUMSUB")
        self.assertEqual(self.cli("spublish", "cli:s", "sm"), (0, b"1\n"))
        self.wait_output(path, b"ssubscribe\ncli:s\n1\nsmessage\ncli:s\nsm\n", proc)

    def test_killed_subscriber_is_forgotten(self):
        proc, path = self.start_subscriber("subscribe", "cli:gone")
        self.wait_subscribed("cli:gone")
        self.stop_process(proc)
        self.wait_subscribed("cli:gone", n=0)
        self.assertEqual(self.cli("publish", "cli:gone", "x"), (0, b"0\n"))

    def test_ping_info_client_list(self):
        self.assertEqual(self.cli("ping"), (0, b"PONG\n"))
        self.assertEqual(self.cli("ping", "hello"), (0, b"hello\n"))
        self.assertEqual(self.cli("echo", "a b"), (0, b"a b\n"))
        rc, out = self.cli("info")
        self.assertEqual(rc, 0)
        text = out.decode("utf-8", "replace")
        self.assertNotIn("ERR", text.split("\n", 1)[0], text)
        self.assertTrue(any(":" in line and not line.startswith("#") for line in text.splitlines()),
                        "INFO has no field:value line: %r" % text[:500])
        rc, out = self.cli("client", "list")
        self.assertEqual(rc, 0)
        lines = out.decode("utf-8", "replace").strip().splitlines()
        self.assertGreaterEqual(len(lines), 1, out)
        for line in lines:
            self.assertRegex(line, r"^id=\d+ addr=127\.0\.0\.1:\d+ ", line)
        rc, out = self.cli("--no-raw", "nosuchcommand")
        self.assertEqual(out, b"(error) ERR unknown command 'nosuchcommand', with args beginning with: \n")


if __name__ == "__main__":
    unittest.main()
