#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mesh-tproxy on a host without firewalld: the kernel's legacy tables through
# libiptc, in fresh network namespaces, with real connections.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MESH_TPROXY_TEST:=$top/build/src/mesh-tproxy-test}" # with the test hooks
: "${MTP_PROBE:=$top/build/tests/probe}"
. "$top/tests/lib/sandbox.sh"
trap 'sandbox_stop; [ -n "${NS2:-}" ] && ip netns del "$NS2" 2>/dev/null' EXIT INT TERM

sandbox_start
# The unprivileged run (step 10) must be able to read the config.
chmod 755 "$SB_DIR"
sandbox_peer_start
printf 'nameserver 10.99.0.2\nnameserver fd99::2\n' > "$SB_DIR/resolv.conf"
cat > "$SB_DIR/mtp.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
resolv-conf=$SB_DIR/resolv.conf
backend=iptables
EOT
chmod 644 "$SB_DIR/mtp.conf" "$SB_DIR/resolv.conf"
PROXY=65534
APP=0
NS2="$SB_NS-ref"
ip netns add "$NS2"

mtp() { c=$1; shift; sb "$MESH_TPROXY" "$c" --config "$SB_DIR/mtp.conf" "$@"; }
# iptables-legacy-save of a namespace, table by table in a fixed order (the
# tool prints them in reverse order of first use), without counters and
# comments.
saved() { # saved NS FAMILY
  if [ "$2" = 6 ]; then s=ip6tables-legacy-save; else s=iptables-legacy-save; fi
  for t in raw mangle nat filter; do ip netns exec "$1" $s -t $t; done |
    grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
}
# What loading our golden rendering with iptables-legacy-restore gives.
reference() { # reference FAMILY [OPTIONS…]
  f=$1; shift
  ip netns del "$NS2" 2>/dev/null; ip netns add "$NS2"
  if [ "$f" = 6 ]; then r=ip6tables-legacy-restore; fam=ipv6; else r=iptables-legacy-restore; fam=ipv4; fi
  mtp show --family $fam "$@" | ip netns exec "$NS2" $r --noflush
  saved "$NS2" "$f"
}
commits() { # commits FILE: table replacements seen by strace
  grep -cE 'IP6?T_SO_SET_REPLACE' "$1" || true
}
traced() { # traced OUT CMD…: runs a mesh-tproxy command under strace
  o=$1; shift
  sb strace -f -qq -e trace=setsockopt -o "$o" "$MESH_TPROXY" "$@" --config "$SB_DIR/mtp.conf" > /dev/null 2>&1
}
out4() { landing "$SB_NS" 15001 4 "$SB_NS" "$APP" 10.99.0.2 80; }
traffic() { # traffic WHEN
  check "$1: an app's outbound connection lands on :15001 with its original destination" "10.99.0.2 80" "$(out4)"
  check "$1: the proxy's own connection is not redirected" "10.99.0.2 80" "$(landing "$SB_PEER" 80 4 "$SB_NS" $PROXY 10.99.0.2 80)"
  check "$1: an inbound connection over the veth lands on :15006" "10.99.0.1 8080" "$(landing "$SB_NS" 15006 4 "$SB_PEER" 0 10.99.0.1 8080)"
  check "$1: IPv6 outbound lands on :15001" "fd99::2 80" "$(landing "$SB_NS" 15001 6 "$SB_NS" "$APP" fd99::2 80)"
  check "$1: IPv6 inbound lands on :15006" "fd99::1 8080" "$(landing "$SB_NS" 15006 6 "$SB_PEER" 0 fd99::1 8080)"
}
udp_landing() {
  f="$SB_DIR/udp.out"; : > "$f"
  ip netns exec "$SB_NS" "$MTP_PROBE" listen udp "$1" 4 > "$f" 2>&1 & p=$!
  i=0; until grep -q listening "$f"; do i=$((i+1)); [ $i -gt 200 ] && break; sleep 0.02; done
  sb "$MTP_PROBE" connect udp 10.99.0.2 53
  wait $p; s=$(sed -n 's/^original-dst //p' "$f"); echo "${s:-none}"
}

