# Choosing the I/O backend. Under a seccomp filter that refuses io_uring (no_uring_launcher, as
# Docker's default profile does), `io: auto` starts on epoll, says why in one log line, serves
# redis-py and redis-cli, and reports epoll in INFO, /stats and /metrics; `io: uring` (key or
# flag) refuses to start there, with the reason. Without the filter, auto picks io_uring.
#   RINGCAST_BIN=build/release/broker/ringcast \
#   RINGCAST_NO_URING_LAUNCHER=build/release/tests/e2e/no_uring_launcher \
#   /usr/bin/python3 -m unittest tests.e2e.test_io_fallback      (from tests/e2e: test_io_fallback)

import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.request

import redis

from harness import ServerTestCase, info_fields, wait_until

REDIS_CLI = "/usr/bin/redis-cli"
METRICS = "metrics:\n  enabled: true\n  bind: 127.0.0.1\n  port: 0\n"
REASON = "io: auto: io_uring is unavailable, running on epoll: "


def launcher():
    path = os.environ.get("RINGCAST_NO_URING_LAUNCHER", "")
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest("set RINGCAST_NO_URING_LAUNCHER to the no_uring_launcher binary")
    return [os.path.abspath(path)]


def http_port(server):
    line = server.wait_for_log("HTTP listening on 127.0.0.1:", timeout=5)
    assert line, "no HTTP listener line in the log"
    return int(re.search(r"HTTP listening on 127\.0\.0\.1:(\d+)", line).group(1))


def http_get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as reply:
        return reply.read().decode()


class AutoFallsBackToEpoll(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_class_server(shards=2, io=None, launcher=launcher(),
                                            config_text="io: auto\n" + METRICS)

    def test_logs_one_line_naming_the_refusal(self):
        log = self.server.log_bytes().decode("utf-8", "replace")
        lines = [line for line in log.splitlines() if REASON in line]
        self.assertEqual(len(lines), 1, log)
        self.assertIn("io_uring_setup", lines[0])
        self.assertIn("EPERM", lines[0])
        self.assertIn("seccomp", lines[0])

    def test_info_stats_and_metrics_say_epoll(self):
        fields = info_fields(self.client(), "server")
        self.assertEqual(fields["multiplexing_api"], "epoll")
        port = http_port(self.server)
        stats = json.loads(http_get(port, "/stats"))
        self.assertEqual(stats["server"]["multiplexing_api"], "epoll")
        self.assertIn('ringcast_io_backend_info{backend="epoll"} 1\n', http_get(port, "/metrics"))

    def test_serves_redis_py_across_shards(self):
        # Connections alternate between the two shards: publishers on both reach subscribers on both.
        subscribers = [redis.Redis(port=self.server.port, socket_timeout=5) for _ in range(2)]
        pubsubs = []
        for r in subscribers:
            p = r.pubsub()
            p.subscribe("fallback")
            self.assertEqual(p.get_message(timeout=5)["type"], "subscribe")
            pubsubs.append(p)
        publishers = [redis.Redis(port=self.server.port, socket_timeout=5) for _ in range(2)]
        for i, r in enumerate(publishers):
            self.assertEqual(r.publish("fallback", "hello %d" % i), 2)
        for p in pubsubs:
            got = [p.get_message(timeout=5) for _ in range(2)]
            self.assertEqual(sorted(m["data"] for m in got), [b"hello 0", b"hello 1"])
        for c in pubsubs + subscribers + publishers:
            c.close()

    def test_serves_redis_cli(self):
        out = tempfile.NamedTemporaryFile(prefix="redis-cli-", delete=False)
        self.addCleanup(os.unlink, out.name)
        sub = subprocess.Popen([REDIS_CLI, "-p", str(self.server.port), "subscribe", "cli-news"],
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.addCleanup(lambda: (sub.kill(), sub.wait()))
        asker = redis.Redis(port=self.server.port, socket_timeout=5)
        self.addCleanup(asker.close)
        self.assertTrue(wait_until(lambda: asker.pubsub_numsub("cli-news")[0][1] == 1, timeout=5))
        ran = subprocess.run([REDIS_CLI, "-p", str(self.server.port), "publish", "cli-news", "from-cli"],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        self.assertEqual(ran.stdout.strip(), b"1")
        def received():
            with open(out.name, "rb") as f:
                return b"from-cli" in f.read()
        self.assertTrue(wait_until(received, timeout=5))


class UringRefusedUnderTheFilter(ServerTestCase):
    def run_refused(self, config_text, extra_args):
        with tempfile.TemporaryDirectory(prefix="ringcast-io-") as tmp:
            path = os.path.join(tmp, "ringcast.yaml")
            with open(path, "w") as f:
                f.write(config_text)
            argv = launcher() + [os.environ["RINGCAST_BIN"], "--bind", "127.0.0.1", "--port", "0",
                                 "--config", path] + extra_args
            return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)

    def check_refusal(self, ran):
        self.assertEqual(ran.returncode, 1, ran.stdout + ran.stderr)
        self.assertIn("io: uring: io_uring is unavailable: io_uring_setup", ran.stderr)
        self.assertIn("EPERM", ran.stderr)
        self.assertNotIn(" ready: ", ran.stderr)

    def test_io_key_uring_exits_1_with_the_reason(self):
        self.check_refusal(self.run_refused("io: uring\n", []))

    def test_io_flag_uring_overrides_the_file(self):
        self.check_refusal(self.run_refused("io: epoll\n", ["--io", "uring"]))


class ChoiceWithoutTheFilter(ServerTestCase):
    def test_auto_picks_io_uring_where_the_kernel_allows_it(self):
        server = self.start_server(shards=1, io=None)
        self.assertEqual(info_fields(self.client(server.port), "server")["multiplexing_api"], "io_uring")
        self.assertNotIn(REASON.encode(), server.log_bytes())

    def test_io_flag_epoll(self):
        server = self.start_server(shards=1, io="epoll")
        self.assertEqual(info_fields(self.client(server.port), "server")["multiplexing_api"], "epoll")

    def test_io_key_epoll_and_a_reload_that_changes_it_needs_a_restart(self):
        server = self.start_server(shards=1, io=None, config_text="io: epoll\n")
        self.assertEqual(info_fields(self.client(server.port), "server")["multiplexing_api"], "epoll")
        since = len(server.log_bytes())
        server.write_config("io: uring\n")
        server.reload()
        line = server.wait_for_log("SIGHUP: io:", since=since)
        self.assertIsNotNone(line, server.log())
        self.assertIn("io: epoll -> uring (needs a restart; kept epoll)", line)
        self.assertEqual(info_fields(self.client(server.port), "server")["multiplexing_api"], "epoll")

    def test_a_bad_value_names_the_key_and_line(self):
        with tempfile.TemporaryDirectory(prefix="ringcast-io-") as tmp:
            path = os.path.join(tmp, "ringcast.yaml")
            with open(path, "w") as f:
                f.write("port: 6399\nio: kqueue\n")
            ran = subprocess.run([os.environ["RINGCAST_BIN"], "--config", path, "--check-config"],
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(ran.returncode, 1)
        self.assertIn("ringcast.yaml:2: io: expected one of auto, uring, epoll", ran.stderr)


if __name__ == "__main__":
    unittest.main()
