#!/usr/bin/env bash
# Builds the Debian package from a configured, built tree with cpack, then
# checks it as a user would get it: file list, control fields (Depends from
# the binaries' libraries), conffile and maintainer scripts, and the extracted
# daemon accepting the extracted config. Also checks that `cmake --install`
# still lays out /usr/local (and another prefix) as before.
# Usage: debian_package_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail

src="${1:?source dir}"
build="${2:?build dir}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/unit/http/deploy_check_lib.sh"

for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { fail "$tool not installed (deploy/install-deps.sh installs it)"; report debian_package; exit; }
done
version="$("$build/broker/ringcast" --version | grep -o '[0-9][0-9.]*' | head -1)"
arch="$(dpkg --print-architecture)"

# --- build -------------------------------------------------------------------
if ! out="$(cd "$build" && cpack -G DEB -B "$tmp/out" 2>&1)"; then
  fail "cpack -G DEB: $out"; report debian_package; exit
fi
deb="$tmp/out/ringcast_${version}_${arch}.deb"
[ -f "$deb" ] && pass "cpack made $(basename "$deb")" \
  || { fail "no $(basename "$deb") in: $(ls "$tmp/out")"; report debian_package; exit; }

# --- control fields ------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = ringcast ] && [ "$(field Version)" = "$version" ] && [ "$(field Architecture)" = amd64 ] \
  && pass "Package ringcast, Version $version (ringcast --version), Architecture amd64" \
  || fail "control: Package '$(field Package)' Version '$(field Version)' Architecture '$(field Architecture)'"
# A CMake list given as the description would reach the control file joined with ";".
[ -n "$(field Maintainer)" ] && [ "$(field Description | wc -l)" -gt 2 ] && ! field Description | grep -q ';' \
  || fail "control: Maintainer empty, or Description short or with CMake list separators: $(field Description)"
depends="$(field Depends)"
# Package names Depends lists, versions and alternatives aside.
depends_names=" $(sed 's/([^)]*)//g; s/[,|]/ /g' <<<"$depends" | tr -s ' ') "
# Each library either binary needs directly (its NEEDED entries, what
# dpkg-shlibdeps reads; the rest come with those packages' own Depends) must
# come from a package Depends names, or one that package provides (spdlog's
# shlibs ask for libspdlog1.10-fmt9, which libspdlog1.10 provides).
missing=""
for bin in "$build/broker/ringcast" "$build/loadgen/ringcast-loadgen"; do
  for soname in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    lib="$(ldd "$bin" | awk -v so="$soname" '$1 == so && $3 ~ /^\// {print $3}')"
    pkg="$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)"
    [ -z "$pkg" ] && pkg="$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)"
    provides="$(dpkg-query -W -f='${Provides}' "$pkg" 2>/dev/null | sed 's/([^)]*)//g; s/,/ /g')"
    found=""
    for name in $pkg $provides; do
      [[ "$depends_names" == *" $name "* ]] && found=yes
    done
    [ -n "$found" ] || missing="$missing ${pkg:-?}($soname)"
  done
done
if [ -z "$missing" ] && [[ "$depends_names" == *" liburing2 "* ]]; then
  pass "Depends names every needed library's package: $depends"
else
  fail "Depends '$depends' lacks:${missing:- liburing2}"
fi

# --- files ---------------------------------------------------------------------
files="$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sort | tr '\n' ' ')"
expected="./etc/ringcast/ringcast.yaml ./usr/bin/ringcast ./usr/bin/ringcast-loadgen ./usr/lib/systemd/system/ringcast.service "
[ "$files" = "$expected" ] && pass "package holds exactly: $files" || fail "package files: '$files', expected '$expected'"

dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/ringcast/ringcast.yaml "$tmp/control/conffiles" 2>/dev/null \
  && pass "/etc/ringcast/ringcast.yaml is a conffile" || fail "conffiles does not list /etc/ringcast/ringcast.yaml"
for script in postinst prerm postrm; do
  if [ -x "$tmp/control/$script" ] && sh -n "$tmp/control/$script"; then :
  else fail "maintainer script $script missing, not executable or not valid sh"; fi
done

dpkg-deb -x "$deb" "$tmp/root"
unit="$tmp/root/usr/lib/systemd/system/ringcast.service"
grep -qx 'ExecStart=/usr/bin/ringcast --config /etc/ringcast/ringcast.yaml' "$unit" \
  && pass "packaged unit starts /usr/bin/ringcast with /etc/ringcast/ringcast.yaml" \
  || fail "packaged unit ExecStart: $(grep ExecStart= "$unit")"
# Only ExecStart and the comment naming the prefix differ from deploy/ringcast.service.
if diff <(grep -v -e '^ExecStart=' -e 'paths below are for' "$src/deploy/ringcast.service") \
        <(grep -v -e '^ExecStart=' -e 'paths below are for' "$unit") >/dev/null; then
  pass "packaged unit is deploy/ringcast.service otherwise"
else fail "packaged unit differs from deploy/ringcast.service beyond ExecStart"; fi
cmp -s "$src/config/ringcast.yaml" "$tmp/root/etc/ringcast/ringcast.yaml" \
  || fail "packaged ringcast.yaml is not config/ringcast.yaml"
if out="$("$tmp/root/usr/bin/ringcast" --check-config --config "$tmp/root/etc/ringcast/ringcast.yaml" 2>&1)"; then
  pass "extracted ringcast --check-config accepts the extracted /etc/ringcast/ringcast.yaml"
else fail "extracted ringcast --check-config: $out"; fi
"$tmp/root/usr/bin/ringcast-loadgen" --help >/dev/null 2>&1 || fail "extracted ringcast-loadgen --help fails"

# --- cmake --install keeps its layout ---------------------------------------------
for prefix in /usr/local /opt/ringcast; do
  if ! out="$(DESTDIR="$tmp/inst" cmake --install "$build" --prefix "$prefix" 2>&1)"; then
    fail "cmake --install --prefix $prefix: $out"; continue
  fi
  [ -f "$tmp/inst$prefix/etc/ringcast/ringcast.yaml" ] && [ -x "$tmp/inst$prefix/bin/ringcast" ] \
    && grep -qx "ExecStart=$prefix/bin/ringcast --config $prefix/etc/ringcast/ringcast.yaml" \
         "$tmp/inst$prefix/lib/systemd/system/ringcast.service" \
    && pass "cmake --install --prefix $prefix: bin, etc/ringcast and a unit naming them" \
    || fail "cmake --install --prefix $prefix laid out: $(cd "$tmp/inst" && find . -type f | tr '\n' ' ')"
done

report debian_package
