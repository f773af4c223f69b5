# Which skipped tests are allowed: the one allow-list file (tests/skip_allowlist.txt) and the
# ringcast-only rule under RINGCAST_TEST_SERVER=redis. Shared by run_module.py and its own test.

import os

ALLOWLIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "skip_allowlist.txt")
RINGCAST_ONLY = "ringcast only:"


def load_allowlist(path=ALLOWLIST):
    """{test id: reason}. A line without an id or without a reason is an error, not ignored:
    an allow-list entry must say why."""
    entries = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test_id, sep, reason = (part.strip() for part in line.partition("|"))
            if not sep or not test_id or not reason:
                raise ValueError("%s:%d: expected `test id | reason`, got %r" % (path, number, line))
            entries[test_id] = reason
    return entries


def allowed_reason(test_id, skip_reason, entries, against_redis):
    """Why this skip is allowed, or None when it must fail."""
    if against_redis and skip_reason.startswith(RINGCAST_ONLY):
        return "rule: ringcast-only test under RINGCAST_TEST_SERVER=redis"
    parts = test_id.split(".")
    for n in range(len(parts), 0, -1):  # the id itself, then its class, then its module
        reason = entries.get(".".join(parts[:n]))
        if reason is not None:
            return "allow-listed: " + reason
    return None
