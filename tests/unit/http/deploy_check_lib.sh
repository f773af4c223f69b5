# Shared by the deploy file checks (deploy_files_test.sh, deploy_cluster_test.sh),
# which source it after setting `bin` (the ringcast binary): counters and
# their report, the config check through the daemon's own loader, and the
# python3 that can read YAML.
passed=0 failed=0 skipped=0
pass() { echo "ok    $1"; passed=$((passed + 1)); }
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }

skip_allowlist="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/skip_allowlist.txt"
# skip ID MESSAGE: a check that could not run. It counts as a failure unless ID is listed with
# its reason in tests/skip_allowlist.txt (`ID | reason`): a check that quietly stops running
# must not leave its test green.
skip() {
  local reason
  reason="$(awk -F'|' -v id="$1" '!/^[ \t]*#/ && NF >= 2 {
              k = $1; gsub(/^[ \t]+|[ \t]+$/, "", k); r = $2; gsub(/^[ \t]+|[ \t]+$/, "", r)
              if (k == id && r != "") { print r; exit } }' "$skip_allowlist")"
  if [ -n "$reason" ]; then
    echo "skip  $1: $2 (allow-listed: $reason)"
    skipped=$((skipped + 1))
  else
    fail "skipped, not allow-listed in tests/skip_allowlist.txt: $1: $2"
  fi
}

check_config() {  # name file
  if out="$("$bin" --check-config --config "$2" 2>&1)"; then pass "$1 passes ringcast --check-config"
  else fail "$1 rejected by ringcast --check-config: $out"; fi
}

# Prints the first python3 with the yaml module, or nothing.
yaml_python() {
  for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
}

report() {  # name; the exit status of the whole check
  echo "$1: $passed passed, $failed failed, $skipped skipped"
  [ $failed -eq 0 ]
}
