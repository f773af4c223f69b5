#!/usr/bin/python3
"""Writes deploy/seccomp/ringcast.json: Docker's default seccomp profile plus
the three io_uring system calls, so a container keeps io_uring and stays
confined. `--check` exits 1 when ringcast.json is not what this would write.

The base, docker-default.json, is moby's profiles/seccomp/default.json taken
unchanged from Debian's golang-github-docker-docker-dev 26.1.5+dfsg1-9+deb13u1
(trixie), /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/
default.json, sha256 below. Docker 25 dropped io_uring from that profile,
which is the only reason ringcast needs its own. To move to a newer Docker,
copy that file from the newer package over docker-default.json, update
BASE_SHA256 and run this script:
    apt-get download golang-github-docker-docker-dev   # from the suite you want
    dpkg-deb -x golang-github-docker-docker-dev_*.deb x
"""
import hashlib
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
BASE = HERE / "docker-default.json"
OUTPUT = HERE / "ringcast.json"
BASE_SHA256 = "9c1025c88ccaa517b648da571961838744ea2137f176bfe6a48b21294cae9c76"
IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")


def sort_key(name):
    # moby's list ignores underscores when ordering (io_submit, io_uring_*, ipc).
    return name.replace("_", "")


def with_io_uring(profile):
    """The profile with IO_URING in its first rule that allows names
    unconditionally (no args, includes or excludes), where Docker 24 and earlier
    had them; every other rule is left as it is."""
    rule = next(r for r in profile["syscalls"]
                if r["action"] == "SCMP_ACT_ALLOW"
                and not r.get("args") and not r.get("includes") and not r.get("excludes"))
    for name in IO_URING:
        if name in rule["names"]:
            continue
        names = rule["names"]
        at = next((i for i, n in enumerate(names) if sort_key(n) > sort_key(name)), len(names))
        names.insert(at, name)
    return profile


def render(base_text):
    # Tabs and no trailing newline: moby's own layout, so ringcast.json diffs
    # against docker-default.json by exactly the added lines.
    return json.dumps(with_io_uring(json.loads(base_text)), indent="\t")


def main():
    base_text = BASE.read_text()
    digest = hashlib.sha256(base_text.encode()).hexdigest()
    if digest != BASE_SHA256:
        sys.exit(f"{BASE.name}: sha256 {digest}, expected {BASE_SHA256}: "
                 "update BASE_SHA256 (and the docstring) when the base changes")
    text = render(base_text)
    if sys.argv[1:] == ["--check"]:
        if OUTPUT.read_text() != text:
            sys.exit(f"{OUTPUT.name} is not {BASE.name} plus io_uring: run {pathlib.Path(__file__).name}")
        return
    OUTPUT.write_text(text)


if __name__ == "__main__":
    main()
