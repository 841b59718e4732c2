#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A signal that ends a run (TERM, INT, HUP, PIPE) never leaves the host half
# changed. strace raises it right after each write call of an install and of
# an uninstall, on each backend:
#   libiptc (a namespace): each table commit (setsockopt IPT_SO_SET_REPLACE and
#     its ADD_COUNTERS) and the netlink call for ::6/128; TERM, INT, HUP, PIPE and QUIT, ALRM, USR1, XCPU,
#     and again with a signal at every later commit too (during the undo);
#   direct.xml, firewalld stopped: each rename and the netlink call;
#   a real firewalld in the sandbox: each write call (sendmsg of addChain,
#     addRule, update, removeRule, removeChain on the bus) and the netlink call.
# After each, the host (iptables-legacy-save of both families; firewalld's
# runtime and permanent listings; direct.xml byte for byte; lo's addresses)
# must be exactly as before with exit 9, or exactly as a full run leaves it
# with exit 0 and a warning that the signal came after the last change.
# Then: a signal while waiting for mesh-tproxy's lock, for the xtables lock and
# for firewalld to leave state INIT ends the run with nothing changed (exit
# 9); and a closed standard output (a dropped session) is not death.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
for tool in strace firewalld gdbus flock iptables-legacy-save ip6tables-legacy-save; do
  command -v "$tool" > /dev/null || tap_skip "needs $tool"
done
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_FAKE_FIREWALLD:=$top/build/tests/fake-firewalld}"
. "$top/tests/lib/sandbox.sh"
. "$top/tests/lib/fake.sh"
trap 'fake_stop; [ -n "${HOLDER:-}" ] && kill "$HOLDER" 2> /dev/null; sandbox_stop' EXIT
trap 'exit 1' INT TERM

# LeakSanitizer (an ASan build) cannot work under ptrace; the memcheck pass's
# wrapper is a script: trace the program itself.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
PROG=${MESH_TPROXY_REAL:-$MESH_TPROXY}
# The Python that firewalld runs on (a python3 first in PATH may be a slow shim).
PY=$(sed -n '1s/^#! *//p' "$(command -v firewalld)")

sandbox_start
# firewalld 1.3.3 installs IPv6 rules (and so ::6/128) only without RFC3964_IPv4.
printf 'DefaultZone=public\nFirewallBackend=nftables\nRFC3964_IPv4=no\n' > "$SB_DIR/etc/firewalld.conf"
printf 'nameserver 10.99.0.2\nnameserver fd99::2\n' > "$SB_DIR/resolv.conf"
T=$SB_DIR/t
mkdir "$T"

# traced OUT SYSCALLS CMD…: the program in the namespace under strace (only
# SYSCALLS traced, strings long enough to show a D-Bus member); sets RC.
traced() {
  t_out=$1 t_sc=$2; shift 2
  sb strace -f -b execve -qq -s 400 -o "$t_out" -e trace="$t_sc" "$PROG" "$@" \
    > "$T/stdout" 2> "$T/stderr" < /dev/null
  RC=$?
}
# injected OUT SYSCALL WHEN SIGNAL CMD…: the same, SIGNAL raised at the
# WHEN-th SYSCALL (strace counts each thread's calls; WHEN may be K+ for every
# call from the K-th on).
injected() {
  i_out=$1 i_sc=$2 i_when=$3 i_sig=$4; shift 4
  sb strace -f -b execve -qq -s 400 -o "$i_out" -e trace="$i_sc" \
    -e inject="$i_sc:signal=$i_sig:when=$i_when" "$PROG" "$@" > "$T/stdout" 2> "$T/stderr" < /dev/null
  RC=$?
}
# The thread that made most of a trace's calls of a syscall (GDBus's worker
# for sendmsg), and the program's main thread (the first line's).
busiest() { sed -n "s/^\([0-9]*\) *$2(.*/\1/p" "$1" | sort | uniq -c | sort -n | tail -n 1 | awk '{ print $2 }'; }
main_tid() { sed -n '1s/^\([0-9]*\) .*/\1/p' "$1"; }
# calls TRACE TID SYSCALL: that thread's calls of it, one a line, numbered
# from 1 as strace counts them for when=
calls() { grep -E "^$2 +$3\(" "$1"; }
# What a D-Bus message is: its member ("addRule"), from the header field
# 3 (member), signature s: \3\1s\0, a length, \0\0\0, the name, \0.
member() { grep -oE '\\3\\1s\\0(\\[0-7]+|\\[a-z]|.)\\0\\0\\0[A-Za-z]+\\0' | head -n 1 | sed -E 's/.*\\0\\0\\0([A-Za-z]+)\\0$/\1/'; }
WRITES='addChain|removeChain|addRule|removeRule|removeRules|update|passthrough'
# positions TRACE TID SYSCALL PATTERN: the numbers (for when=) of that thread's
# calls that match PATTERN (an extended regex on the call's line)
positions() { calls "$1" "$2" "$3" | grep -nE "$4" | cut -d: -f1 | tr '\n' ' '; }
# bus_members TRACE: the members of the worker's sendmsg calls, in order
bus_members() {
  b_tid=$(busiest "$1" sendmsg)
  calls "$1" "$b_tid" sendmsg | while IFS= read -r line; do
    printf '%s\n' "$line" | member
  done
}
# bus_writes TRACE: positions of the write calls among them
bus_writes() { bus_members "$1" | grep -nxE "$WRITES" | cut -d: -f1 | tr '\n' ' '; }
# hits TRACE: the calls after which a signal came (for each "--- SIGxxx"
# line, the line before it of the same thread)
hits() { awk '{ tid = $1 } / --- SIG/ { print last[tid]; next } { last[tid] = $0 }' "$1"; }
NETLINK_ADDR='nlmsg_type=(0x14|0x15|RTM_NEWADDR|RTM_DELADDR)'

