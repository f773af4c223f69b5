#!/usr/bin/python3
"""Checks deploy/seccomp/ringcast.json, the profile that keeps io_uring in a
confined container: the structure Docker (moby's profiles/seccomp types)
reads, the three io_uring calls allowed, nothing of Docker's default lost, and
that no deploy manifest or README turns seccomp off.
Usage: seccomp_profile_test.py SOURCE_DIR"""
import json
import pathlib
import re
import subprocess
import sys

src = pathlib.Path(sys.argv[1])
seccomp = src / "deploy" / "seccomp"
problems = []

# The fields moby's seccomp.Seccomp, Architecture, Syscall, Arg and Filter
# types hold; Docker refuses a profile whose JSON does not decode into them.
ACTIONS = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
           "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}
OPS = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
       "SCMP_CMP_MASKED_EQ"}
TOP_KEYS = {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls",
            "listenerPath", "listenerMetadata", "flags"}
RULE_KEYS = {"name", "names", "action", "errnoRet", "args", "comment", "includes", "excludes"}
FILTER_KEYS = {"caps", "arches", "minKernel"}
IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")


def check_structure(profile, label):
    if not isinstance(profile, dict):
        return [f"{label}: not a JSON object"]
    out = [f"{label}: unknown top-level key {k}" for k in profile if k not in TOP_KEYS]
    if profile.get("defaultAction") not in ACTIONS:
        out.append(f"{label}: defaultAction {profile.get('defaultAction')!r} is not a seccomp action")
    if not isinstance(profile.get("defaultErrnoRet", 1), int):
        out.append(f"{label}: defaultErrnoRet must be an integer")
    for arch in profile.get("archMap", []):
        if not str(arch.get("architecture", "")).startswith("SCMP_ARCH_") or \
                not isinstance(arch.get("subArchitectures") or [], list):
            out.append(f"{label}: archMap entry {arch} needs architecture SCMP_ARCH_* and a subArchitectures list")
    if not isinstance(profile.get("syscalls"), list) or not profile["syscalls"]:
        return out + [f"{label}: syscalls must be a non-empty list"]
    for i, rule in enumerate(profile["syscalls"]):
        where = f"{label}: syscalls[{i}]"
        out += [f"{where}: unknown key {k}" for k in rule if k not in RULE_KEYS]
        names = rule.get("names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            out.append(f"{where}: names must be a non-empty list of syscall names")
        if rule.get("action") not in ACTIONS:
            out.append(f"{where}: action {rule.get('action')!r} is not a seccomp action")
        for arg in rule.get("args") or []:
            if not isinstance(arg.get("index"), int) or not isinstance(arg.get("value"), int) \
                    or arg.get("op") not in OPS:
                out.append(f"{where}: arg {arg} needs an integer index and value and an SCMP_CMP_* op")
        for key in ("includes", "excludes"):
            filt = rule.get(key, {})
            if not isinstance(filt, dict) or set(filt) - FILTER_KEYS:
                out.append(f"{where}: {key} may hold only {sorted(FILTER_KEYS)}")
    return out


def unconditional_allows(profile):
    """Names every container may call whatever its capabilities or
    architecture: allowed with no argument, capability or arch condition."""
    return {n for r in profile["syscalls"] if r["action"] == "SCMP_ACT_ALLOW"
            and not r.get("args") and not r.get("includes") and not r.get("excludes")
            for n in r["names"]}


def rule_key(rule):
    return json.dumps({k: v for k, v in rule.items() if k != "names"}, sort_keys=True)


try:
    profile = json.loads((seccomp / "ringcast.json").read_text())
    base = json.loads((seccomp / "docker-default.json").read_text())
except (OSError, ValueError) as e:
    print(f"FAIL  profile does not load: {e}")
    sys.exit(1)

problems += check_structure(profile, "ringcast.json")
problems += check_structure(base, "docker-default.json")

if profile.get("defaultAction") != "SCMP_ACT_ERRNO":
    problems.append(f"ringcast.json: defaultAction is {profile.get('defaultAction')}, not SCMP_ACT_ERRNO: "
                    "whatever is not listed must be refused")
if profile.get("archMap") != base.get("archMap"):
    problems.append("ringcast.json: archMap differs from Docker's default")
allowed = unconditional_allows(profile)
for name in IO_URING:
    if name not in allowed:
        problems.append(f"ringcast.json: {name} is not allowed unconditionally with SCMP_ACT_ALLOW")

# Superset of the base: every base rule is there, same conditions and action,
# with at least its names. Names are matched per condition so that a call
# allowed only with CAP_SYS_ADMIN in Docker's profile cannot count as kept by
# an unconditional rule, nor the other way round.
by_condition = {}
for rule in profile.get("syscalls", []):
    by_condition.setdefault(rule_key(rule), set()).update(rule.get("names", []))
for i, rule in enumerate(base["syscalls"]):
    lost = set(rule["names"]) - by_condition.get(rule_key(rule), set())
    if lost:
        problems.append(f"ringcast.json: Docker's rule syscalls[{i}] ({rule['action']}) lost {sorted(lost)}")
# ... and nothing beyond the io_uring calls is added to what Docker allows.
extra = allowed - unconditional_allows(base) - set(IO_URING)
if extra:
    problems.append(f"ringcast.json: allows {sorted(extra)} beyond Docker's default and io_uring")
if len(profile.get("syscalls", [])) != len(base["syscalls"]):
    problems.append("ringcast.json: has a different number of rules from Docker's default")

# The committed profile is what the committed script makes of the base.
gen = subprocess.run([sys.executable, str(seccomp / "generate.py"), "--check"], capture_output=True, text=True)
if gen.returncode != 0:
    problems.append(f"generate.py --check: {gen.stderr.strip() or gen.stdout.strip()}")

# No file in deploy/ (manifests, compose files, docs) nor README.md may turn
# seccomp off, in any spelling (seccomp=unconfined, type: Unconfined, ...).
for path in [src / "README.md", *sorted((src / "deploy").rglob("*"))]:
    if path.is_file():
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if re.search("unconfined", line, re.IGNORECASE):
                problems.append(f"{path.relative_to(src)}:{n}: says Unconfined: {line.strip()}")

for name in ("k8s/deployment.yaml", "k8s/cluster/deployment.yaml"):
    text = (src / "deploy" / name).read_text()
    if not re.search(r"^\s*seccompProfile:\s*\n\s*type:\s*RuntimeDefault\s*$", text, re.MULTILINE):
        problems.append(f"deploy/{name}: the pod's seccompProfile is not type: RuntimeDefault")

for p in problems:
    print(f"FAIL  {p}")
print(f"seccomp_profile: {len(problems)} problem(s); "
      f"{len(allowed)} calls allowed unconditionally, {len(profile['syscalls'])} rules")
sys.exit(1 if problems else 0)