# Foreign rules in every table, one of them in a built-in chain where ours go.
sb iptables-legacy-restore --noflush <<'EOT'
*filter
:FOREIGN - [0:0]
-A INPUT -s 192.0.2.1 -j DROP
-A FOREIGN -j ACCEPT
COMMIT
*nat
-A OUTPUT -d 192.0.2.99/32 -p tcp -j RETURN
-A PREROUTING -s 192.0.2.7/32 -j RETURN
COMMIT
*raw
-A OUTPUT -d 192.0.2.53/32 -j NOTRACK
COMMIT
*mangle
-A PREROUTING -s 192.0.2.8/32 -j MARK --set-mark 7
COMMIT
EOT
sb ip6tables-legacy-restore --noflush <<'EOT'
*nat
-A OUTPUT -d 2001:db8::99/128 -p tcp -j RETURN
COMMIT
EOT
before4=$(saved "$SB_NS" 4); before6=$(saved "$SB_NS" 6)

# 1. install: exactly the golden rule set, both families
mtp install --redirect-dns > "$SB_DIR/out" 2> "$SB_DIR/err"; rc=$?
check "install (libiptc) exits 0" 0 "$rc"
grep -q "iptables-legacy-save" "$SB_DIR/err" && tap_ok "it says where the rules are listed (nft host)" || tap_not_ok "no note about iptables-legacy-save" "$(cat "$SB_DIR/err")"
# Ours are the golden set; the foreign ones stay where they were.
ours() { grep -E 'KUMA_MESH|kuma/mesh'; }
check "IPv4 tables hold exactly the golden rules (iptables-legacy-save)" "$(reference 4 --redirect-dns | ours)" "$(saved "$SB_NS" 4 | ours)"
check "IPv6 tables hold exactly the golden rules (ip6tables-legacy-save)" "$(reference 6 --redirect-dns | ours)" "$(saved "$SB_NS" 6 | ours)"
check "::6/128 is on lo" 1 "$(sb ip -6 addr show dev lo | grep -c 'inet6 ::6/128')"

# 2. real traffic
traffic "after install"
check "after install: a DNS query to 10.99.0.2:53 lands on :15053" "127.0.0.1 15053" "$(udp_landing 15053)"

# 3. idempotence: no table replaced
traced "$SB_DIR/st1" install --redirect-dns
check "a second install replaces no table (strace: IPT_SO_SET_REPLACE)" 0 "$(commits "$SB_DIR/st1")"
mtp status --redirect-dns > "$SB_DIR/out" 2>&1; rc=$?
check "status: in sync, exit 0" "0 status: in sync" "$rc $(tail -n 1 "$SB_DIR/out")"
mtp status > "$SB_DIR/out" 2>&1; rc=$?
check "status with other options: drifted, exit 6" 6 "$rc"

# 4. a change of options: only the tables concerned are replaced
traced "$SB_DIR/st2" install --redirect-dns --exclude-outbound-ports 2000
check "adding an excluded port replaces the two nat tables only" 2 "$(commits "$SB_DIR/st2")"
check "IPv4 after the change equals the golden set" "$(reference 4 --redirect-dns --exclude-outbound-ports 2000 | ours)" "$(saved "$SB_NS" 4 | ours)"

# 4b. pack-ports: the excluded ports in multiport rules (80:82 a range),
# exactly what iptables-restore makes of them, and real connections to them
# pass by the proxy while others still land on it
PACK="--redirect-dns --pack-ports --exclude-outbound-ports 2000,81,80,82,443 --exclude-inbound-ports 8080,22"
# shellcheck disable=SC2086
mtp install $PACK > /dev/null 2>&1
check "install --pack-ports exits 0" 0 $?
check "it holds one multiport rule per chain and family" 4 \
  "$({ saved "$SB_NS" 4; saved "$SB_NS" 6; } | grep -c -e '--dports 80:82,443,2000 ' -e '--dports 22,8080 ')"
# shellcheck disable=SC2086
check "IPv4 with pack-ports equals the golden set" "$(reference 4 $PACK | ours)" "$(saved "$SB_NS" 4 | ours)"
# shellcheck disable=SC2086
check "IPv6 with pack-ports equals the golden set" "$(reference 6 $PACK | ours)" "$(saved "$SB_NS" 6 | ours)"
check "pack-ports: an app's connection to excluded port 81 is not redirected" "10.99.0.2 81" "$(landing "$SB_PEER" 81 4 "$SB_NS" $APP 10.99.0.2 81)"
check "pack-ports: IPv6 to excluded port 443 is not redirected" "fd99::2 443" "$(landing "$SB_PEER" 443 6 "$SB_NS" $APP fd99::2 443)"
check "pack-ports: port 83, not excluded, lands on :15001" "10.99.0.2 83" "$(landing "$SB_NS" 15001 4 "$SB_NS" $APP 10.99.0.2 83)"
check "pack-ports: inbound to excluded port 8080 is not redirected" "10.99.0.1 8080" "$(landing "$SB_NS" 8080 4 "$SB_PEER" 0 10.99.0.1 8080)"
check "pack-ports: inbound to port 8081 lands on :15006" "10.99.0.1 8081" "$(landing "$SB_NS" 15006 4 "$SB_PEER" 0 10.99.0.1 8081)"
# shellcheck disable=SC2086
traced "$SB_DIR/st4" install $PACK
check "a second install --pack-ports replaces no table" 0 "$(commits "$SB_DIR/st4")"
# shellcheck disable=SC2086
mtp status $PACK > /dev/null 2>&1
check "status --pack-ports: in sync, exit 0" 0 $?
mtp status --redirect-dns --exclude-outbound-ports 2000,81,80,82,443 --exclude-inbound-ports 8080,22 > /dev/null 2>&1
check "status with the same ports unpacked: drifted, exit 6" 6 $?