# sweep NAME SYSCALL POSITIONS SIGNALS HIT_PATTERN CMD…: one injected run per
# position and signal. Before each the host must be $PRE (the caller's STATE
# function prints it); afterwards exactly $PRE with exit 9, or exactly $POST
# with exit 0 and the warning; RESET_PRE brings it back. Each injection must
# have hit a call matching HIT_PATTERN. One TAP line for the sweep.
sweep() {
  s_name=$1 s_sc=$2 s_pos=$3 s_sigs=$4 s_hit=$5; shift 5
  s_n=0 s_undone=0 s_done=0 s_bad="" s_t0=$(date +%s)
  for s_sig in $s_sigs; do
    for s_k in $s_pos; do
      s_n=$((s_n + 1))
      injected "$T/inj" "$s_sc" "$s_k" "$s_sig" "$@"
      if ! hits "$T/inj" | grep -qE "$s_hit"; then
        s_bad="$s_bad
$s_sig at $s_sc #$s_k: the signal came after none of the calls meant: $(hits "$T/inj" | cut -c1-160)"
      fi
      $STATE > "$T/now"
      s_reset=yes
      if [ "$RC" = 9 ] && cmp -s "$T/now" "$PRE"; then
        s_reset=no
        s_undone=$((s_undone + 1))
        grep -q "interrupted by SIG$s_sig" "$T/stderr" ||
          s_bad="$s_bad
$s_sig at $s_sc #$s_k: exit 9 without 'interrupted by SIG$s_sig': $(cat "$T/stderr")"
      elif [ "$RC" = 0 ] && cmp -s "$T/now" "$POST"; then
        s_done=$((s_done + 1))
        grep -q "warning: SIG$s_sig came after the last change" "$T/stderr" ||
          s_bad="$s_bad
$s_sig at $s_sc #$s_k: exit 0 without the warning: $(cat "$T/stderr")"
        $RESET_PRE
      else
        s_bad="$s_bad
$s_sig at $s_sc #$s_k: exit $RC, host neither as before nor as after: $(cat "$T/stderr")
$(diff "$PRE" "$T/now" | head -n 20)"
        $RESET_PRE
      fi
      if [ $s_reset = yes ] && ! $STATE | cmp -s - "$PRE"; then
        s_bad="$s_bad
after $s_sig at $s_sc #$s_k: could not bring the host back to the state before"
        break 2
      fi
    done
  done
  echo "# $s_name: $s_n injections: $s_undone undone (exit 9), $s_done completed (exit 0); $(($(date +%s) - s_t0)) s"
  TOTAL=$((TOTAL + s_n))
  if [ -z "$s_bad" ] && [ "$s_n" -gt 0 ]; then
    tap_ok "$s_name: $s_n signals, each run ends as before (exit 9: $s_undone) or fully done (exit 0: $s_done)"
  else
    tap_not_ok "$s_name: $s_n signals, each run ends as before or fully done" "$s_bad"
  fi
}
TOTAL=0

