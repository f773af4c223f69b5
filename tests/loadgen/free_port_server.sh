# Sourced by the loadgen end-to-end scripts: starts a server on a free
# 127.0.0.1 port, retrying when another process takes the port first; the
# usual launch of redis-server or ringcast; a field of a result file.
#   start_on_free_port LAUNCH   LAUNCH starts the server in the background on
#                               $port, output to $work/server.log
# Needs $lg (ringcast-loadgen, for `free-port`) and $work; sets $port and $pid.
start_on_free_port() {
  local launch=$1
  for _ in 1 2 3 4 5; do
    port=$("$lg" free-port)
    "$launch"
    pid=$!
    for _ in $(seq 100); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi  # lost the port race: try another
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
  done
  echo "could not start the server" >&2; cat "$work/server.log" >&2 || true
  exit 1
}

# launch_kind: starts $server as $kind (redis or ringcast, 2 shards) on $port.
launch_kind() {
  case $kind in
    redis) "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
             --logfile "$work/server.log" & ;;
    ringcast) "$server" --bind 127.0.0.1 --port "$port" --shards 2 >"$work/server.log" 2>&1 & ;;
    *) echo "unknown server kind $kind" >&2; exit 2 ;;
  esac
}

field() {  # field NAME FILE -> the JSON number/bool after "NAME": (top level)
  sed -n "s/^  \"$1\": \([^,]*\),\{0,1\}$/\1/p" "$2" | head -1
}
