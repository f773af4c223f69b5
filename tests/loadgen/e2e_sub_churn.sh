#!/usr/bin/env bash
# End-to-end check of loadgen's subscription-churn mode against a server it starts itself:
#   e2e_sub_churn.sh redis|ringcast SERVER_BINARY LOADGEN_BINARY
# ~1 s each of SUBSCRIBE/UNSUBSCRIBE pairs (2 connections) and PSUBSCRIBE/PUNSUBSCRIBE pairs
# (1 connection, RESP3): verified, exit 0, ops and server CPU reported. Then a server that answers
# with wrong counts must fail the run (exit 1). Stops the servers it started, by PID.
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
launch_wrong() { /usr/bin/python3 "$(dirname "$0")/wrong_confirmations_server.py" "$port" >"$work/server.log" 2>&1 & }

fail=0
run() {  # run NAME [loadgen options...] -> exit status in $rc, result in $work/NAME.json
  local name=$1; shift
  echo "--- $name against $kind (port $port)"
  rc=0
  "$lg" "$@" --port "$port" --label "$kind" --server-pid "$pid" --threads 2 --wait 10 \
    --warmup 0.2 --duration 1 --drain-timeout 5 --json "$work/$name.json" || rc=$?
}
expect_verified() {
  local json=$work/$1.json
  [ "$rc" = 0 ] || { echo "FAIL: $1: exit $rc"; fail=1; }
  [ "$(field verified "$json")" = true ] || { echo "FAIL: $1: verified = $(field verified "$json")"; fail=1; }
  local ops cpu
  ops=$(field ops "$json"); cpu=$(field server_cpu_us_per_op "$json")
  [ "${ops:-0}" -gt 0 ] || { echo "FAIL: $1: no ops measured"; fail=1; }
  case $cpu in -*|"") echo "FAIL: $1: no server CPU per op ($cpu)"; fail=1 ;; esac
}

start_on_free_port launch_kind
run channels --scenario subscription-churn --subscribers 2
expect_verified channels
run patterns --scenario subscription-churn-patterns --resp3
expect_verified patterns
kill -0 "$pid" 2>/dev/null || { echo "FAIL: $kind died during the test"; fail=1; }
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

start_on_free_port launch_wrong
run wrong --scenario subscription-churn
if [ "$rc" != 1 ]; then echo "FAIL: wrong confirmations: exit $rc, expected 1"; fail=1; fi
exit $fail