# ---------------------------------------------------------------------------
# 1. libiptc in the sandbox's namespace (firewalld not running)
cat > "$SB_DIR/iptc.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
redirect-dns=true
resolv-conf=$SB_DIR/resolv.conf
backend=iptables
EOT
ICONF="--config $SB_DIR/iptc.conf"
# Foreign rules where ours go.
sb iptables-legacy-restore --noflush <<'EOT'
*nat
-A OUTPUT -d 192.0.2.99/32 -p tcp -j RETURN
-A PREROUTING -s 192.0.2.7/32 -j RETURN
COMMIT
*raw
-A OUTPUT -d 192.0.2.53/32 -j NOTRACK
COMMIT
EOT
sb ip6tables-legacy-restore --noflush <<'EOT'
*nat
-A OUTPUT -d 2001:db8::99/128 -p tcp -j RETURN
COMMIT
EOT
# (The tables all exist from the first install on: each save lists them in
# the same order.)
state_iptc() {
  { sb iptables-legacy-save; sb ip6tables-legacy-save; } | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
  sb ip -6 addr show dev lo | grep inet6
}
iptc() { sb "$PROG" "$@" > /dev/null 2>&1 < /dev/null; }
# shellcheck disable=SC2086
iptc_install() { iptc install $ICONF; }
# shellcheck disable=SC2086
iptc_uninstall() { iptc uninstall $ICONF; }
# A first install makes the tables (the kernel keeps them), so that the
# states compared hold the same tables.
iptc_install; iptc_uninstall
STATE=state_iptc
state_iptc > "$T/iptc.none"
# shellcheck disable=SC2086
traced "$T/iptc.ref" setsockopt,sendto install $ICONF
check "libiptc: the reference install exits 0" 0 "$RC"
state_iptc > "$T/iptc.all"
main=$(main_tid "$T/iptc.ref")
commits=$(positions "$T/iptc.ref" "$main" setsockopt 'SO_SET_(REPLACE|ADD_COUNTERS)')
n_replace=$(grep -cE 'IP6?T_SO_SET_REPLACE' "$T/iptc.ref")
addr=$(positions "$T/iptc.ref" "$main" sendto "$NETLINK_ADDR")
check "libiptc: the install commits 4 tables (raw, nat; both families) and adds ::6" "4 1" \
  "$n_replace $(echo $addr | wc -w)"
iptc_uninstall
check "libiptc: uninstall leaves the tables as before" "" "$(state_iptc | diff "$T/iptc.none" -)"

# Install: TERM, INT, HUP and PIPE after each commit and after the address.
PRE=$T/iptc.none POST=$T/iptc.all RESET_PRE=iptc_uninstall
# shellcheck disable=SC2086
sweep "libiptc install, at each commit" setsockopt "$commits" "TERM INT HUP PIPE QUIT ALRM USR1 XCPU" 'SO_SET_' install $ICONF
# shellcheck disable=SC2086
sweep "libiptc install, at ::6" sendto "$addr" "TERM INT HUP PIPE" "$NETLINK_ADDR" install $ICONF
# A second signal at every commit after the first: the undo goes on.
plus=$(for k in $commits; do printf '%s+ ' "$k"; done)
# shellcheck disable=SC2086
sweep "libiptc install, at each commit and every one after it (during the undo)" setsockopt \
  "$plus" "TERM" 'SO_SET_' install $ICONF

# Uninstall, from the installed state.
iptc_install
# shellcheck disable=SC2086
traced "$T/iptc.uref" setsockopt,sendto uninstall $ICONF
main=$(main_tid "$T/iptc.uref")
ucommits=$(positions "$T/iptc.uref" "$main" setsockopt 'SO_SET_(REPLACE|ADD_COUNTERS)')
uaddr=$(positions "$T/iptc.uref" "$main" sendto "$NETLINK_ADDR")
check "libiptc: the reference uninstall exits 0, commits 4 tables and removes ::6" "0 4 1" \
  "$RC $(grep -cE 'IP6?T_SO_SET_REPLACE' "$T/iptc.uref") $(echo $uaddr | wc -w)"
