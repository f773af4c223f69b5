# Shared by the deploy file checks (deploy_files_test.sh, deploy_cluster_test.sh),
# which source it after setting `bin` (the ringcast binary): counters and
# their report, the config check through the daemon's own loader, and the
# python3 that can read YAML.
passed=0 failed=0 skipped=0
pass() { echo "ok    $1"; passed=$((passed + 1)); }
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }
skip() { echo "skip  $1"; skipped=$((skipped + 1)); }

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
