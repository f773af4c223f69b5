#!/usr/bin/env bash
# End to end: the real ringcast binary with the HTTP listener enabled, on
# ephemeral loopback ports, driven by curl and redis-cli. Scrapes /metrics
# before and after traffic, publishes over HTTP to a RESP subscriber, checks
# the 4xx answers and the JSON-lines log with rotation.
# Usage: http_e2e_test.sh RINGCAST_BINARY   (no skip: exit 0 only when every check ran and held)
set -uo pipefail

bin="${1:?ringcast binary}"
tmp="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

for tool in curl redis-cli; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (deploy/install-deps.sh installs it)"; exit 1; }
done
py=/usr/bin/python3
[ -x "$py" ] || py=python3

failed=0 passed=0
check() {  # description, then a command that must succeed
  local what="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok    $what"
  else
    failed=$((failed + 1))
    echo "FAIL  $what"
  fi
}

cat >"$tmp/ringcast.yaml" <<EOF
bind: 127.0.0.1
port: 6379
shards: 2
log:
  level: debug
  file: $tmp/ringcast.log
  format: json
  max_size: 4kb
  max_files: 2
metrics:
  enabled: true
  bind: 127.0.0.1
  port: 0
  max_body: 2kb
shutdown_timeout: 1
EOF
if ! "$bin" --check-config --config "$tmp/ringcast.yaml" >"$tmp/check.out" 2>&1; then
  echo "FAIL: ringcast --check-config rejects this test's metrics/log config: $(cat "$tmp/check.out")"
  exit 1
fi

"$bin" --config "$tmp/ringcast.yaml" --port 0 2>"$tmp/stderr" &
daemon=$!
pids+=("$daemon")
resp_port="" http_port=""
for _ in $(seq 100); do
  if [ -f "$tmp/ringcast.log" ]; then
    resp_port="$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$tmp/ringcast.log" | head -1 | cut -d: -f2)"
    http_port="$(grep -o 'HTTP listening on 127\.0\.0\.1:[0-9]*' "$tmp/ringcast.log" | head -1 | cut -d: -f2)"
  fi
  [ -n "$resp_port" ] && [ -n "$http_port" ] && break
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$resp_port" ] || [ -z "$http_port" ]; then
  echo "FAIL: ringcast did not report its ports"; cat "$tmp/stderr" "$tmp/ringcast.log" 2>/dev/null
  exit 1
fi
base="http://127.0.0.1:$http_port"
curl_() { curl -sS --max-time 5 "$@"; }
metric() {  # series -> value from a fresh scrape
  curl_ "$base/metrics" | awk -v s="$1" '$1 == s {print $2}'
}

check "GET /healthz is 200" test "$(curl_ -o /dev/null -w '%{http_code}' "$base/healthz")" = 200
check "metrics start at zero publishes" test "$(metric ringcast_publishes_total)" = 0
check "metrics have per-shard loop iterations" test -n "$(metric 'ringcast_shard_loop_iterations_total{shard="1"}')"

# A RESP subscriber; redis-cli prints each message's three parts, one per line.
timeout 20 redis-cli -p "$resp_port" subscribe news >"$tmp/sub.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  [ "$(metric 'ringcast_subscriptions{kind="channel"}')" = 1 ] && break
  sleep 0.1
done
check "subscription visible in metrics" test "$(metric 'ringcast_subscriptions{kind="channel"}')" = 1

reply="$(curl_ -H 'Content-Type: application/json' -d '{"channel":"news","message":"hello over http"}' "$base/publish")"
check "POST /publish answers one receiver" test "$reply" = '{"receivers":1}'
reply="$(curl_ -d '[{"channel":"news","message":"second"},{"channel":"nobody","message":"x"}]' "$base/publish")"
check "POST /publish array answers per item" test "$reply" = '[{"receivers":1},{"receivers":0}]'
for _ in $(seq 50); do grep -q second "$tmp/sub.out" && break; sleep 0.1; done
check "the RESP subscriber got both messages" grep -q -x 'hello over http' "$tmp/sub.out"
check "the RESP subscriber got them in order" test "$(grep -n -x -e 'hello over http' -e second "$tmp/sub.out" | cut -d: -f2 | tr '\n' ,)" = "hello over http,second,"

check "publishes counted" test "$(metric ringcast_publishes_total)" = 3
check "deliveries counted" test "$(metric ringcast_deliveries_total)" = 2
check "connections counted" test "$(metric ringcast_connections)" = 1
check "bytes out moved" test "$(metric ringcast_net_output_bytes_total)" -gt 0
check "HTTP requests counted" test "$(metric 'ringcast_http_requests_total{endpoint="/publish",code="200"}')" = 2

stats="$(curl_ "$base/stats")"
check "GET /stats is JSON with INFO's figures" "$py" -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["stats"]["total_publishes"] == 3, s
assert s["stats"]["pubsub_channels"] == 1, s
assert s["clients"]["connected_clients"] == 1, s
for name in ("output_memory_limit_disconnections", "idle_timeout_disconnections", "dropped_messages"):
    assert s["stats"][name] == 0, (name, s)
assert s["server"]["multiplexing_api"] == "io_uring", s
assert len(s["shards"]) == 2, s
assert all("loop_busy_us" in x and x["dropped_messages"] == 0 for x in s["shards"]), s
' "$stats"

code() { curl_ -o "$tmp/body" -w '%{http_code}' "$@"; }
check "malformed JSON is 400" test "$(code -d '{"channel":' "$base/publish")" = 400
check "  ...with a JSON error" grep -q '"error":"malformed JSON' "$tmp/body"
check "missing field is 400 naming it" test "$(code -d '{"channel":"a"}' "$base/publish")" = 400
check "  ...naming the field" grep -q 'missing field \\"message\\"' "$tmp/body"
check "chunked body is 411" test "$(code -H 'Transfer-Encoding: chunked' -d '{"channel":"a","message":"b"}' "$base/publish")" = 411
head -c 3000 /dev/zero | tr '\0' 'x' >"$tmp/big"
check "body over max_body is 413" test "$(code --data-binary @"$tmp/big" "$base/publish")" = 413
check "unknown path is 404" test "$(code "$base/nope")" = 404
check "GET /publish is 405" test "$(code "$base/publish")" = 405
# Garbage straight onto the socket, then the listener still answers.
printf '\x00\xff garbage \r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$http_port" 2>/dev/null
check "listener survives garbage" test "$(curl_ -o /dev/null -w '%{http_code}' "$base/healthz")" = 200

# Enough log lines to rotate the 4kb file.
for i in $(seq 80); do curl_ -o /dev/null "$base/nope-$i"; done
redis-cli -p "$resp_port" client list >/dev/null
kill -TERM "$daemon"
for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
wait "$daemon"
status=$?
pids=("${pids[@]:1}")
check "SIGTERM exits with status 0" test "$status" = 0
check "every log line is JSON with ts, level, msg" "$py" -c '
import glob, json, sys
lines = [l for f in glob.glob(sys.argv[1] + "/ringcast*.log") for l in open(f)]
assert len(lines) > 0
for l in lines:
    o = json.loads(l)
    assert set(o) == {"ts", "level", "msg"}, o
' "$tmp"
check "the log rotated" test -f "$tmp/ringcast.1.log"
check "the last line says bye" grep -q '"msg":"bye"' "$tmp/ringcast.log"

echo "http e2e: $passed passed, $failed failed"
[ $failed -eq 0 ]
