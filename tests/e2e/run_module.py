#!/usr/bin/python3
# CTest's runner for one Python e2e module: `python3 -m unittest` exits 0 when tests skip, so a
# test that silently stopped running would show as "Passed". This runs the module the same way
# (verbose), then lists every skip and exits 1 for any skip that is not allowed (skip_policy.py:
# tests/skip_allowlist.txt, or the ringcast-only rule against redis-server), and when the module
# ran no test at all.
#   run_module.py MODULE      (from tests/e2e, as CTest does)

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import skip_policy  # noqa: E402


def skip_id(test):
    # A skip raised in setUpClass is reported on a holder whose id is "setUpClass (module.Class)".
    text = test.id()
    if " (" in text and text.endswith(")"):
        return text[text.index(" (") + 2:-1]
    return text


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: run_module.py MODULE\n")
        return 2
    entries = skip_policy.load_allowlist()
    against_redis = os.environ.get("RINGCAST_TEST_SERVER", "") == "redis"
    suite = unittest.defaultTestLoader.loadTestsFromName(argv[1])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(suite)

    refused = []
    for test, reason in result.skipped:
        test_id = skip_id(test)
        why = skip_policy.allowed_reason(test_id, reason, entries, against_redis)
        if why is None:
            refused.append((test_id, reason))
            sys.stderr.write("SKIP NOT ALLOWED: %s: %s\n" % (test_id, reason))
        else:
            sys.stderr.write("skip allowed: %s: %s (%s)\n" % (test_id, reason, why))
    if refused:
        sys.stderr.write("%d skip(s) not in %s: install what the test needs (deploy/install-deps.sh) "
                         "or add `test id | reason` there\n" % (len(refused), skip_policy.ALLOWLIST))
    if result.testsRun == 0:
        sys.stderr.write("no test ran in %s\n" % argv[1])
    return 0 if result.wasSuccessful() and not refused and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
