#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# IPv6 is decided before anything is applied, and a step that fails after the
# rules went in takes them out again (exit 1 means nothing of the run is left
# applied), on each backend (libiptc, direct.xml, a real firewalld):
#   - IPv6 disabled on lo (sysctl in the namespace) while another interface
#     has it: IPv6 traffic would bypass the proxy, so install stops with exit 1
#     before changing anything, naming the fix; --ip-family-mode ipv4 installs
#     IPv4 only; uninstall still works;
#   - IPv6 disabled on every interface: IPv4 only, with a notice, exit 0;
#   - the ::6/128 step failing after the rules were applied (strace makes the
#     netlink call fail), for install and uninstall: exit 1, host as before.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
for tool in strace firewalld gdbus iptables-legacy-save ip6tables-legacy-save; do
  command -v "$tool" > /dev/null || tap_skip "needs $tool"
done
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
. "$top/tests/lib/sandbox.sh"
trap 'sandbox_stop' EXIT
trap 'exit 1' INT TERM
# LeakSanitizer (an ASan build) cannot work under ptrace; the memcheck pass's
# wrapper is a script: strace the program itself.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
PROG=${MESH_TPROXY_REAL:-$MESH_TPROXY}
# The Python that firewalld runs on (a python3 first in PATH may be a slow shim).
PY=$(sed -n '1s/^#! *//p' "$(command -v firewalld)")

sandbox_start
printf 'DefaultZone=public\nFirewallBackend=nftables\nRFC3964_IPv4=no\n' > "$SB_DIR/etc/firewalld.conf"
# mtp0 (fd99::1/64) is the interface that has IPv6 "elsewhere".
sandbox_peer_start
T=$SB_DIR/t
mkdir "$T"

# mtp CONF COMMAND [OPTION…]: sets RC, ERR
mtp() {
  m_conf=$1 m_cmd=$2; shift 2
  sb "$MESH_TPROXY" "$m_cmd" --config "$SB_DIR/$m_conf" "$@" > "$T/out" 2> "$T/err" < /dev/null
  RC=$?
  ERR=$(cat "$T/err")
}
has() { # has DESCRIPTION TEXT NEEDLE…
  h_d=$1 h_t=$2; shift 2
  for h_n in "$@"; do
    case $h_t in *"$h_n"*) ;; *) tap_not_ok "$h_d" "missing: $h_n" "in: $h_t"; return ;; esac
  done
  tap_ok "$h_d"
}
lo_ipv6() { sb sysctl -q -w "net.ipv6.conf.lo.disable_ipv6=$1"; sb ip link set lo up; }
mtp0_ipv6() { sb sysctl -q -w "net.ipv6.conf.mtp0.disable_ipv6=$1"; }
# reference CONF COMMAND [OPTION…]: a run traced (its sendto calls) into $T/ref,
# to find which of them is the netlink call for ::6/128
reference() {
  f_conf=$1 f_cmd=$2; shift 2
  sb strace -f -b execve -qq -o "$T/ref" -e trace=sendto "$PROG" "$f_cmd" --config "$SB_DIR/$f_conf" "$@" \
    > /dev/null 2>&1 < /dev/null
}
NETLINK_ADDR='nlmsg_type=(0x14|0x15|RTM_NEWADDR|RTM_DELADDR)'
addr_position() { # addr_position TRACE: which of the main thread's sendto is the address change
  a_tid=$(sed -n '1s/^\([0-9]*\) .*/\1/p' "$1")
  grep -E "^$a_tid +sendto\(" "$1" | grep -nE "$NETLINK_ADDR" | cut -d: -f1 | head -n 1
}
# inject_addr_failure K CONF COMMAND [OPTION…]: strace fails the K-th sendto of
# the main thread (the netlink call) with EACCES; sets RC, ERR
inject_addr_failure() {
  i_k=$1 i_conf=$2 i_cmd=$3; shift 3
  sb strace -f -b execve -qq -o "$T/inj" -e trace=sendto -e inject="sendto:error=EACCES:when=$i_k" \
    "$PROG" "$i_cmd" --config "$SB_DIR/$i_conf" "$@" > "$T/out" 2> "$T/err" < /dev/null
  RC=$?
  ERR=$(cat "$T/err")
}