# 5. uninstall: the tables are exactly as before
mtp uninstall > /dev/null 2>&1; rc=$?
check "uninstall exits 0" 0 "$rc"
check "IPv4 tables exactly as before install" "$before4" "$(saved "$SB_NS" 4)"
check "IPv6 tables exactly as before install" "$before6" "$(saved "$SB_NS" 6)"
check "::6/128 is gone from lo" 0 "$(sb ip -6 addr show dev lo | grep -c 'inet6 ::6/128')"
check "after uninstall an app's connection is not redirected" "10.99.0.2 80" "$(landing "$SB_PEER" 80 4 "$SB_NS" $APP 10.99.0.2 80)"
traced "$SB_DIR/st3" uninstall
check "a second uninstall replaces no table" 0 "$(commits "$SB_DIR/st3")"
mtp status > /dev/null 2>&1; check "status after uninstall: not installed, exit 5" 5 "$?"

# 6. upgrades: Kuma 2.1 (MESH_*) and uncommented KUMA_MESH_* rules are replaced
sb iptables-legacy-restore --noflush <<'EOT'
*nat
:MESH_INBOUND - [0:0]
:MESH_REDIRECT - [0:0]
:MESH_IN_REDIRECT - [0:0]
:MESH_OUTPUT - [0:0]
-A PREROUTING -p tcp -j MESH_INBOUND
-A OUTPUT -p tcp -j MESH_OUTPUT
-A MESH_INBOUND -p tcp -j MESH_IN_REDIRECT
-A MESH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
-A MESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001
-A MESH_OUTPUT -m owner --uid-owner 65534 -j RETURN
-A MESH_OUTPUT -j MESH_REDIRECT
COMMIT
EOT
mtp install > /dev/null 2>&1; rc=$?
check "install over Kuma 2.1 rules exits 0" 0 "$rc"
check "no MESH_* chain or jump is left" "" "$(saved "$SB_NS" 4 | grep -E 'MESH_(INBOUND|OUTPUT|REDIRECT|IN_REDIRECT)\b' | grep -v KUMA_MESH)"
check "ours are exactly the golden set" "$(reference 4 | ours)" "$(saved "$SB_NS" 4 | ours)"
mtp uninstall > /dev/null 2>&1
mtp show --family ipv4 --disable-comments | sb iptables-legacy-restore --noflush
mtp install > /dev/null 2>&1; rc=$?
check "install over uncommented KUMA_MESH_* rules exits 0" 0 "$rc"
check "ours are exactly the golden set (no uncommented duplicates)" "$(reference 4 | ours)" "$(saved "$SB_NS" 4 | ours)"
traffic "upgraded"
mtp uninstall > /dev/null 2>&1
check "after the upgrades and uninstall the IPv4 tables are as at the start" "$before4" "$(saved "$SB_NS" 4)"

# 7. a commit that races with another writer (EAGAIN) is retried
sb env MTP_TEST_FAIL_COMMIT=1:11 "$MESH_TPROXY_TEST" install --config "$SB_DIR/mtp.conf" > /dev/null 2>&1; rc=$?
check "EAGAIN on the first commit: retried, exit 0" 0 "$rc"
check "and the tables hold the golden set" "$(reference 4 | ours)" "$(saved "$SB_NS" 4 | ours)"
mtp uninstall > /dev/null 2>&1

