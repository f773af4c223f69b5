#!/usr/bin/env bash
# End-to-end check of multi-endpoint runs without a cluster:
#   e2e_multi_endpoint.sh redis|ringcast SERVER_BINARY LOADGEN_BINARY
# Starts two unconnected servers A and B on ephemeral 127.0.0.1 ports and asserts:
#  1. the cluster scenario with every endpoint on A keeps the one-node identity
#     (deliveries = sum of PUBLISH replies);
#  2. --expect plan on A alone: deliveries = publishes x subscribers, the
#     readiness probe ran and every stable subscriber ignored its probe (channels
#     and patterns);
#  3. publish on A, subscribe on B (no route between them): the probe gives up
#     after --probe-timeout with exit 2;
#  4. the same without the probe: every delivery is reported lost, exit 1.
# Stops the servers it started, by PID. About 6 s.
set -euo pipefail
kind=$1 server=$2 lg=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start_server NAME -> sets $port and appends the server's PID to pids
start_server() {
  local name=$1 pid
  for _ in 1 2 3 4 5; do
    port=$("$lg" free-port)
    case $kind in
      redis) "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
               --logfile "$work/$name.log" >/dev/null 2>&1 & ;;
      ringcast) "$server" --bind 127.0.0.1 --port "$port" --shards 2 >"$work/$name.log" 2>&1 & ;;
      *) echo "unknown server kind $kind" >&2; exit 2 ;;
    esac
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi  # lost the port race: try another
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  echo "could not start $kind server" >&2; cat "$work/$name.log" >&2 || true
  exit 1
}

field() {  # field NAME FILE -> the JSON value after "NAME": (top level or counter)
  sed -n "s/^ *\"$1\": \([^,]*\),\{0,1\}$/\1/p" "$2" | head -1
}

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# run NAME WANT_EXIT loadgen-args... ; leaves $work/NAME.json and NAME.err
run() {
  local name=$1 want=$2; shift 2
  local rc=0
  echo "--- $name against $kind"
  "$lg" "$@" --label "$kind" --threads 2 --wait 10 --warmup 0.2 --duration 0.5 --drain-timeout 1 \
    --no-progress --quiet --json "$work/$name.json" 2>"$work/$name.err" || rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, want $want: $(cat "$work/$name.err")"; return 1; fi
}

verified_equal() {  # NAME EXPECTATION
  local j=$work/$1.json
  [ "$(field verified "$j")" = true ] || bad "$1: not verified: $(field problems "$j")"
  [ "$(field expectation "$j")" = "\"$2\"" ] || bad "$1: expectation $(field expectation "$j"), want $2"
  local e d
  e=$(field expected_deliveries "$j") d=$(field deliveries "$j")
  if [ -z "$e" ] || [ "$e" != "$d" ] || [ "$e" -le 0 ]; then bad "$1: deliveries $d vs expected $e"; fi
}

start_server a; a=127.0.0.1:$port
start_server b; b=127.0.0.1:$port

if run same-node 0 --scenario cluster --subscribers 40 --endpoints "$a,$a,$a"; then
  verified_equal same-node replies
fi
if run planned 0 --scenario cluster --subscribers 40 --endpoints "$a,$a" --expect plan; then
  verified_equal planned plan
  [ "$(field probe_messages "$work/planned.json")" = 40 ] || bad "planned: probe_messages $(field probe_messages "$work/planned.json"), want 40"
  [ "$(field probe_s "$work/planned.json")" != "-1.000000" ] || bad "planned: no probe ran"
fi
if run planned-patterns 0 --scenario patterns --patterns 20 --subscribers 10 --endpoints "$a" --expect plan; then
  verified_equal planned-patterns plan
fi
if run no-route 2 --scenario cluster --subscribers 10 --endpoints "$a,$b" --probe-timeout 1; then
  grep -q "readiness probe" "$work/no-route.err" || bad "no-route: stderr does not name the probe: $(cat "$work/no-route.err")"
fi
# Without flow control's limit, publishers keep publishing into the window.
if run all-lost 1 --scenario cluster --subscribers 10 --endpoints "$a,$b" --probe-timeout 0 --max-lag 1000000000; then
  j=$work/all-lost.json
  lost=$(field lost "$j") expected=$(field expected_deliveries "$j")
  if [ "${expected:-0}" -le 0 ] || [ "$lost" != "$expected" ]; then bad "all-lost: lost $lost of $expected"; fi
  [ "$(field reply_mismatch "$j")" = 0 ] || bad "all-lost: A's replies should be its own 0 receivers"
fi
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || bad "a $kind server died during the test"; done
[ "$fail" = 0 ] && echo "ok: multi-endpoint runs against $kind"
exit $fail