# ---------------------------------------------------------------------------
# libiptc
cat > "$SB_DIR/iptc.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
backend=iptables
EOT
state_iptc() {
  for s in iptables-legacy-save ip6tables-legacy-save; do
    for t in raw mangle nat filter; do sb $s -t $t; done
  done | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
  sb ip -6 addr show dev lo | grep inet6
}
# The tables exist from a first install on; a foreign rule where ours go.
mtp iptc.conf install
mtp iptc.conf uninstall
sb ip6tables-legacy -t nat -A OUTPUT -d 2001:db8::99/128 -p tcp -j RETURN
state_iptc > "$T/iptc.before"

# (lo loses ::1 with IPv6: the state to compare with is taken after)
lo_ipv6 1
state_iptc > "$T/iptc.before"
mtp iptc.conf install
check "libiptc, IPv6 off on lo but on mtp0: install exits 1" 1 "$RC"
has "... the message names both interfaces and both fixes" "$ERR" "'mtp0'" "'lo'" \
  "net.ipv6.conf.lo.disable_ipv6=0" "--ip-family-mode ipv4"
check "... and nothing was changed (both families' tables, lo)" "" "$(state_iptc | diff "$T/iptc.before" -)"
mtp iptc.conf status
check "... status does not call such a host in sync either: exit 1" 1 "$RC"
mtp iptc.conf install --ip-family-mode ipv4
n6=$(sb ip6tables-legacy-save | grep -c 'KUMA_MESH')
n4=$(sb iptables-legacy-save | grep -c 'KUMA_MESH')
check "... with --ip-family-mode ipv4: exit 0, IPv4 rules only" "0 yes 0" "$RC $([ "$n4" -gt 0 ] && echo yes) $n6"
mtp iptc.conf uninstall
check "... uninstall works on such a host" "0" "$RC$(state_iptc | diff "$T/iptc.before" -)"

mtp0_ipv6 1
mtp iptc.conf install
check "libiptc, IPv6 off on every interface: install exits 0" 0 "$RC"
has "... with a notice that IPv6 rules are not installed, and why" "$ERR" \
  "IPv6 rules are not installed: IPv6 is disabled on every interface"
check "... no IPv6 rule of ours, no ::6" "0 0" \
  "$(sb ip6tables-legacy-save | grep -c KUMA_MESH) $(sb ip -6 addr show dev lo | grep -c '::6/128')"
mtp iptc.conf uninstall
check "... uninstall leaves the tables as before" "0" "$RC$(state_iptc | diff "$T/iptc.before" -)"
mtp0_ipv6 0
lo_ipv6 0

# ::6/128 failing after the tables were committed: install
reference iptc.conf install
k=$(addr_position "$T/ref")
mtp iptc.conf uninstall
state_iptc > "$T/iptc.before"
inject_addr_failure "$k" iptc.conf install
check "libiptc: adding ::6 fails after the commits: exit 1" 1 "$RC"
has "... the message says the tables were put back" "$ERR" "adding ::6/128 to 'lo'" \
  "what this run had applied was undone (the iptables-legacy tables)"
check "... and the tables are as before" "" "$(state_iptc | diff "$T/iptc.before" -)"
# ... and uninstall
mtp iptc.conf install
state_iptc > "$T/iptc.installed"
reference iptc.conf uninstall
k=$(addr_position "$T/ref")
mtp iptc.conf install
inject_addr_failure "$k" iptc.conf uninstall
check "libiptc: removing ::6 fails after the commits of an uninstall: exit 1, rules still there" \
  "1" "$RC$(state_iptc | diff "$T/iptc.installed" -)"
mtp iptc.conf uninstall

# ---------------------------------------------------------------------------
# direct.xml (firewalld not running)
cat > "$SB_DIR/xml.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
store-firewalld=true
firewalld-config-dir=$SB_DIR/etc
EOT
cat > "$SB_DIR/etc/direct.xml" <<'EOT'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-s 192.0.2.1 -j ACCEPT</rule>
</direct>
EOT
state_xml() { od -c "$SB_DIR/etc/direct.xml"; sb ip -6 addr show dev lo | grep inet6; }
lo_ipv6 1
state_xml > "$T/xml.before"
mtp xml.conf install
check "direct.xml, IPv6 off on lo but on mtp0: install exits 1, direct.xml byte for byte as before" \
  "1" "$RC$(state_xml | diff "$T/xml.before" -)"
