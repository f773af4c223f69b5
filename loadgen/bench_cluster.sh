#!/usr/bin/env bash
# Cluster vs one node: the `cluster` scenario across three ringcast nodes joined
# by a three-server NATS cluster (publishers on node 1, subscribers on nodes 2
# and 3), against the same fan-out on one standalone node, interleaved rounds,
# medians and ratios: a closed-loop row (`cluster`: deliveries/s) and an
# open-loop row (`cluster-latency`: latency at a fixed rate). ~1 minute.
# Run through `loadgen/bench --cluster [options]`:
#   --build DIR (default build/release) --ringcast BIN --nats BIN (nats-server)
#   --shards N (per ringcast node, default 1) --rounds N (3) --warmup S (0.5)
#   --duration S (3) --subscribers N (100) --publishers N (2) --size B (64)
#   --rate N (publishes/s of the open-loop latency row, default 20000; 0: no such row)
#   --out DIR (JSON results, logs and report.txt; default a new /tmp dir)
# Every run gets fresh processes on fresh loopback ports; every process this
# script starts is stopped by its PID when the run ends and on any exit.
# Server CPU of a cluster run is all six processes (3 ringcast + 3 nats-server).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/release
ringcast_bin="" nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
rounds=3 warmup=0.5 duration=3 shards=1 subscribers=100 publishers=2 size=64 rate=20000 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift ;;
    --ringcast) ringcast_bin=$2; shift ;;
    --nats) nats_bin=$2; shift ;;
    --shards) shards=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --duration) duration=$2; shift ;;
    --subscribers) subscribers=$2; shift ;;
    --publishers) publishers=$2; shift ;;
    --size) size=$2; shift ;;
    --rate) rate=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench --cluster: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
lg=$build/loadgen/ringcast-loadgen
[ -n "$ringcast_bin" ] || ringcast_bin=$build/broker/ringcast
for b in "$lg" "$ringcast_bin" "$nats_bin"; do
  [ -x "$b" ] || { echo "bench --cluster: $b not found (make build; nats-server from deploy/install-deps.sh)" >&2; exit 2; }
done
[ -n "$out" ] || out=$(mktemp -d /tmp/ringcast-bench-cluster.XXXXXX)
mkdir -p "$out"

# Every process started and not yet stopped, by PID.
pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# N distinct free loopback ports into the array `ports`.
free_ports() {
  ports=()
  local p
  while [ ${#ports[@]} -lt "$1" ]; do
    p=$("$lg" free-port)
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
  done
}

# wait_until SECONDS PID COMMAND...: COMMAND succeeds in time while PID lives.
wait_until() {
  local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 )) pid=$2
  shift 2
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    if "$@"; then return 0; fi
    sleep 0.05
  done
  return 1
}

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
routes_up() { curl -sf --max-time 1 "http://127.0.0.1:$1/routez" | grep -q "\"num_routes\": $2,"; }
# INFO cluster of the ringcast node on port $1, through an inline command.
info_cluster() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'INFO cluster\r\nQUIT\r\n' >&3 && timeout 2 cat <&3) 2>/dev/null | tr -d '\r'
}
nats_connected() { info_cluster "$1" | grep -q '^nats_status:connected$'; }

# start_standalone TAG -> node_ports=(port), server_pids=(pid)
start_standalone() {
  local tag=$1 try
  for try in 1 2 3; do
    free_ports 1
    "$ringcast_bin" --bind 127.0.0.1 --port "${ports[0]}" --shards "$shards" >"$out/$tag.ringcast.log" 2>&1 &
    pids+=($!)
    if wait_until 10 "$!" accepts "${ports[0]}"; then
      node_ports=("${ports[0]}") server_pids=("$!")
      return 0
    fi
    stop_all
  done
  echo "bench --cluster: could not start a standalone ringcast (see $out/$tag.ringcast.log)" >&2; exit 2
}

