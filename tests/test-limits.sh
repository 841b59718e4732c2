#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Never a self-lockout: what mesh-tproxy leaves in a store, it can read back.
# Against direct.xml (firewalld stopped) and a real firewalld (its runtime and
# permanent direct configuration over D-Bus), each beside a large foreign
# configuration: installs of more and more excluded ports are taken until the
# next would leave the store past its write limit; that one is refused before
# anything is written (the store byte for byte as before), and status and
# uninstall still work, leaving the foreign configuration exactly as it was. A
# direct.xml that another program made grow past the read limit is refused
# with what to do, and both ways the man page (LIMITS) gives work.
# A TAP producer; the binary comes from $MESH_TPROXY (set by meson).
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
LC_ALL=C
export LC_ALL
unset G_MESSAGES_DEBUG

[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces, firewalld"
for tool in firewalld dbus-daemon gdbus ip awk sed sha256sum; do
  command -v "$tool" > /dev/null 2>&1 || tap_skip "needs $tool"
done
if [ ! -x "$MESH_TPROXY" ]; then
  echo "Bail out! no executable '$MESH_TPROXY' (set MESH_TPROXY)"
  exit 1
fi

. "$top/tests/lib/sandbox.sh"
trap 'sandbox_stop' EXIT
trap 'exit 1' HUP INT TERM
sandbox_start
ETC=$SB_DIR/etc
XML=$ETC/direct.xml
CONF=$SB_DIR/mtp.conf
# firewalld 1.3.3 installs both families only with RFC3964_IPv4=no.
printf 'DefaultZone=public\nFirewallBackend=nftables\nRFC3964_IPv4=no\n' > "$ETC/firewalld.conf"
printf '[mesh-tproxy]\nkuma-dp-user=0\nfirewalld-config-dir=%s\n' "$ETC" > "$CONF"
M() { sb "$MESH_TPROXY" "$@" --config "$CONF" > "$SB_DIR/out" 2> "$SB_DIR/err" < /dev/null; }
ports() { seq -s, 20001 2 $((20000 + 2 * $1)); } # ports N: N excluded ports

# foreign BYTES [COMMENTS]: direct.xml of other programs' rules, as firewalld
# writes it, up to BYTES bytes; with COMMENTS, each rule has 20 comment
# matches of 250 bytes (few rules, much text: a firewalld that starts fast).
foreign() {
  awk -v n="$1" -v big="${2:-}" 'BEGIN {
    printf "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n"; size = 60
    pad = sprintf("%250s", ""); gsub(/ /, "x", pad)
    for (i = 0; ; i++) {
      args = sprintf("-s 10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256)
      if (big != "") for (k = 0; k < 20; k++) args = args " -m comment --comment f" k pad
      else args = args " -m comment --comment foreign"
      line = sprintf("  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"%d\">%s -j ACCEPT</rule>", i, args)
      if (size + length(line) + 1 > n) break
      print line; size += length(line) + 1 }
    print "</direct>" }'
}
# insert_ours FILE OURS: OURS' chains and rules into FILE, before </direct>
insert_ours() {
  grep -e '<chain ' -e '<rule ' "$2" > "$SB_DIR/ours.lines"
  sed -i "/^<\/direct>/{
r $SB_DIR/ours.lines
d
}" "$1"
  echo '</direct>' >> "$1"
}
files_state() { # the configuration directory: names, sizes, inodes, times, contents
  for f in $(find "$ETC" -type f | sort); do
    stat -c '%n|%s|%i|%y' "$f"
    sha256sum < "$f"
  done
}
# fw PATH METHOD: a call to firewalld (it can take a while with 17 MB); its
# answer, or "failed" and the error.
fw() {
  gdbus call --system --timeout 300 --dest "$FW_NAME" --object-path "$1" --method "$FW_NAME.$2" \
    2>&1 || echo "failed"
}
online_state() { # firewalld's runtime and permanent direct configuration, and its files
  for method in direct.getAllChains direct.getAllRules direct.getAllPassthroughs; do
    fw "$FW_PATH" "$method" | sha256sum
  done
  fw "$FW_PATH/config" config.direct.getSettings | sha256sum
  files_state
}
count_ours() { # KUMA_MESH_ in firewalld's runtime and permanent configuration
  { fw "$FW_PATH" direct.getAllChains; fw "$FW_PATH" direct.getAllRules
    fw "$FW_PATH/config" config.direct.getSettings; } > "$SB_DIR/fw.all"
  if grep -q '^failed$' "$SB_DIR/fw.all"; then echo "unknown ($(grep -v '^[([]' "$SB_DIR/fw.all" | head -n 3))"
  else grep -o KUMA_MESH_ "$SB_DIR/fw.all" | wc -l; fi
}
refused() { # refused DESCRIPTION LIMIT STATE_FUNCTION ARGS…: exit 2 naming LIMIT, nothing changed
  r_desc=$1 r_limit=$2 r_state=$3
  shift 3
  "$r_state" > "$SB_DIR/before"
  M "$@"
  r_rc=$?
  "$r_state" > "$SB_DIR/after"
  r_problems=
  [ "$r_rc" = 2 ] || r_problems="exit $r_rc, not 2"
  grep -qF "(the limit '$r_limit', see LIMITS in mesh-tproxy(8)); nothing was changed" "$SB_DIR/err" ||
    r_problems="$r_problems; the message does not name '$r_limit'"
  cmp -s "$SB_DIR/before" "$SB_DIR/after" || r_problems="$r_problems; a store changed:
$(diff "$SB_DIR/before" "$SB_DIR/after" | head -n 20)"
  if [ -z "$r_problems" ]; then tap_ok "$r_desc (exit 2, '$r_limit', store unchanged)"
  else tap_not_ok "$r_desc" "$r_problems" "$(cat "$SB_DIR/err")"; fi
}

