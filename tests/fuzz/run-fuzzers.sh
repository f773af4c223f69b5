#!/usr/bin/env bash
# Builds ringcast's libFuzzer targets with clang (ASan + UBSan) in build/fuzz,
# replays the saved reproducers in tests/fuzz/regressions/<target>/, then runs
# each target for a bounded time on a fresh copy of its seed corpus
# (tests/fuzz/seeds/<corpus>/). Exits non-zero on any crash, leak, timeout,
# out-of-memory or sanitizer report, naming the file that reproduces it.
#
# Usage: tests/fuzz/run-fuzzers.sh [seconds per target, default 60] [target...]
#   targets: resp_parser_fuzz config_loader_fuzz glob_fuzz http_publish_body_fuzz (default: all)
# Environment:
#   FUZZ_BUILD_DIR  build directory (default build/fuzz)
#   FUZZ_JOBS       parallel compile jobs (default 2)
#   FUZZ_SOURCE     tree: configure the whole ringcast tree (cmake -S .; needs
#                   tests/CMakeLists.txt to add the fuzz directory);
#                   standalone: only tests/fuzz (cmake -S tests/fuzz);
#                   auto (default): tree when the tree includes tests/fuzz.
#   FUZZ_ARGS       extra libFuzzer flags for every run (e.g. -jobs=2)
#
# Reproduce a failure: <build>/.../<target> <crash file>   (runs it once)
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)

seconds=${1:-60}
[ $# -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [seconds per target, default 60] [target...]" >&2
  exit 2
fi

all_targets=(resp_parser_fuzz config_loader_fuzz glob_fuzz http_publish_body_fuzz)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  case " ${all_targets[*]} " in
    *" $t "*) ;;
    *) echo "run-fuzzers: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2 ;;
  esac
done

corpus_name() {
  case "$1" in
    resp_parser_fuzz) echo resp ;;
    config_loader_fuzz) echo config ;;
    glob_fuzz) echo glob ;;
    http_publish_body_fuzz) echo publish ;;
  esac
}

build=${FUZZ_BUILD_DIR:-build/fuzz}
jobs=${FUZZ_JOBS:-2}
source_mode=${FUZZ_SOURCE:-auto}
fuzz_dir=tests/fuzz

# --- tools -------------------------------------------------------------------
missing=()
for tool in clang++ cmake ninja; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-fuzzers: missing ${missing[*]}; on Debian 12:" >&2
  echo "  apt-get install clang libclang-rt-14-dev cmake ninja-build libyaml-cpp-dev" >&2
  exit 2
fi

# --- configure and build -----------------------------------------------------
if [ "$source_mode" = auto ]; then
  if sed 's/#.*//' tests/CMakeLists.txt 2>/dev/null | grep -Eq '(^|[^_[:alnum:]])fuzz([^_[:alnum:]]|$)'; then
    source_mode=tree
  else
    source_mode=standalone
  fi
fi
case "$source_mode" in
  tree) source_dir=$root; bin_dir=$build/tests/fuzz ;;
  standalone) source_dir=$root/$fuzz_dir; bin_dir=$build ;;
  *) echo "run-fuzzers: FUZZ_SOURCE must be tree, standalone or auto" >&2; exit 2 ;;
esac

# A build directory configured from the other source directory cannot be reused.
if [ -f "$build/CMakeCache.txt" ] &&
   ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$source_dir" "$build/CMakeCache.txt"; then
  echo "run-fuzzers: $build was configured from another source directory; starting it afresh"
  rm -rf "$build"
fi

shown_source=${source_dir#"$root"}
echo "== fuzz: configure ($source_mode: cmake -S .${shown_source} -B $build, clang++) =="
t0=$SECONDS
mkdir -p "$build"
cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  echo "run-fuzzers: cmake configure failed" >&2
  exit 1
}
if grep -q "fuzz targets: skipped" "$build/configure.log"; then
  grep -A2 "fuzz targets: skipped" "$build/configure.log" >&2
  echo "run-fuzzers: the fuzz targets are not available in this configuration" >&2
  exit 2
fi

echo "== fuzz: build ${targets[*]} (-j $jobs) =="
if ! cmake --build "$build" --target "${targets[@]}" -j "$jobs" >"$build/build.log" 2>&1; then
  grep -E "error|Error|FAILED" "$build/build.log" | head -40 >&2
  echo "run-fuzzers: build failed; full log: $build/build.log" >&2
  exit 1
