#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Many runs at once: 12 installs (two different rule sets) and uninstalls
# started together against one sandbox, through each backend: a real
# firewalld, direct.xml with firewalld stopped, libiptc. mesh-tproxy's own lock
# (and the xtables lock for libiptc) makes them take turns: every run exits 0,
# and the end state is exactly the one the last run asked for (the lock file
# names the last holder), with no duplicate rule and every foreign entry kept.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
command -v firewalld > /dev/null || tap_skip "needs firewalld"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
. "$top/tests/lib/sandbox.sh"
trap 'sandbox_stop' EXIT
trap 'exit 1' INT TERM

N=12
sandbox_start
cat > "$SB_DIR/a.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
EOT
cat > "$SB_DIR/b.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
exclude-outbound-ports=8080,9090
exclude-inbound-ports=22
redirect-dns=true
EOT
# request I of a round: install a, install b or uninstall, in turn
request() { case $(($1 % 3)) in 0) echo "install a" ;; 1) echo "install b" ;; *) echo "uninstall" ;; esac; }
# args REQUEST: the command and configuration of a request
args() {
  case $1 in
    "install a") echo "install --config $SB_DIR/a.conf" ;;
    "install b") echo "install --config $SB_DIR/b.conf" ;;
    *) echo "uninstall --config $SB_DIR/a.conf" ;;
  esac
}

# round NAME STATE-FUNCTION OPTION…: the requests of $N runs, one by one to
# learn each end state, then all at once
round() {
  r_name=$1 r_state=$2; shift 2
  for req in "install a" "install b" "uninstall"; do
    # shellcheck disable=SC2046 # (no spaces in $SB_DIR)
    sb "$MESH_TPROXY" $(args "$req") "$@" > /dev/null 2>&1 || tap_not_ok "$r_name: $req alone exits 0"
    $r_state > "$SB_DIR/want.$(echo "$req" | tr ' ' _)"
  done
  # shellcheck disable=SC2046
  sb "$MESH_TPROXY" $(args "install b") "$@" > /dev/null 2>&1 # (something to change from)
  i=0 pids=
  while [ $i -lt $N ]; do
    req=$(request $i)
    # A simple command, not sb(): $! must be mesh-tproxy itself (ip netns
    # exec execs it), the PID it writes into the lock file.
    # shellcheck disable=SC2046
    ip netns exec "$SB_NS" "$MESH_TPROXY" $(args "$req") --wait 120 "$@" > "$SB_DIR/run.$i.out" 2>&1 &
    eval "pid_$i=\$!"
    pids="$pids $!"
    i=$((i + 1))
  done
  failed=0 i=0
  while [ $i -lt $N ]; do
    eval "p=\$pid_$i"
    wait "$p" || { failed=$((failed + 1)); sed 's/^/# /' "$SB_DIR/run.$i.out"; }
    i=$((i + 1))
  done
  check "$r_name: $N runs started at once all exit 0" 0 "$failed"
  # The last holder of the lock: "PID COMMAND"
  last_pid=$(cut -d' ' -f1 "$MESH_TPROXY_LOCK_FILE")
  i=0 last=
  while [ $i -lt $N ]; do
    eval "p=\$pid_$i"
    [ "$p" = "$last_pid" ] && last=$(request $i)
    i=$((i + 1))
  done
  if [ -z "$last" ]; then
    tap_not_ok "$r_name: the lock file names one of the runs" "$(cat "$MESH_TPROXY_LOCK_FILE")" "runs:$pids"
    return
  fi
  tap_ok "$r_name: the lock file names the last run: '$last' (pid $last_pid)"
  $r_state > "$SB_DIR/got"
  check_cmd "$r_name: the end state is exactly what '$last' alone gives" \
    diff -u "$SB_DIR/want.$(echo "$last" | tr ' ' _)" "$SB_DIR/got"
}

no_duplicates() { # no_duplicates DESCRIPTION COMMAND…: no line of its output twice
  n_d=$1; shift
  d=$("$@" | LC_ALL=C sort | uniq -d)
  check "$n_d" "" "$d"
}