# --- 1. direct.xml, firewalld stopped ---------------------------------------------------
# 7.9 MB of other programs' rules: some 500 KB of room under the 8 MiB
# mesh-tproxy writes at most.
foreign 7900000 > "$SB_DIR/foreign.xml"
cp "$SB_DIR/foreign.xml" "$XML"
last_good=
for n in 500 1000 1500 2000 2500 3000 3500 4000; do
  before=$(files_state)
  M install --store-firewalld --exclude-outbound-ports "$(ports "$n")"
  rc=$?
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 2 ] && [ "$before" = "$(files_state)" ] &&
      grep -qF "(the limit 'direct-xml-write-size', see LIMITS in mesh-tproxy(8)); nothing was changed" "$SB_DIR/err"; then
      tap_ok "direct.xml: $n excluded ports refused before anything is written (exit 2; $last_good were taken, direct.xml $(stat -c %s "$XML") bytes)"
    else
      tap_not_ok "direct.xml: $n excluded ports refused before anything is written" "exit $rc" "$(cat "$SB_DIR/err")"
    fi
    break
  fi
  size=$(stat -c %s "$XML")
  M status --store-firewalld --backend firewalld --exclude-outbound-ports "$(ports "$n")"
  # firewalld is not running: exactly ours in direct.xml is "permanent only" (7).
  if [ $? -eq 7 ] && [ "$size" -le 8388608 ]; then
    tap_ok "direct.xml: $n excluded ports installed ($size bytes) and read back (status: permanent only)"
  else
    tap_not_ok "direct.xml: $n excluded ports installed and read back" "$size bytes" "$(cat "$SB_DIR/err" "$SB_DIR/out")"
  fi
  last_good=$n
done
[ -n "$last_good" ] || tap_not_ok "direct.xml: some installs are taken"
[ "$n" != 4000 ] || [ $rc -ne 0 ] || tap_not_ok "direct.xml: the write limit is reached"
M status --store-firewalld --backend firewalld --exclude-outbound-ports "$(ports "$last_good")"
check "direct.xml: after the refusal, status still reads it (permanent only)" 7 "$?"
M uninstall --backend firewalld
rc=$?
if [ $rc -eq 0 ] && cmp -s "$XML" "$SB_DIR/foreign.xml"; then
  tap_ok "direct.xml: uninstall works, and leaves the foreign rules byte for byte"
else
  tap_not_ok "direct.xml: uninstall works" "exit $rc" "$(cat "$SB_DIR/err")"
fi

# The issue's case: 50,000 excluded ports made a direct.xml of 18.5 MB that
# no later run could read (install, status and uninstall all exited 2).
rm -f "$XML" "$XML.old"
cp "$CONF" "$SB_DIR/ports.conf"
printf 'exclude-outbound-ports=%s\n' "$(seq -s, 1 50000)" >> "$SB_DIR/ports.conf"
sb "$MESH_TPROXY" install --store-firewalld --config "$SB_DIR/ports.conf" > "$SB_DIR/out" 2> "$SB_DIR/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -e "$XML" ] && grep -qF "(the limit 'rules', see LIMITS in mesh-tproxy(8))" "$SB_DIR/err"; then
  tap_ok "50,000 excluded ports: refused before anything is written (exit 2, 'rules')"
else
  tap_not_ok "50,000 excluded ports: refused before anything is written" "exit $rc, direct.xml $(stat -c %s "$XML" 2>&1)" "$(cat "$SB_DIR/err")"
fi
M uninstall --backend firewalld
check "50,000 excluded ports: uninstall works after it" 0 "$?"

