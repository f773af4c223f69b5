#!/usr/bin/env bash
# Checks what can be checked of deploy/ on a machine without docker or a
# running systemd: the unit (systemd-analyze verify), the YAML of compose
# and k8s, their ringcast.yaml against `ringcast --check-config`, the
# Dockerfile's runtime packages against the binary's libraries, and the
# container health check against a live daemon.
# Usage: deploy_files_test.sh SOURCE_DIR RINGCAST_BINARY
set -uo pipefail

src="${1:?source dir}"
bin="${2:?ringcast binary}"
deploy="$src/deploy"
tmp="$(mktemp -d)"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/deploy_check_lib.sh"

# --- systemd unit -------------------------------------------------------------
unit="$deploy/ringcast.service"
grep -qx 'ExecStart=/usr/local/bin/ringcast --config /usr/local/etc/ringcast/ringcast.yaml' "$unit" \
  && pass "unit starts the installed binary with the installed config" \
  || fail "unit ExecStart is not /usr/local/bin/ringcast --config /usr/local/etc/ringcast/ringcast.yaml"
for directive in Type=simple NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
                 LimitNOFILE=65536 Restart=on-failure KillSignal=SIGTERM DynamicUser=yes; do
  grep -qx "$directive" "$unit" || fail "unit lacks $directive"
done
stop_timeout="$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")"
# The daemon flushes for up to shutdown_timeout (5s by default) after SIGTERM.
[ -n "$stop_timeout" ] && [ "$stop_timeout" -gt 5 ] && pass "unit hardening directives present, TimeoutStopSec=$stop_timeout" \
  || fail "unit TimeoutStopSec must exceed the 5s shutdown timeout"

if command -v systemd-analyze >/dev/null; then
  # verify insists that ExecStart exists: check a copy aimed at the built binary.
  sed "s|^ExecStart=.*|ExecStart=$bin --config $src/config/ringcast.yaml|" "$unit" >"$tmp/ringcast.service"
  # It reports unknown or misspelt directives as warnings with status 0, so any output fails.
  out="$(systemd-analyze verify "$tmp/ringcast.service" 2>&1)"
  rc=$?
  if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "systemd-analyze verify ringcast.service"
  else fail "systemd-analyze verify (status $rc): $out"; fi
else
  skip deploy_files/systemd-analyze "systemd-analyze not installed: unit not verified"
fi

# --- ringcast.yaml files ------------------------------------------------------
check_config "deploy/docker/ringcast.yaml" "$deploy/docker/ringcast.yaml"

# --- compose and k8s YAML -----------------------------------------------------
py="$(yaml_python)"
if [ -z "$py" ]; then
  skip deploy_files/yaml "python3 with the yaml module not found: compose and k8s YAML not checked"
else
  if out="$("$py" - "$deploy" "$tmp/configmap-ringcast.yaml" <<'PY' 2>&1
import sys, yaml
deploy, extracted = sys.argv[1], sys.argv[2]
problems = []

compose = yaml.safe_load(open(f"{deploy}/docker-compose.yml"))
svc = compose["services"]["ringcast"]
if not any(v.endswith(":/etc/ringcast/ringcast.yaml:ro") for v in svc["volumes"]):
    problems.append("compose: config not mounted read-only at /etc/ringcast/ringcast.yaml")
if "/etc/ringcast/ringcast.yaml" not in svc["command"]:
    problems.append("compose: command does not load the mounted config")
if not any(str(p).endswith(":6379") for p in svc["ports"]):
    problems.append("compose: port 6379 not published")
mounted = svc["volumes"][0].split(":")[0]
yaml.safe_load(open(f"{deploy}/{mounted}"))

docs = {}
for name in ("configmap", "deployment", "service", "kustomization"):
    for doc in yaml.safe_load_all(open(f"{deploy}/k8s/{name}.yaml")):
        docs[doc["kind"]] = doc
for kind in ("ConfigMap", "Deployment", "Service", "Kustomization"):
    if kind not in docs:
        problems.append(f"k8s: no {kind}")
conf_text = docs["ConfigMap"]["data"]["ringcast.yaml"]
open(extracted, "w").write(conf_text)
conf = yaml.safe_load(conf_text)
if conf.get("bind") != "0.0.0.0":
    problems.append("k8s: ringcast.yaml must bind 0.0.0.0")
metrics = conf.get("metrics") or {}
if metrics.get("enabled") is not True or metrics.get("bind") != "0.0.0.0":
    problems.append("k8s: ringcast.yaml must enable metrics on 0.0.0.0")

pod = docs["Deployment"]["spec"]["template"]["spec"]
if pod["securityContext"].get("runAsNonRoot") is not True:
    problems.append("k8s: pod must runAsNonRoot")
c = pod["containers"][0]
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
if ports.get("redis") != conf.get("port", 6379):
    problems.append("k8s: container port 'redis' differs from ringcast.yaml port")
