#!/usr/bin/env bash
# End-to-end check of the `resume` scenario against a ringcast it starts with
# history on resume:*:   e2e_resume.sh RINGCAST_BINARY LOADGEN_BINARY
# 2 publishers at 2000 publishes/s (open loop) over 4 channels, 20 resuming
# subscribers that drop every 150-400 ms and stay away up to 50 ms, 2.5 s.
# Asserts: verified, lost 0, duplicates 0, resumes recovered > 0, and that
# the server counted as many recovered resumes (INFO history) as loadgen did.
# Then a second server keeping only 20 messages per channel, with resumers away
# 100-200 ms: some resumes cannot recover; they must be counted, not failed.
set -euo pipefail
server=$1 lg=$2
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=free_port_server.sh
. "$(dirname "$0")/free_port_server.sh"
launch_ringcast() {
  "$server" --config "$work/ringcast.yaml" --bind 127.0.0.1 --port "$port" --shards 2 >"$work/server.log" 2>&1 &
}
start_server() {  # start_server MAX_MESSAGES
  printf 'history:\n  rules:\n    - {channels: ["resume:*"], max_messages: %s}\n' "$1" >"$work/ringcast.yaml"
  start_on_free_port launch_ringcast
}

stop_server() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
}

info_field() {  # info_field NAME -> the value in INFO history
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf '*2\r\n$4\r\nINFO\r\n$7\r\nhistory\r\n' >&3
  timeout 2 sed -n "s/^$1:\([0-9]*\).*/\1/p;/^resumes_not_recovered/q" <&3 || true
  exec 3<&-
}

run() {  # run NAME [loadgen options...] -> loadgen's exit status in $rc
  local name=$1; shift
  echo "--- $name (port $port)"
  rc=0
  "$lg" --scenario resume --rate 2000 --resume-min 150 --resume-max 400 "$@" --port "$port" --server-pid "$pid" \
    --threads 2 --wait 10 --warmup 0.3 --duration 2.5 --drain-timeout 5 --no-progress --json "$work/$name.json" || rc=$?
}

fail=0
start_server 10000
run recovered --resume-offline 50
json=$work/recovered.json
for f in lost duplicates corrupted; do
  if [ "$(field "$f" "$json")" != "0" ]; then echo "FAIL: recovered: $f = $(field "$f" "$json")"; fail=1; fi
done
[ "$rc" = 0 ] || { echo "FAIL: recovered: loadgen exit $rc"; fail=1; }
[ "$(field verified "$json")" = true ] || { echo "FAIL: recovered: verified = $(field verified "$json")"; fail=1; }
resumes=$(field resumes "$json"); recovered=$(field resumes_recovered "$json")
if [ "${recovered:-0}" -le 0 ]; then echo "FAIL: recovered: no resume recovered"; fail=1; fi
if [ "$(field resumes_not_recovered "$json")" != 0 ]; then
  echo "FAIL: recovered: $(field resumes_not_recovered "$json") resumes not recovered with 10000 messages kept"; fail=1
fi
server_recovered=$(info_field resumes_recovered)
if [ "$server_recovered" != "$recovered" ]; then
  echo "FAIL: recovered: INFO history says resumes_recovered:$server_recovered, loadgen counted $recovered"; fail=1
fi
echo "recovered: $resumes resumes, $recovered recovered (server: $server_recovered), $(field messages_verified "$json") messages verified"
stop_server

start_server 20
run evicted --resume-offline 200 --resume-min 100 --resume-max 200
json=$work/evicted.json
[ "$rc" = 0 ] || { echo "FAIL: evicted: loadgen exit $rc"; fail=1; }
not_recovered=$(field resumes_not_recovered "$json")
if [ "${not_recovered:-0}" -le 0 ]; then echo "FAIL: evicted: no resume reported not recovered"; fail=1; fi
echo "evicted: $(field resumes "$json") resumes, $(field resumes_recovered "$json") recovered, $not_recovered not recovered"
if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL: ringcast died during the test"; fail=1; fi
exit $fail
