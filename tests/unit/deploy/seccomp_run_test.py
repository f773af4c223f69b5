#!/usr/bin/python3
"""Runs ringcast under deploy/seccomp/ringcast.json, loaded with libseccomp
the way Docker applies it to a container without capabilities (cap_drop: ALL,
as in deploy/), on this machine's architecture: the daemon must start on
io_uring, serve pub/sub and HTTP, and stop cleanly. Docker's default profile,
loaded the same way, must refuse io_uring_setup, which shows the loader
enforces what it reads, and under it the daemon (io: auto) must do all the
same on epoll: the image runs confined by Docker's default profile.
Usage: seccomp_run_test.py SOURCE_DIR RINGCAST_BINARY"""
import http.client
import json
import os
import pathlib
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import seccomp

src, ringcast = pathlib.Path(sys.argv[1]), sys.argv[2]
profiles = src / "deploy" / "seccomp"
# Docker's names for the native architecture, as "arches" filters spell them.
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
OPS = {"SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT, "SCMP_CMP_LE": seccomp.LE,
       "SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_GE": seccomp.GE, "SCMP_CMP_GT": seccomp.GT,
       "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ}
failures = []


def kernel_at_least(version):
    have = [int(x) for x in re.findall(r"\d+", platform.release())[:2]]
    return have >= [int(x) for x in version.split(".")[:2]]


def applies(rule):
    """Whether Docker would add `rule` for a capability-less container on ARCH."""
    inc, exc = rule.get("includes", {}), rule.get("excludes", {})
    if inc.get("caps") or ("arches" in inc and ARCH not in inc["arches"]):
        return False
    if "minKernel" in inc and not kernel_at_least(inc["minKernel"]):
        return False
    return ARCH not in exc.get("arches", [])   # excludes.caps: we hold none, so it applies


def action(name, errno_ret):
    return {"SCMP_ACT_ALLOW": seccomp.ALLOW, "SCMP_ACT_ERRNO": seccomp.ERRNO(errno_ret or 1),
            "SCMP_ACT_KILL": seccomp.KILL, "SCMP_ACT_TRAP": seccomp.TRAP,
            "SCMP_ACT_LOG": seccomp.LOG}[name]


def build_filter(path):
    profile = json.loads(path.read_text())
    f = seccomp.SyscallFilter(action(profile["defaultAction"], profile.get("defaultErrnoRet")))
    for rule in filter(applies, profile["syscalls"]):
        args = [seccomp.Arg(a["index"], OPS[a["op"]], a["value"], a.get("valueTwo", 0))
                for a in rule.get("args") or []]
        for name in rule["names"]:
            try:
                f.add_rule(action(rule["action"], rule.get("errnoRet")), name, *args)
            except (ValueError, RuntimeError, OSError):
                pass  # a name this kernel or libseccomp does not know: Docker skips those too
    return f


def run_confined(path, argv, **kw):
    f = build_filter(path)
    return subprocess.Popen(argv, preexec_fn=f.load, **kw)


# io_uring_setup(1, params): a ring fd where allowed, EPERM where the profile refuses.
PROBE = ("import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); p = ctypes.create_string_buffer(120); "
         "fd = libc.syscall(%d, 1, p); print('refused' if fd < 0 and ctypes.get_errno() == 1 else 'allowed')"
         % seccomp.resolve_syscall(seccomp.Arch.NATIVE, "io_uring_setup"))
for name, want in (("docker-default.json", "refused"), ("ringcast.json", "allowed")):
    out = run_confined(profiles / name, [sys.executable, "-c", PROBE], stdout=subprocess.PIPE, text=True)
    got = out.communicate(timeout=30)[0].strip()
    if got != want:
        failures.append(f"io_uring_setup under {name}: {got or 'no answer'}, expected {want}")
    else:
        print(f"ok    io_uring_setup is {want} under {name}")


def resp(sock, *args):
    sock.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in args]))


def read_until(sock, needle, deadline=5.0):
    data, end = b"", time.monotonic() + deadline
    while needle not in data and time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def serve_confined(name, expected):
    """ringcast with `io: auto` under profile `name`: it must start, deliver across shards, report
    `expected` as its multiplexing_api, answer /healthz and stop cleanly on SIGTERM."""
    with tempfile.TemporaryDirectory() as tmp:
        conf, log = pathlib.Path(tmp, "ringcast.yaml"), pathlib.Path(tmp, "ringcast.log")
        # The container configs' shape (deploy/docker/ringcast.yaml) on loopback: two
        # shards, so cross-shard delivery runs too, and the HTTP listener.
        conf.write_text("bind: 127.0.0.1\nshards: 2\nlog:\n  format: json\n"
                        "metrics:\n  enabled: true\n  bind: 127.0.0.1\n  port: 0\n")
        with open(log, "w") as err:
            daemon = run_confined(profiles / name, [ringcast, "--config", str(conf), "--port", "0"], stderr=err)
        ports = {}
        for _ in range(100):
            text = log.read_text()
            for key, pattern in (("resp", r"ready: listening on 127\.0\.0\.1:(\d+)"),
                                 ("http", r"HTTP listening on 127\.0\.0\.1:(\d+)")):
                m = re.search(pattern, text)
                if m:
                    ports[key] = int(m.group(1))
            if len(ports) == 2 or daemon.poll() is not None:
                break
            time.sleep(0.1)
        try:
            if len(ports) != 2:
                failures.append(f"ringcast did not start under {name}: {log.read_text()[-2000:]}")
            else:
                print(f"ok    ringcast starts under {name}")
                sub = socket.create_connection(("127.0.0.1", ports["resp"]))
                pub = socket.create_connection(("127.0.0.1", ports["resp"]))
                resp(sub, b"SUBSCRIBE", b"news")
                read_until(sub, b":1\r\n")
                resp(pub, b"PUBLISH", b"news", b"confined")
                got = read_until(sub, b"confined")
                if b"confined" not in got:
                    failures.append(f"no message delivered under {name}: {got!r}")
                resp(pub, b"INFO", b"server")
                info = read_until(pub, b"uptime_in_seconds")
                backend = re.search(rb"multiplexing_api:(\w+)", info)
                if not backend or backend.group(1) != expected.encode():
                    failures.append(f"INFO under {name}: multiplexing_api is "
                                    f"{backend.group(1).decode() if backend else 'missing'}, expected {expected}")
                else:
                    print(f"ok    PUBLISH reaches the subscriber; INFO says multiplexing_api:{expected}")
                h = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=5)
                h.request("GET", "/healthz")
                status = h.getresponse().status
                if status != 200:
                    failures.append(f"GET /healthz under {name}: {status}")
                sub.close(); pub.close()
            if len(ports) == 2:
                daemon.send_signal(signal.SIGTERM)
                try:
                    code = daemon.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    code = "nothing (still running 15 s later)"
                if code != 0:
                    failures.append(f"ringcast under {name} exited with {code} after SIGTERM: "
                                    f"{log.read_text()[-1000:]}")
                else:
                    print(f"ok    HTTP /healthz answers; SIGTERM stops it with status 0 ({name})")
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()


# The profile for io_uring keeps it; Docker's default refuses it and ringcast falls back to epoll.
serve_confined("ringcast.json", "io_uring")
serve_confined("docker-default.json", "epoll")

for f in failures:
    print(f"FAIL  {f}")
sys.exit(1 if failures else 0)
