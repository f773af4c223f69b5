# The daemon's command line (ringcast only): --version, --help, --check-config on good and bad
# files, and refusing to start on a bad config or option instead of hanging.

import os
import subprocess
import tempfile
import unittest

from harness import skip_unless_ringcast

SHIPPED_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config", "ringcast.yaml")


@skip_unless_ringcast("the command line is ringcast's own")
class CliTest(unittest.TestCase):
    def run_ringcast(self, *args, timeout=10):
        proc = subprocess.run([os.environ["RINGCAST_BIN"]] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    def config_file(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="ringcast-cli-", delete=False)
        self.addCleanup(os.unlink, f.name)
        f.write(text)
        f.close()
        return f.name

    def test_version(self):
        rc, out, err = self.run_ringcast("--version")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"^ringcast \d+\.\d+\.\d+")

    def test_help(self):
        rc, out, err = self.run_ringcast("--help")
        self.assertEqual(rc, 0, err)
        for flag in ("--bind", "--port", "--shards", "--config", "--check-config", "--version"):
            self.assertIn(flag, out)

    def test_unknown_option_is_refused(self):
        rc, out, err = self.run_ringcast("--no-such-flag")
        self.assertNotEqual(rc, 0)
        self.assertIn("--no-such-flag", err)

    def test_check_config_accepts_the_shipped_file(self):
        rc, out, err = self.run_ringcast("--config", SHIPPED_CONFIG, "--check-config")
        self.assertEqual(rc, 0, out + err)

    def test_check_config_accepts_the_e2e_limits(self):
        path = self.config_file("limits: {max_bulk_len: 1mb}\nshutdown_timeout: 1\n")
        rc, out, err = self.run_ringcast("--config", path, "--check-config")
        self.assertEqual(rc, 0, out + err)

    def test_check_config_names_file_line_and_key(self):
        path = self.config_file("port: 7000\nlimits:\n  max_bulk_len: lots\n")
        rc, out, err = self.run_ringcast("--config", path, "--check-config")
        self.assertNotEqual(rc, 0, out)
        self.assertIn(path + ":3", err)
        self.assertIn("max_bulk_len", err)

    def test_bad_config_refuses_to_start(self):
        path = self.config_file("no_such_key: 1\n")
        rc, out, err = self.run_ringcast("--config", path, "--bind", "127.0.0.1", "--port", "0", timeout=10)
        self.assertNotEqual(rc, 0)
        self.assertIn("no_such_key", err)


if __name__ == "__main__":
    unittest.main()
