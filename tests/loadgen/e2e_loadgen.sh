#!/usr/bin/env bash
# End-to-end check of ringcast-loadgen against a real server it starts itself:
#   e2e_loadgen.sh redis|ringcast SERVER_BINARY LOADGEN_BINARY
# Runs a ~2 s fanout and a ~2 s churn scenario on an ephemeral 127.0.0.1 port and
# asserts: verified, nothing lost/duplicated/out of order/corrupted, and
# deliveries == sum of PUBLISH replies (> 0). Stops the server it started, by PID.
set -euo pipefail
kind=$1 server=$2 lg=$3
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=free_port_server.sh
. "$(dirname "$0")/free_port_server.sh"
start_server() { start_on_free_port launch_kind; }

fail=0
check_run() {
  local name=$1; shift
  local json="$work/$name.json"
  echo "--- $name against $kind (port $port)"
  local rc=0 bad=0
  "$lg" "$@" --port "$port" --label "$kind" --server-pid "$pid" --threads 2 --wait 10 \
    --warmup 0.3 --duration 2 --drain-timeout 5 --no-progress --json "$json" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "FAIL: $name: loadgen exit $rc (1: verification failed, 2: could not run)"; bad=1
    [ -f "$json" ] || { fail=1; return 0; }
  fi
  local verified expected delivered
  verified=$(field verified "$json"); expected=$(field expected_deliveries "$json"); delivered=$(field deliveries "$json")
  for f in lost duplicates out_of_order corrupted; do
    if [ "$(field "$f" "$json")" != "0" ]; then echo "FAIL: $name: $f = $(field "$f" "$json")"; bad=1; fi
  done
  if [ "$verified" != "true" ]; then echo "FAIL: $name: verified = $verified"; bad=1; fi
  if [ -z "$expected" ] || [ "$expected" != "$delivered" ] || [ "$expected" -le 0 ]; then
    echo "FAIL: $name: deliveries $delivered vs sum of PUBLISH replies $expected"; bad=1
  fi
  if [ "$bad" = 0 ]; then echo "ok: $name: $delivered deliveries = sum of PUBLISH replies"; else fail=1; fi
}

start_server
check_run fanout --scenario fanout --subscribers 50 --publishers 2
check_run churn --scenario churn --subscribers 20 --churn-rate 100 --churn-life 40
cycles=$(sed -n 's/^    "churn_cycles": \([0-9]*\).*/\1/p' "$work/churn.json")
if [ "${cycles:-0}" -le 0 ]; then echo "FAIL: churn: no subscriber completed a churn cycle"; fail=1; fi
if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL: the $kind server died during the test"; fail=1; fi
exit $fail