fi
echo "   configured and built in $((SECONDS - t0)) s"

# --- run ---------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common_flags=(-timeout=10 -rss_limit_mb=2048)
# shellcheck disable=SC2206  # FUZZ_ARGS is deliberately split into words
extra_flags=(${FUZZ_ARGS:-})

failures=()
summary=()

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -n1; }

show_artifact() {
  local file=$1 bin=$2
  echo "   reproducer: $file ($(stat -c %s "$file") bytes)"
  echo "   first bytes:"
  od -A d -c "$file" | head -n 8 | sed 's/^/     /'
  echo "   reproduce:  $bin $file"
}

# Prints libFuzzer's report from a log: from the first error line on.
show_report() {
  local log=$1
  local first
  first=$(grep -n -m1 -E '^==[0-9]+==|ERROR: |runtime error:|invariant violated|threw ' "$log" | cut -d: -f1 || true)
  if [ -n "$first" ]; then
    sed -n "$((first > 3 ? first - 3 : 1)),\$p" "$log" | grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse)' | head -n 80 | sed 's/^/   | /'
  else
    tail -n 40 "$log" | sed 's/^/   | /'
  fi
}

for t in "${targets[@]}"; do
  bin=$bin_dir/$t
  if [ ! -x "$bin" ]; then
    echo "run-fuzzers: $bin was not built (see $build/build.log)" >&2
    exit 1
  fi
  corpus=$(corpus_name "$t")
  run=$build/runs/$t
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts" "$run/regressions"
  cp "$fuzz_dir/seeds/$corpus/"* "$run/corpus/"
  seed_count=$(find "$run/corpus" -type f | wc -l)
  status=ok

  # Saved reproducers: each must now run clean.
  mapfile -d '' -t reproducers < <(find "$fuzz_dir/regressions/$t" -type f ! -name '*.md' -print0 2>/dev/null | sort -z)
  echo "== fuzz: $t: replay ${#reproducers[@]} regression reproducers, then fuzz for $seconds s from $seed_count seeds =="
  for f in "${reproducers[@]}"; do
    log=$run/regressions/$(basename "$f").log
    if ! timeout 300 "$bin" "${common_flags[@]}" -artifact_prefix="$run/regressions/" "$f" >"$log" 2>&1; then
      echo "!! $t: regression reproducer FAILS: $f"
      show_report "$log"
      echo "   reproducer: $f"
      echo "   reproduce:  $bin $f"
      status=FAILED
    fi
  done

  log=$run/fuzz.log
  dict=()
  [ -f "$fuzz_dir/dicts/$corpus.dict" ] && dict=(-dict="$fuzz_dir/dicts/$corpus.dict")
  rc=0
  timeout $((seconds + 300)) "$bin" "${common_flags[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$run/artifacts/" "${dict[@]}" "${extra_flags[@]}" "$run/corpus" >"$log" 2>&1 || rc=$?

  mapfile -t artifacts < <(find "$run/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
  if [ $rc -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
    status=FAILED
    echo "!! $t: fuzzing FAILED (exit $rc); report:"
    show_report "$log"
    for a in "${artifacts[@]}"; do show_artifact "$a" "$bin"; done
    [ ${#artifacts[@]} -eq 0 ] && echo "   no reproducer was written; full log: $log"
    echo "   full log: $log"
  fi

  execs=$(stat_of number_of_executed_units "$log")
  rate=$(stat_of average_exec_per_sec "$log")
  rss=$(stat_of peak_rss_mb "$log")
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1 || true)
  corpus_files=$(find "$run/corpus" -type f | wc -l)
  corpus_bytes=$(find "$run/corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  [ "$status" = ok ] || failures+=("$t")
  summary+=("$(printf '%-20s %-7s %10s %8s %16s %22s %7s' "$t" "$status" "${execs:--}" "${rate:--}" \
    "$corpus_files/$corpus_bytes" "${cov:--}" "${rss:--}")")
done

echo
echo "== fuzz summary ($seconds s per target; runs in $build/runs) =="
printf '%-20s %-7s %10s %8s %16s %22s %7s\n' target result execs exec/s "corpus files/B" coverage rss_MB
printf '%s\n' "${summary[@]}"
if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]} (reproducers and logs above; save new ones under $fuzz_dir/regressions/<target>/)"
  exit 1
fi
echo "all fuzz targets clean"
