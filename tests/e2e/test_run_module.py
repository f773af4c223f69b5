# The CTest runner itself (run_module.py, skip_policy.py): a skip not allow-listed fails the
# module, an allow-listed or ringcast-only-under-redis skip does not, a module that runs no test
# fails, and a malformed allow-list line is an error. Label `fixture`: it tests the test tooling.

import os
import subprocess
import sys
import tempfile
import unittest

import skip_policy

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_module.py")

MODULE = """
import unittest
class T(unittest.TestCase):
    def test_runs(self):
        pass
    @unittest.skip(%r)
    def test_skips(self):
        pass
"""


class RunModuleTest(unittest.TestCase):
    def run_module(self, source, redis=False):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "fake_mod.py"), "w") as f:
                f.write(source)
            env = dict(os.environ, PYTHONPATH=d, PYTHONDONTWRITEBYTECODE="1")
            env.pop("RINGCAST_TEST_SERVER", None)
            if redis:
                env["RINGCAST_TEST_SERVER"] = "redis"
            proc = subprocess.run([sys.executable, RUNNER, "fake_mod"], env=env, capture_output=True,
                                  text=True, timeout=60)
            return proc.returncode, proc.stderr

    def test_a_skip_not_allow_listed_fails(self):
        rc, err = self.run_module(MODULE % "no tool here")
        self.assertEqual(rc, 1, err)
        self.assertIn("SKIP NOT ALLOWED: fake_mod.T.test_skips: no tool here", err)

    def test_ringcast_only_skips_are_allowed_against_redis_only(self):
        source = MODULE % (skip_policy.RINGCAST_ONLY + " a ringcast feature")
        rc, err = self.run_module(source, redis=True)
        self.assertEqual(rc, 0, err)
        rc, err = self.run_module(source, redis=False)
        self.assertEqual(rc, 1, "a ringcast-only test skipped against ringcast itself:\n" + err)

    def test_a_module_without_tests_fails(self):
        rc, err = self.run_module("import unittest\n")
        self.assertEqual(rc, 1, err)
        self.assertIn("no test ran", err)

    def test_a_failure_still_fails(self):
        rc, err = self.run_module("import unittest\nclass T(unittest.TestCase):\n"
                                  "    def test_x(self):\n        self.fail('boom')\n")
        self.assertEqual(rc, 1, err)

    def test_allow_list_matches_the_id_its_class_or_module(self):
        entries = {"m.C.test_a": "why a", "n.D": "why D", "o": "why o"}
        self.assertEqual(skip_policy.allowed_reason("m.C.test_a", "x", entries, False), "allow-listed: why a")
        self.assertIsNone(skip_policy.allowed_reason("m.C.test_b", "x", entries, False))
        self.assertEqual(skip_policy.allowed_reason("n.D.test_z", "x", entries, False), "allow-listed: why D")
        self.assertEqual(skip_policy.allowed_reason("o.E.test_y", "x", entries, False), "allow-listed: why o")
        self.assertIsNone(skip_policy.allowed_reason("mm.C.test_a", "x", entries, False))

    def test_allow_list_lines_need_a_reason(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("# comment\n\nsome.test |   \n")
            f.flush()
            with self.assertRaises(ValueError):
                skip_policy.load_allowlist(f.name)

    def test_the_real_allow_list_parses(self):
        skip_policy.load_allowlist()


if __name__ == "__main__":
    unittest.main()