# 8. the second table's commit fails: every table as before
sb env MTP_TEST_FAIL_COMMIT=2:2 "$MESH_TPROXY_TEST" install --config "$SB_DIR/mtp.conf" --redirect-dns > /dev/null 2> "$SB_DIR/err"; rc=$?
check "a failing second commit: exit 1" 1 "$rc"
grep -q "committing the" "$SB_DIR/err" && tap_ok "the error names the table: $(head -n 1 "$SB_DIR/err")" || tap_not_ok "no table named" "$(cat "$SB_DIR/err")"
check "IPv4 tables exactly as before (the first table was restored)" "$before4" "$(saved "$SB_NS" 4)"
check "IPv6 tables exactly as before" "$before6" "$(saved "$SB_NS" 6)"

# 9. installs and uninstalls at once: the end state is the last one's
for i in 1 2 3 4 5 6 7 8; do
  if [ $((i % 2)) -eq 0 ]; then mtp uninstall > /dev/null 2>&1 & else mtp install > /dev/null 2>&1 & fi
done
wait
mtp install > /dev/null 2>&1
check "8 concurrent runs, then install: exactly the golden set, no duplicates" "$(reference 4 | ours)" "$(saved "$SB_NS" 4 | ours)"
mtp uninstall > /dev/null 2>&1

# 9b. Docker's DNS chain in the legacy nat table (read through libiptc): the
# proxy's own DNS bypass jumps to it instead of RETURN, in that family only
mtp uninstall > /dev/null 2>&1
sb iptables-legacy -t nat -N DOCKER_OUTPUT
mtp install --redirect-dns > /dev/null 2>&1; rc=$?
check "with DOCKER_OUTPUT in the IPv4 legacy nat table: install exits 0" 0 "$rc"
check "the proxy's IPv4 DNS bypass jumps to DOCKER_OUTPUT" 1 \
  "$(sb iptables-legacy-save -t nat | grep -- '--dport 53' | grep -c -- '-j DOCKER_OUTPUT')"
check "IPv6 (no such chain) keeps RETURN" 0 \
  "$(sb ip6tables-legacy-save -t nat | grep -c -- '-j DOCKER_OUTPUT')"
mtp uninstall > /dev/null 2>&1
check "uninstall leaves Docker's chain" 1 "$(sb iptables-legacy-save -t nat | grep -c '^:DOCKER_OUTPUT ')"
sb iptables-legacy -t nat -X DOCKER_OUTPUT

# 10. without privileges nothing happens
sb setpriv --reuid=65534 --regid=65534 --clear-groups "$MESH_TPROXY" install --config "$SB_DIR/mtp.conf" > /dev/null 2> "$SB_DIR/err"; rc=$?
check "non-root install: exit 4" 4 "$rc"
grep -q "lock.*run as root" "$SB_DIR/err" && tap_ok "it stops at mesh-tproxy's lock: run as root" ||
  tap_not_ok "it stops at mesh-tproxy's lock: run as root" "$(cat "$SB_DIR/err")"
check "non-root install changed nothing" "$before4" "$(saved "$SB_NS" 4)"

# Tables that need nothing from us are not made: the kernel makes a legacy
# table, hooks and all, the first time it is read. In a fresh namespace,
# status and a dry run make none, an install with DNS redirected makes raw and
# nat, an uninstall nothing more.
NS3="$SB_NS-fresh"
ip netns add "$NS3"
ip -n "$NS3" link set lo up
# status and a dry run only read: they make no table.
ip netns exec "$NS3" "$MESH_TPROXY" status --config "$SB_DIR/mtp.conf" --redirect-dns > /dev/null 2>&1
check "fresh namespace: status says not installed (exit 5)" 5 $?
ip netns exec "$NS3" "$MESH_TPROXY" install --dry-run --config "$SB_DIR/mtp.conf" --redirect-dns > /dev/null 2>&1
check "fresh namespace: install --dry-run exits 0" 0 $?
for f in ip ip6; do
  check "fresh namespace: status and the dry run made no $f legacy table" "" \
    "$(ip netns exec "$NS3" cat /proc/net/${f}_tables_names | xargs)"
done
ip netns exec "$NS3" "$MESH_TPROXY" install --config "$SB_DIR/mtp.conf" --redirect-dns > /dev/null 2>&1
check "fresh namespace: install --redirect-dns exits 0" 0 $?
ip netns exec "$NS3" "$MESH_TPROXY" uninstall --config "$SB_DIR/mtp.conf" > /dev/null 2>&1
check "fresh namespace: uninstall exits 0" 0 $?
for f in ip ip6; do
  check "fresh namespace: the $f legacy tables made are raw and nat, not mangle or filter" "nat raw" \
    "$(ip netns exec "$NS3" cat /proc/net/${f}_tables_names | sort | xargs)"
done
ip netns del "$NS3"

tap_done