iptc_install
PRE=$T/iptc.all POST=$T/iptc.none RESET_PRE=iptc_install
# shellcheck disable=SC2086
sweep "libiptc uninstall, at each commit" setsockopt "$ucommits" "TERM INT HUP PIPE" 'SO_SET_' uninstall $ICONF
# shellcheck disable=SC2086
sweep "libiptc uninstall, at ::6" sendto "$uaddr" "TERM INT HUP PIPE" "$NETLINK_ADDR" uninstall $ICONF
plus=$(for k in $ucommits; do printf '%s+ ' "$k"; done)
# shellcheck disable=SC2086
sweep "libiptc uninstall, at each commit and every one after it (during the undo)" setsockopt \
  "$plus" "TERM" 'SO_SET_' uninstall $ICONF
iptc_uninstall

# Waiting for a lock: a signal ends the run, nothing changed. The lock is
# held by another process; strace raises the signal at the second try.
# (the holder is one process, which execs sleep with the lock's descriptor)
(flock 9 && exec sleep 600) 9>> "$MESH_TPROXY_LOCK_FILE" & HOLDER=$!
i=0; until ! flock -n "$MESH_TPROXY_LOCK_FILE" true 2>/dev/null || [ $i -gt 250 ]; do i=$((i+1)); sleep 0.02; done
# shellcheck disable=SC2086
injected "$T/lock" flock 3 TERM install $ICONF --wait 20
check "a signal while waiting for mesh-tproxy's lock: exit 9, nothing changed" \
  "9 0" "$RC $(state_iptc | diff "$T/iptc.none" - | grep -c '^>')"
has "... the message says so" "$(cat "$T/stderr")" "interrupted by SIGTERM while waiting for mesh-tproxy's lock"
# shellcheck disable=SC2086
injected "$T/lock" flock 3 HUP install $ICONF --wait 20 --json
if [ "$RC" = 9 ] && grep -q '"status": *"interrupted"' "$T/stdout"; then
  tap_ok "... with --json: exit 9, status \"interrupted\""
else
  tap_not_ok "... with --json: exit 9, status \"interrupted\"" "exit $RC" "$(cat "$T/stdout")"
fi
kill "$HOLDER"; wait "$HOLDER" 2> /dev/null
XLOCK=$SB_DIR/xtables.lock
: > "$XLOCK"
(flock 9 && exec sleep 600) 9>> "$XLOCK" & HOLDER=$!
i=0; until ! flock -n "$XLOCK" true 2>/dev/null || [ $i -gt 250 ]; do i=$((i+1)); sleep 0.02; done
# (flock calls: ours, then the xtables lock's first and second tries)
XTABLES_LOCKFILE=$XLOCK
export XTABLES_LOCKFILE
# shellcheck disable=SC2086
injected "$T/xlock" flock 3 INT install $ICONF --wait 20
unset XTABLES_LOCKFILE
check "a signal while waiting for the xtables lock: exit 9, nothing changed" \
  "9 0" "$RC $(state_iptc | diff "$T/iptc.none" - | grep -c '^>')"
has "... the message says so" "$(cat "$T/stderr")" "interrupted by SIGINT while waiting for the xtables lock"
kill "$HOLDER"; wait "$HOLDER" 2> /dev/null

# A closed standard output (the session that started the run is gone): the
# first debug line raises SIGPIPE; the run ends before its first change
# instead of dying, exit 9.
cat > "$T/closed.py" <<'EOT'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.DEVNULL).returncode)
EOT
# shellcheck disable=SC2086
sb $PY "$T/closed.py" "$PROG" install $ICONF --verbose
rc=$?
# Nothing is written to standard output before the end of the run (its
# report is written once, then): the install is made whole, and the write
# that fails then says so (exit 1, mesh-tproxy(8), EXIT STATUS).
check "install --verbose into a closed pipe: exit 1 (not death by SIGPIPE), the rules all in" \
  "1 0" "$rc $(state_iptc | diff "$T/iptc.all" - | grep -c '^[<>]')"
iptc_uninstall # (and ::6/128 with it, before the next section)

# ---------------------------------------------------------------------------
# 2. direct.xml, firewalld not running
cat > "$SB_DIR/etc/direct.xml" <<'EOT'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <chain ipv="ipv4" table="filter" chain="ADMIN"/>
  <rule ipv="ipv4" table="filter" chain="ADMIN" priority="0">-s 192.0.2.1 -j ACCEPT</rule>