if ports.get("http") != metrics.get("port"):
    problems.append("k8s: container port 'http' differs from ringcast.yaml metrics.port")
for probe in ("livenessProbe", "readinessProbe"):
    get = c.get(probe, {}).get("httpGet", {})
    if get.get("path") != "/healthz" or get.get("port") not in ("http", metrics.get("port")):
        problems.append(f"k8s: {probe} must GET /healthz on the metrics port")
if not c.get("resources", {}).get("requests") or not c.get("resources", {}).get("limits"):
    problems.append("k8s: container needs resource requests and limits")
if c["securityContext"].get("allowPrivilegeEscalation") is not False:
    problems.append("k8s: allowPrivilegeEscalation must be false")
mount = [m for m in c["volumeMounts"] if m["mountPath"] == "/etc/ringcast"]
if not mount or "/etc/ringcast/ringcast.yaml" not in c["args"]:
    problems.append("k8s: the ConfigMap must be mounted at /etc/ringcast and passed with --config")
if docs["Deployment"]["spec"]["selector"]["matchLabels"] != docs["Service"]["spec"]["selector"]:
    problems.append("k8s: Service selector does not match the Deployment")
for p in docs["Service"]["spec"]["ports"]:
    if p["targetPort"] not in ports:
        problems.append(f"k8s: Service targets unknown port {p['targetPort']}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
)"; then
    pass "docker-compose.yml and k8s/*.yaml parse and agree with each other"
    check_config "k8s ConfigMap ringcast.yaml" "$tmp/configmap-ringcast.yaml"
  else
    fail "compose/k8s YAML: $out"
  fi
fi

# --- Dockerfile -----------------------------------------------------------------
dockerfile="$deploy/Dockerfile"
[ "$(grep -c '^FROM debian:12' "$dockerfile")" -ge 2 ] && pass "Dockerfile is multi-stage on Debian 12" \
  || fail "Dockerfile needs a debian:12 build stage and a debian:12 runtime stage"
user="$(sed -n 's/^USER \(.*\)$/\1/p' "$dockerfile" | tail -1)"
{ [ -n "$user" ] && [ "${user%%:*}" != "0" ] && [ "${user%%:*}" != "root" ]; } && pass "Dockerfile runs as non-root user $user" \
  || fail "Dockerfile must end with a non-root USER"
grep -q '^HEALTHCHECK .*ringcast-healthcheck' "$dockerfile" && grep -q '^EXPOSE 6379' "$dockerfile" \
  && pass "Dockerfile has HEALTHCHECK and EXPOSE 6379" || fail "Dockerfile lacks HEALTHCHECK or EXPOSE 6379"
if command -v ldd >/dev/null && command -v dpkg >/dev/null; then
  # The runtime stage is what follows the last FROM.
  runtime="$(awk '/^FROM /{stage=""} {stage = stage "\n" $0} END{print stage}' "$dockerfile")"
  missing=""
  # Present in debian:12-slim already; sanitizer runtimes only in test builds.
  base="libc6 libgcc-s1 libstdc++6 libasan8 libubsan1 liblsan0"
  for lib in $(ldd "$bin" | awk '$3 ~ /^\// {print $3}'); do
    pkg="$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)"
    [ -z "$pkg" ] && pkg="$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)"
    [ -z "$pkg" ] && { missing="$missing $lib(no package)"; continue; }
    case " $base " in *" $pkg "*) continue ;; esac
    grep -qw -- "$pkg" <<<"$runtime" || missing="$missing $pkg"
  done
  [ -z "$missing" ] && pass "Dockerfile runtime stage installs every library ringcast links" \
    || fail "Dockerfile runtime stage lacks:$missing"
else
  skip deploy_files/ldd "ldd or dpkg missing: runtime packages not checked"
fi

# --- container health check against a live daemon ----------------------------
health="$deploy/docker/healthcheck.sh"
"$bin" --port 0 --bind 127.0.0.1 --shards 1 2>"$tmp/daemon.log" &
daemon_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/daemon.log" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  fail "ringcast did not start for the health check: $(cat "$tmp/daemon.log")"
else
  if out="$(timeout 10 bash "$health" "$port" 2>&1)"; then pass "healthcheck.sh gets PONG from a live ringcast"
  else fail "healthcheck.sh against a live ringcast: $out"; fi
  kill -TERM "$daemon_pid"
  for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$daemon_pid" 2>/dev/null; then fail "ringcast did not exit within 10s of SIGTERM"; fi
  wait "$daemon_pid" 2>/dev/null
  daemon_pid=""
  if timeout 10 bash "$health" "$port" >/dev/null 2>&1; then fail "healthcheck.sh passes with no daemon"
  else pass "healthcheck.sh fails when the daemon is gone"; fi
fi

report deploy_files