# 1. A real firewalld: runtime and permanent direct configurations, and what
# the kernel's tables hold of ours. firewalld lists entries in the order they
# were added, which depends on the runs before: compare them sorted (the
# priorities carry the order of the rules).
fw_state() {
  for c in "--direct --get-all-chains" "--direct --get-all-rules" \
    "--direct --get-all-passthroughs" "--permanent --direct --get-all-chains" \
    "--permanent --direct --get-all-rules" "--permanent --direct --get-all-passthroughs"; do
    # shellcheck disable=SC2086
    firewall-cmd $c | LC_ALL=C sort
  done
  sb iptables-save -t nat | grep -E '^(-A|:)' | sed 's/\[[0-9:]*\]//' | LC_ALL=C sort
}
sandbox_firewalld_start || { tap_not_ok "firewalld starts in the sandbox"; tap_done; exit 1; }
firewall-cmd --permanent --direct --add-chain ipv4 filter FOREIGN > /dev/null
firewall-cmd --permanent --direct --add-rule ipv4 filter FOREIGN 0 -s 192.0.2.1 -j ACCEPT > /dev/null
firewall-cmd --permanent --direct --add-passthrough ipv4 -t filter -A INPUT -s 192.0.2.2 -j DROP > /dev/null
firewall-cmd --reload > /dev/null
round "firewalld" fw_state --store-firewalld
no_duplicates "firewalld: no duplicate runtime rule" firewall-cmd --direct --get-all-rules
no_duplicates "firewalld: no duplicate permanent rule" firewall-cmd --permanent --direct --get-all-rules
no_duplicates "firewalld: no duplicate rule in the kernel's nat table" \
  sh -c "ip netns exec $SB_NS iptables-save -t nat | grep '^-A'"
has_foreign=$(grep -c -e 'FOREIGN' -e '192.0.2.2' "$SB_DIR/got")
check "firewalld: the foreign chain, rule and passthrough are there, runtime and permanent" 6 "$has_foreign"
sandbox_firewalld_stop

# 2. firewalld stopped: direct.xml (our entries and the foreign ones, as
# firewalld wrote them when it stopped)
xml_state() { cat "$SB_DIR/etc/direct.xml"; }
round "direct.xml" xml_state --store-firewalld --backend firewalld
no_duplicates "direct.xml: no duplicate entry" grep -E '<(rule|chain|passthrough)' "$SB_DIR/etc/direct.xml"
check "direct.xml: the foreign entries are kept" 3 "$(grep -c -e FOREIGN -e 192.0.2.2 "$SB_DIR/etc/direct.xml")"
check_cmd "direct.xml: it is well-formed" python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$SB_DIR/etc/direct.xml"

# 3. libiptc: the kernel's legacy tables, both families, with a foreign rule
# in each nat table
ipt_state() {
  for f in iptables ip6tables; do
    sb "$f-legacy-save" | grep -E '^(\*|:|-A|COMMIT)' | sed 's/\[[0-9:]*\]//'
  done
}
# A run with redirect-dns adds rules to the raw tables, and the kernel never
# removes a table once made: make them first, so that every state, the ones
# of the runs alone and the end state, has the same tables.
sb iptables-legacy -t raw -S > /dev/null
sb ip6tables-legacy -t raw -S > /dev/null
sb iptables-legacy -t nat -A OUTPUT -d 192.0.2.3 -j RETURN
sb ip6tables-legacy -t nat -A OUTPUT -d 2001:db8::3 -j RETURN
round "libiptc" ipt_state --backend iptables
for f in iptables ip6tables; do
  no_duplicates "libiptc: no duplicate rule ($f)" sh -c "ip netns exec $SB_NS $f-legacy-save | grep '^-A'"
done
check "libiptc: the foreign rules are kept" 2 "$(grep -c -e 192.0.2.3 -e 2001:db8::3 "$SB_DIR/got")"

# 4. A run that cannot get the lock in time says who holds it.
printf '%s install\n' $$ > "$MESH_TPROXY_LOCK_FILE" # (a live process)
flock "$MESH_TPROXY_LOCK_FILE" sleep 5 &
holder=$!
sleep 0.3
t0=$(date +%s)
out=$(sb "$MESH_TPROXY" install --config "$SB_DIR/a.conf" --backend iptables --wait 1 2>&1)
rc=$?
t=$(($(date +%s) - t0))
check "lock held: install --wait 1 exits 1" 1 "$rc"
case $out in
  *"another mesh-tproxy run (pid $$, install) holds the lock"*"waited 1 s"*) tap_ok "lock held: the message names the holder and the wait" ;;
  *) tap_not_ok "lock held: the message names the holder and the wait" "$out" ;;
esac
[ "$t" -le 3 ] && tap_ok "lock held: it gave up after about 1 s ($t s)" || tap_not_ok "lock held: gave up after 1 s" "took $t s"
out=$(sb "$MESH_TPROXY" status --config "$SB_DIR/a.conf" --backend iptables --wait 1 2>&1)
check "lock held: status waits for it too (shared), then exits 1" 1 "$?"
kill "$holder" 2> /dev/null; wait "$holder" 2> /dev/null

tap_done