# start_cluster TAG -> node_ports=(3 ringcast ports), server_pids=(3 ringcast + 3 nats PIDs)
start_cluster() {
  local tag=$1 try i j routes ok
  for try in 1 2 3; do
    free_ports 12  # per NATS server: client, route, monitor; per ringcast node: one
    local client=("${ports[@]:0:3}") route=("${ports[@]:3:3}") monitor=("${ports[@]:6:3}") node=("${ports[@]:9:3}")
    local nats_pids=() node_pids=()
    for i in 0 1 2; do
      routes=""
      for j in 0 1 2; do [ "$i" = "$j" ] || routes+="${routes:+,}nats://127.0.0.1:${route[$j]}"; done
      "$nats_bin" -a 127.0.0.1 -p "${client[$i]}" -m "${monitor[$i]}" --cluster "nats://127.0.0.1:${route[$i]}" \
        --routes "$routes" --cluster_name bench -n "bench-nats-$((i + 1))" >"$out/$tag.nats-$((i + 1)).log" 2>&1 &
      pids+=($!) nats_pids+=($!)
    done
    # Routes first: a node whose server is not yet routed would miss the others.
    ok=1
    for i in 0 1 2; do wait_until 10 "${nats_pids[$i]}" routes_up "${monitor[$i]}" 2 || ok=0; done
    if [ "$ok" = 1 ]; then
      for i in 0 1 2; do
        cat >"$out/$tag.node-$((i + 1)).yaml" <<YAML
bind: 127.0.0.1
port: ${node[$i]}
shards: $shards
cluster:
  nats:
    servers: ["nats://127.0.0.1:${client[$i]}"]
    name: bench-node-$((i + 1))
YAML
        "$ringcast_bin" --config "$out/$tag.node-$((i + 1)).yaml" >"$out/$tag.node-$((i + 1)).log" 2>&1 &
        pids+=($!) node_pids+=($!)
      done
      for i in 0 1 2; do wait_until 10 "${node_pids[$i]}" nats_connected "${node[$i]}" || ok=0; done
    fi
    if [ "$ok" = 1 ]; then
      node_ports=("${node[@]}") server_pids=("${node_pids[@]}" "${nats_pids[@]}")
      return 0
    fi
    echo "bench --cluster: cluster start attempt $try failed (logs: $out/$tag.*.log)" >&2
    stop_all
  done
  echo "bench --cluster: could not start the NATS cluster and its three nodes" >&2; exit 2
}

files=() failed=0 start=$(date +%s)
shape=(--scenario cluster --subscribers "$subscribers" --publishers "$publishers" --size "$size")
# Closed loop measures throughput, but its latency is mostly the queue flow
# control allows; the open-loop row measures latency at a rate both sustain.
variants=("cluster|")
if [ "$rate" != 0 ]; then variants+=("cluster-latency|--rate $rate --batch 1"); fi
echo "bench --cluster: 3 ringcast nodes over 3 NATS servers vs one standalone node, $rounds rounds; results in $out"
for r in $(seq "$rounds"); do
  order=(cluster standalone)
  if [ $((r % 2)) = 0 ]; then order=(standalone cluster); fi
  for variant in "${variants[@]}"; do
    name=${variant%%|*} extra=${variant#*|}
    for label in "${order[@]}"; do
      tag=$name.$label.r$r
      if [ "$label" = cluster ]; then start_cluster "$tag"; else start_standalone "$tag"; fi
      endpoints="" srv=""
      for p in "${node_ports[@]}"; do endpoints+="${endpoints:+,}127.0.0.1:$p"; done
      for p in "${server_pids[@]}"; do srv+="${srv:+,}$p"; done
      rc=0
      # shellcheck disable=SC2086
      "$lg" "${shape[@]}" $extra --name "$name" --endpoints "$endpoints" --label "$label" --server-pid "$srv" \
        --warmup "$warmup" --duration "$duration" --json "$out/$tag.json" --quiet 2>"$out/$tag.err" || rc=$?
      if [ "$rc" != 0 ]; then echo "bench --cluster: $name on $label round $r: exit $rc (see $out/$tag.err)"; failed=1; fi
      [ -f "$out/$tag.json" ] && files+=("$out/$tag.json")
      if [ "$label" = cluster ]; then
        # What the bridges saw: anything dropped or refused explains a loss.
        for i in 0 1 2; do info_cluster "${node_ports[$i]}" >"$out/$tag.node-$((i + 1)).info" || true; done
        probe=$(sed -n 's/^  "probe_s": \([0-9.]*\),$/\1/p' "$out/$tag.json" 2>/dev/null || true)
        echo "bench --cluster: $name round $r: cross-node probes arrived after ${probe:-?} s;" \
          "messages the bridges dropped or NATS refused: $(awk -F: '/^nats_(forward_dropped|forward_failed|in_dropped):/ {n += $2} END {print n + 0}' "$out/$tag".node-*.info)"
      fi
      for p in "${server_pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "bench --cluster: a $label process ($p) died" >&2; failed=1; }; done
      stop_all
    done
  done
done
echo
echo "bench --cluster: ${#files[@]} runs in $(( $(date +%s) - start )) s; results in $out"
echo "bench --cluster: machine $(nproc) CPUs, shards=$shards per node, rounds=$rounds, warmup=$warmup s, window=$duration s," \
  "$publishers publishers -> $subscribers subscribers, $size B"
echo "bench --cluster: cluster = publishers on node 1, subscribers round-robin on nodes 2 and 3; server CPU = 3 ringcast + 3 nats-server"
echo
"$lg" report --baseline standalone "${files[@]}" | tee "$out/report.txt" || failed=1
exit $failed