</direct>
EOT
cat > "$SB_DIR/xml.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
store-firewalld=true
firewalld-config-dir=$SB_DIR/etc
EOT
XCONF="--config $SB_DIR/xml.conf"
state_xml() {
  if [ -f "$SB_DIR/etc/direct.xml" ]; then od -c "$SB_DIR/etc/direct.xml"; else echo "no direct.xml"; fi
  sb ip -6 addr show dev lo | grep inet6
}
# shellcheck disable=SC2086
xml_install() { iptc install $XCONF; }
# shellcheck disable=SC2086
xml_uninstall() { iptc uninstall $XCONF; }
STATE=state_xml
state_xml > "$T/xml.none"
# shellcheck disable=SC2086
traced "$T/xml.ref" rename,renameat,renameat2,sendto install $XCONF
state_xml > "$T/xml.all"
main=$(main_tid "$T/xml.ref")
renames=$(positions "$T/xml.ref" "$main" renameat 'direct\.xml')
addr=$(positions "$T/xml.ref" "$main" sendto "$NETLINK_ADDR")
check "direct.xml: the reference install exits 0, renames 2 files (direct.xml.old, direct.xml), adds ::6" \
  "0 2 1" "$RC $(echo $renames | wc -w) $(echo $addr | wc -w)"
xml_uninstall
PRE=$T/xml.none POST=$T/xml.all RESET_PRE=xml_uninstall
# shellcheck disable=SC2086
sweep "direct.xml install, at each rename" renameat "$renames" "TERM INT" 'direct\.xml' install $XCONF
# shellcheck disable=SC2086
sweep "direct.xml install, at ::6" sendto "$addr" "TERM HUP" "$NETLINK_ADDR" install $XCONF
plus=$(for k in $renames; do printf '%s+ ' "$k"; done)
# shellcheck disable=SC2086
sweep "direct.xml install, at each rename and every one after it (during the undo)" renameat \
  "$plus" "TERM" 'direct\.xml' install $XCONF
xml_install
state_xml > "$T/xml.all" # (this install's direct.xml.old differs; direct.xml does not)
# shellcheck disable=SC2086
traced "$T/xml.uref" rename,renameat,renameat2,sendto uninstall $XCONF
main=$(main_tid "$T/xml.uref")
urenames=$(positions "$T/xml.uref" "$main" renameat 'direct\.xml')
uaddr=$(positions "$T/xml.uref" "$main" sendto "$NETLINK_ADDR")
check "direct.xml: the reference uninstall exits 0, renames 2 files, removes ::6" \
  "0 2 1" "$RC $(echo $urenames | wc -w) $(echo $uaddr | wc -w)"
state_xml > "$T/xml.none2"
xml_install
PRE=$T/xml.all POST=$T/xml.none2 RESET_PRE=xml_install
# shellcheck disable=SC2086
sweep "direct.xml uninstall, at each rename" renameat "$urenames" "TERM INT" 'direct\.xml' uninstall $XCONF
# shellcheck disable=SC2086
sweep "direct.xml uninstall, at ::6" sendto "$uaddr" "TERM HUP" "$NETLINK_ADDR" uninstall $XCONF
xml_uninstall

# ---------------------------------------------------------------------------
# 3. A real firewalld in the sandbox (runtime and permanent)
# A foreign direct chain and rule, runtime and permanent: firewalld starts
# on a direct.xml that holds only them.
cat > "$SB_DIR/etc/direct.xml" <<'EOT'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <chain ipv="ipv4" table="filter" chain="ADMIN"/>
  <rule ipv="ipv4" table="filter" chain="ADMIN" priority="0">-s 192.0.2.1 -j ACCEPT</rule>