# Another program makes a direct.xml that holds ours grow past 16 MiB: every
# run refuses it, uninstall says what to do, and what it says works.
rm -f "$XML" "$XML.old"
M install --store-firewalld
foreign 17000000 big > "$SB_DIR/big.xml"
cp "$SB_DIR/big.xml" "$SB_DIR/big-ours.xml"
insert_ours "$SB_DIR/big-ours.xml" "$XML"
n_ours=$(grep -c KUMA_MESH_ "$SB_DIR/big-ours.xml")
cp "$SB_DIR/big-ours.xml" "$XML"
before=$(files_state)
M uninstall --backend firewalld
rc=$?
if [ $rc -eq 2 ] && [ "$before" = "$(files_state)" ] &&
  grep -qF "larger than 16 MiB" "$SB_DIR/err" &&
  grep -qF "so another program made it grow, and nothing was changed. To remove the rules of ours from it: start firewalld and run 'mesh-tproxy uninstall' again" "$SB_DIR/err"; then
  tap_ok "direct.xml over 16 MiB (another program's): uninstall refuses it, says what to do, changes nothing"
else
  tap_not_ok "direct.xml over 16 MiB: uninstall refuses it and says what to do" "exit $rc" "$(cat "$SB_DIR/err")"
fi
# The man page's edit: our lines out, theirs kept.
sed -i.orig -e '/KUMA_MESH_/d' -e '/kuma\/mesh\/transparent\/proxy\//d' "$XML"
if cmp -s "$XML" "$SB_DIR/big.xml" && [ "$n_ours" -gt 20 ]; then
  tap_ok "direct.xml over 16 MiB: LIMITS' sed takes out our $n_ours lines and nothing else"
else
  tap_not_ok "direct.xml over 16 MiB: LIMITS' sed takes out our lines" "$(diff "$XML" "$SB_DIR/big.xml" | head)"
fi

# --- 2. a real firewalld: runtime and permanent ----------------------------------------
# Through firewalld, that file's other way out: firewalld reads any size, and
# uninstall goes through it. Its runtime then holds some 18 MB of rules as
# D-Bus carries them (over the 16 MiB a run may leave there): growing it is
# refused, removing works.
cp "$SB_DIR/big-ours.xml" "$XML"
rm -f "$XML.orig" "$XML.old"
if sandbox_firewalld_start; then
  n=$(count_ours)
  refused "firewalld runtime over dbus-size: an install that adds to it is refused" dbus-size \
    online_state install --exclude-outbound-ports "$(ports 10)"
  M status --store-firewalld
  check "firewalld runtime over dbus-size: status reads it (in sync)" 0 "$?"
  M uninstall
  rc=$?
  if [ $rc -eq 0 ] && [ "$n" -gt 20 ] && [ "$(count_ours)" = 0 ] && ! grep -q KUMA_MESH_ "$XML"; then
    tap_ok "firewalld: uninstall of a 17 MB direct configuration with ours ($n entries) removes them, runtime and permanent"
  else
    tap_not_ok "firewalld: uninstall of a 17 MB direct configuration" "exit $rc, $n of ours before, $(count_ours) after" "$(cat "$SB_DIR/err")"
  fi
  sandbox_firewalld_stop
else
  tap_not_ok "firewalld starts with a 17 MB direct.xml" "$(tail -n 20 "$SB_DIR/firewalld.log")"
fi

# The permanent configuration beside 7.9 MB of other programs' rules (few
# and long, so that firewalld starts fast): firewalld would write a
# direct.xml over 8 MiB from it with 4000 excluded ports more.
foreign 7900000 big > "$SB_DIR/foreign.xml"
cp "$SB_DIR/foreign.xml" "$XML"
rm -f "$XML.old"
if sandbox_firewalld_start; then
  refused "firewalld permanent: an install that would make firewalld write over 8 MiB is refused" \
    direct-xml-write-size online_state install --store-firewalld --exclude-outbound-ports "$(ports 4000)"
  M install --store-firewalld --exclude-outbound-ports "$(ports 10)"
  check "firewalld permanent: 10 excluded ports fit" 0 "$?"
  M status --store-firewalld --exclude-outbound-ports "$(ports 10)"
  check "firewalld permanent: status reads it back (in sync)" 0 "$?"
  size=$(stat -c %s "$XML")
  [ "$size" -le 8388608 ] && tap_ok "firewalld wrote a direct.xml of $size bytes, within 8 MiB" ||
    tap_not_ok "firewalld wrote a direct.xml within 8 MiB" "$size bytes"
  M uninstall
  rc=$?
  if [ $rc -eq 0 ] && [ "$(count_ours)" = 0 ] &&
    [ "$(grep -c '<rule ' "$XML")" = "$(grep -c '<rule ' "$SB_DIR/foreign.xml")" ]; then
    tap_ok "firewalld permanent: uninstall works, the foreign rules stay"
  else
    tap_not_ok "firewalld permanent: uninstall works" "exit $rc" "$(cat "$SB_DIR/err")"
  fi
else
  tap_not_ok "firewalld starts with a 7.9 MB direct.xml" "$(tail -n 20 "$SB_DIR/firewalld.log")"
fi
tap_done