has "... the message names the fix" "$ERR" "net.ipv6.conf.lo.disable_ipv6=0" "--ip-family-mode ipv4"
lo_ipv6 0
reference xml.conf install
k=$(addr_position "$T/ref")
mtp xml.conf uninstall
state_xml > "$T/xml.before"
inject_addr_failure "$k" xml.conf install
check "direct.xml: adding ::6 fails after the file was written: exit 1, direct.xml as before" \
  "1" "$RC$(state_xml | diff "$T/xml.before" -)"
has "... the message says the file was put back" "$ERR" "undone (direct.xml)"

# ---------------------------------------------------------------------------
# A real firewalld, started on a direct.xml that holds only the foreign rule
cat > "$SB_DIR/etc/direct.xml" <<'EOT'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-s 192.0.2.1 -j ACCEPT</rule>
</direct>
EOT
sandbox_firewalld_start || { tap_not_ok "firewalld starts"; tap_done; exit 1; }
FW=org.fedoraproject.FirewallD1
cat > "$T/sorted.py" <<'EOT'
import ast, re, sys
for n, line in enumerate(sys.stdin):
    value = ast.literal_eval(re.sub(r"@[^ ]+ ", "", line.strip()))[0]
    for i, entries in enumerate(value if isinstance(value, tuple) else (value,)):
        for entry in sorted(repr(e) for e in entries):
            print(n, i, entry)
EOT
listing() { gdbus call --system --dest $FW --object-path "$1" --method "$2"; }
state_fw() {
  {
    for m in getAllChains getAllRules getAllPassthroughs; do listing $FW_PATH $FW.direct.$m; done
    listing $FW_PATH/config $FW.config.direct.getSettings
  } | $PY "$T/sorted.py"
  sb ip -6 addr show dev lo | grep inet6
}
# (direct.xml's foreign rule is live and permanent)
state_fw > "$T/fw.before"

lo_ipv6 1
state_fw > "$T/fw.lo-off"
mtp xml.conf install
check "firewalld, IPv6 off on lo but on mtp0: install exits 1, runtime and permanent as before" \
  "1" "$RC$(state_fw | diff "$T/fw.lo-off" -)"
has "... the message names the fix" "$ERR" "net.ipv6.conf.lo.disable_ipv6=0" "--ip-family-mode ipv4"
mtp0_ipv6 1
mtp xml.conf install
n6=$(listing $FW_PATH $FW.direct.getAllRules | grep -o "'ipv6'" | wc -l)
n4=$(listing $FW_PATH $FW.direct.getAllRules | grep -o "('ipv4', 'nat'" | wc -l)
check "firewalld, IPv6 off everywhere: exit 0, IPv4 rules only" "0 yes 0" "$RC $([ "$n4" -gt 0 ] && echo yes) $n6"
has "... with the notice" "$ERR" "IPv6 rules are not installed: IPv6 is disabled on every interface"
mtp xml.conf uninstall
mtp0_ipv6 0
lo_ipv6 0
check "... uninstall: as before" "0" "$RC$(state_fw | diff "$T/fw.before" -)"

reference xml.conf install
k=$(addr_position "$T/ref")
mtp xml.conf uninstall
inject_addr_failure "$k" xml.conf install
check "firewalld: adding ::6 fails after runtime and permanent were written: exit 1, both as before" \
  "1" "$RC$(state_fw | diff "$T/fw.before" -)"
has "... the message says both were undone" "$ERR" "adding ::6/128 to 'lo'" \
  "firewalld's permanent configuration" "firewalld's runtime changes"
mtp xml.conf install
state_fw > "$T/fw.installed"
reference xml.conf uninstall
k=$(addr_position "$T/ref")
mtp xml.conf install
inject_addr_failure "$k" xml.conf uninstall
check "firewalld: removing ::6 fails after an uninstall's calls: exit 1, rules still there" \
  "1" "$RC$(state_fw | diff "$T/fw.installed" -)"
mtp xml.conf uninstall

tap_done