</direct>
EOT
sandbox_firewalld_start || { tap_not_ok "firewalld starts"; tap_done; exit 1; }
FW=org.fedoraproject.FirewallD1
# firewalld's direct configuration, runtime and permanent, as gdbus prints it
# (GVariant text), each list sorted: firewalld lists entries in the order
# they were added, and an undo adds them again.
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
cat > "$SB_DIR/fw.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
store-firewalld=true
firewalld-config-dir=$SB_DIR/etc
EOT
FCONF="--config $SB_DIR/fw.conf"
# shellcheck disable=SC2086
fw_install() { iptc install $FCONF; }
# shellcheck disable=SC2086
fw_uninstall() { iptc uninstall $FCONF; }
STATE=state_fw
state_fw > "$T/fw.none"
# shellcheck disable=SC2086
traced "$T/fw.ref" sendmsg,sendto install $FCONF
state_fw > "$T/fw.all"
writes=$(bus_writes "$T/fw.ref")
addr=$(positions "$T/fw.ref" "$(main_tid "$T/fw.ref")" sendto "$NETLINK_ADDR")
n_writes=$(echo $writes | wc -w)
check "firewalld: the reference install exits 0, with IPv6 rules (::6 added)" "0 1" "$RC $(echo $addr | wc -w)"
echo "# firewalld: $n_writes write calls in an install"
fw_uninstall
check "firewalld: uninstall leaves runtime and permanent as before" "" "$(state_fw | diff "$T/fw.none" -)"
BUS_HIT="($WRITES)"'\\0'
PRE=$T/fw.none POST=$T/fw.all RESET_PRE=fw_uninstall
# shellcheck disable=SC2086
sweep "firewalld install, at each write call" sendmsg "$writes" "TERM" "$BUS_HIT" install $FCONF
# shellcheck disable=SC2086
sweep "firewalld install, at ::6" sendto "$addr" "TERM" "$NETLINK_ADDR" install $FCONF

fw_install
# shellcheck disable=SC2086
traced "$T/fw.uref" sendmsg,sendto uninstall $FCONF
uwrites=$(bus_writes "$T/fw.uref")
uaddr=$(positions "$T/fw.uref" "$(main_tid "$T/fw.uref")" sendto "$NETLINK_ADDR")
check "firewalld: the reference uninstall exits 0, removes ::6" "0 1" "$RC $(echo $uaddr | wc -w)"
echo "# firewalld: $(echo $uwrites | wc -w) write calls in an uninstall"
fw_install
PRE=$T/fw.all POST=$T/fw.none RESET_PRE=fw_install
# shellcheck disable=SC2086
sweep "firewalld uninstall, at each write call" sendmsg "$uwrites" "TERM" "$BUS_HIT" uninstall $FCONF
# shellcheck disable=SC2086
sweep "firewalld uninstall, at ::6" sendto "$uaddr" "TERM" "$NETLINK_ADDR" uninstall $FCONF
fw_uninstall

# More calls than are sent at once (64): a signal at the 20th write call
# stops the sending; what was sent is undone, the rest never goes out.
PORTS=$(seq 20001 20060 | tr '\n' ',' | sed 's/,$//')
# shellcheck disable=SC2086
traced "$T/big.ref" sendmsg install $FCONF --exclude-outbound-ports "$PORTS"
state_fw > "$T/big.all"
big=$(bus_writes "$T/big.ref")
fw_uninstall
n_big=$(bus_members "$T/big.ref" | grep -c '^add')
k20=$(echo $big | cut -d' ' -f20)
# shellcheck disable=SC2086
injected "$T/big" sendmsg "$k20" HUP install $FCONF --exclude-outbound-ports "$PORTS"
check "a large install ($n_big add calls), SIGHUP after the 20th: exit 9, host as before" \
  "9" "$RC$(state_fw | diff "$T/fw.none" - | head -n 5)"
sent=$(bus_members "$T/big" | grep -c '^add')
undone=$(bus_members "$T/big" | grep -c '^remove')
if [ "$sent" -lt "$n_big" ] && [ "$undone" -eq "$sent" ]; then
  tap_ok "... the sending stopped ($sent of $n_big add calls made) and all $undone were undone"
else
  tap_not_ok "... the sending stopped and what was sent was undone" \
    "$sent of $n_big add calls made, $undone remove calls" "$(cat "$T/stderr")"
fi
sandbox_firewalld_stop

# ---------------------------------------------------------------------------
# 4. Waiting for firewalld to leave state INIT (a fake: a real one passes
# through INIT too fast): a signal ends the wait, nothing written.
cat > "$SB_DIR/mtp.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
EOT
if fake_start --state INIT; then
  # (the wait sleeps 100 ms between looks: the signal comes at the third sleep)
  injected "$T/init" nanosleep,clock_nanosleep 3 TERM install --config "$SB_DIR/mtp.conf" --store-firewalld
  check "a signal while firewalld is in state INIT: exit 9, no write call" "9 0" "$RC $(writes)"
  has "... the message says so" "$(cat "$T/stderr")" "interrupted by SIGTERM while waiting for firewalld to leave state INIT"
  fake_stop
fi

echo "# $TOTAL signals injected after write calls"
tap_done
