#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crash safety of direct.xml. mesh-tproxy edits firewalld's direct.xml while
# firewalld is not running (a temp file, fsync, a backup, rename); this kills
# it with SIGKILL at random moments of offline installs (two rule sets) and
# uninstalls, in turn, and after each kill checks that direct.xml exists,
# parses, holds another program's entries unchanged and is byte for byte
# either the file before the run or the file the run writes when it
# completes. The expected files come from complete runs from every reachable
# start state (each run twice: the writer is deterministic).
#
# Two series: kills spread uniformly over the whole run (0 to 1.2 times its
# duration), then kills aimed at the write itself: timed from the creation of
# the temp file (seen with inotify by tests/crash-kill.c) to a little past
# the rename. Each run is in a fresh network namespace: the IPv6 rule set
# adds ::6/128 to lo. The host's /etc/firewalld is never written: firewalld's
# own reader (firewall-offline-cmd) reads copies, in a mount namespace where
# /etc/firewalld is read-only.
#
# MTP_CRASH_KILLS (default 240) and MTP_CRASH_WINDOW_KILLS (default 90) set
# the number of kills of each series, MTP_CRASH_SEED the random delays.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
# Under tools/run-tests' memcheck pass (tests/lib/valgrind.sh), the program
# itself: a run killed half-way has no leaks to report, and valgrind's pace
# would make hundreds of runs take an hour.
[ -n "${MESH_TPROXY_REAL:-}" ] && MESH_TPROXY=$MESH_TPROXY_REAL
: "${MTP_CRASH_KILL:=$top/build/tests/crash-kill}"
for f in "$MESH_TPROXY" "$MTP_CRASH_KILL"; do
  [ -x "$f" ] || { echo "Bail out! no executable '$f'"; exit 1; }
done
command -v python3 >/dev/null 2>&1 || { echo "Bail out! python3 is needed"; exit 1; }
# The interpreter itself, not a version manager's wrapper: it runs once per kill.
PY=$(python3 -c 'import sys; print(sys.executable)') || { echo "Bail out! python3 fails"; exit 1; }

LC_ALL=C
LANG=C
export LC_ALL LANG
unset G_MESSAGES_DEBUG
# firewalld is not running: its bus does not exist (offline mode).
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/mtp-test-bus
export DBUS_SYSTEM_BUS_ADDRESS

KILLS=${MTP_CRASH_KILLS:-240}
WINDOW_KILLS=${MTP_CRASH_WINDOW_KILLS:-90}
SEED=${MTP_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $SEED (MTP_CRASH_SEED=$SEED gives the same delays)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mtp-crash.XXXXXX") || { echo "Bail out! mktemp -d failed"; exit 1; }
cleanup() {
  if [ "$TAP_FAILED" -gt 0 ]; then echo "# kept $tmp for inspection"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# mesh-tproxy's own lock: ours, not the host's (other tests may run meanwhile).
MESH_TPROXY_LOCK_FILE=$tmp/mtp.lock
export MESH_TPROXY_LOCK_FILE
started=$(date +%s)

# --- the setup --------------------------------------------------------------

printf '[mesh-tproxy]\n' > "$tmp/mtp.conf"
printf 'nameserver 192.0.2.53\nnameserver 2001:db8::53\n' > "$tmp/resolv.conf"
# IPv6 rules are written (RFC3964_IPv4=yes would leave them out).
printf 'FirewallBackend=nftables\nRFC3964_IPv4=no\n' > "$tmp/firewalld.conf"
# Another program's entries: a chain, a rule, passthroughs, and a rule of its
# own in a chain that ours use too.
cat > "$tmp/foreign.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <chain ipv="ipv4" table="filter" chain="OTHERAPP_IN"/>
  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-p tcp --dport 9999 -j OTHERAPP_IN</rule>
  <rule ipv="ipv4" table="filter" chain="OTHERAPP_IN" priority="1">-s 198.51.100.7/32 -m comment --comment "other app: allow the monitor" -j ACCEPT</rule>
  <rule ipv="ipv6" table="nat" chain="OUTPUT" priority="-10">-p tcp --dport 8443 -j RETURN</rule>
  <passthrough ipv="ipv4">-t filter -I INPUT -s 198.51.100.8/32 -j DROP</passthrough>
  <passthrough ipv="ipv6">-t filter -I INPUT -s 2001:db8::8/128 -j DROP</passthrough>
</direct>
EOF
chmod 0644 "$tmp/foreign.xml"

# check.py REF FILE…: each FILE parses, is a <direct>, and holds each of REF's
# entries (another program's) exactly once, unchanged.
cat > "$tmp/check.py" <<'EOF'
import sys
import xml.etree.ElementTree as ET

def key(e):
    return (e.tag, tuple(sorted(e.attrib.items())), (e.text or "").strip())

ref = list(ET.parse(sys.argv[1]).getroot())
for path in sys.argv[2:]:
    try:
        root = ET.parse(path).getroot()
    except Exception as ex:
        sys.exit(f"{path}: does not parse: {ex}")
    if root.tag != "direct":
        sys.exit(f"{path}: the root is <{root.tag}>, not <direct>")
    keys = [key(e) for e in root]
    for e in ref:
        n = keys.count(key(e))
        if n != 1:
            sys.exit(f"{path}: another program's <{e.tag}> {e.attrib} {e.text!r} is there {n} times")
EOF

ports() { seq -s, "$1" "$2"; }
common="--config $tmp/mtp.conf --backend firewalld"
rules="--store-firewalld --kuma-dp-user 0 --resolv-conf $tmp/resolv.conf"
# A: dual-stack, DNS redirected, 600 excluded outbound ports (1250 rules)
op_args_A="install $common $rules --ip-family-mode dualstack --redirect-dns=true
  --exclude-outbound-ports $(ports 1000 1599) --exclude-outbound-ips 203.0.113.0/24"
# B: IPv4 only, no DNS, 400 other excluded outbound ports, excluded inbound ports
op_args_B="install $common $rules --ip-family-mode ipv4 --redirect-dns=false
  --exclude-outbound-ports $(ports 3000 3399) --exclude-inbound-ports 22,80,443"
op_args_U="uninstall $common"
op_name_A="install A"
op_name_B="install B"
op_name_U="uninstall"
OPS="A B U"
set -f # the arguments above are split on white space, never globbed

# new_dir DIR STATE: a firewalld configuration directory holding state STATE
new_dir() {
  rm -rf "$1" && mkdir "$1" && cp "$tmp/firewalld.conf" "$1/" &&
    cp -p "$tmp/state.$2" "$1/direct.xml"
}

# run_op OP DIR [crash-kill OPTION…] DELAY: sets RES (crash-kill's line) and
# the words of it as R_status, R_code, R_at, R_elapsed, R_create, R_rename
run_op() {
  o=$1 d=$2; shift 2
  eval "a=\$op_args_$o"
  # shellcheck disable=SC2086
  RES=$("$MTP_CRASH_KILL" --netns --output "$tmp/out" "$@" \
    "$MESH_TPROXY" $a --firewalld-config-dir "$d")
  R_status= R_code= R_at= R_elapsed= R_create= R_rename=
  for w in $RES; do
    case $w in
      status=* | code=* | at=* | elapsed=* | create=* | rename=*) eval "R_$w" ;;
    esac
  done
}

# state_of FILE: the number of the known state whose content FILE is, or ""
state_of() {
  s=0
  while [ $s -lt "$NSTATES" ]; do
    if cmp -s "$1" "$tmp/state.$s"; then echo $s; return; fi
    s=$((s + 1))
  done
}

# --- the expected files: every operation, from every reachable state --------

cp -p "$tmp/foreign.xml" "$tmp/state.0"
NSTATES=1
queue=0
closure_ok=true
while [ -n "$queue" ]; do
  s=${queue%% *}
  case $queue in *" "*) queue=${queue#* } ;; *) queue= ;; esac
  for o in $OPS; do
    eval "n=\$op_name_$o"
    results=
    for attempt in 1 2; do
      new_dir "$tmp/exp" "$s"
      run_op "$o" "$tmp/exp" --watch "$tmp/exp" -1
      if [ "$R_status" != exited ] || [ "$R_code" != 0 ]; then
        tap_not_ok "$n from state $s completes" "$RES" "$(cat "$tmp/out")"
        closure_ok=false; break
      fi
      cp -p "$tmp/exp/direct.xml" "$tmp/result.$attempt"
      results="$results $R_elapsed:$R_create:$R_rename"
    done
    $closure_ok || break
    if ! cmp -s "$tmp/result.1" "$tmp/result.2"; then
      tap_not_ok "$n from state $s writes the same file twice" \
        "$(diff "$tmp/result.1" "$tmp/result.2" | head -n 20)"
      closure_ok=false; break
    fi
    t=$(state_of "$tmp/result.1")
    if [ -z "$t" ]; then
      t=$NSTATES
      NSTATES=$((NSTATES + 1))
      cp -p "$tmp/result.1" "$tmp/state.$t"
      queue="${queue:+$queue }$t"
    fi
    eval "next_${s}_$o=$t"
    # both runs' durations; the write window of the first
    set -- $results
    e1=${1%%:*} e2=${2%%:*}
    w=${1#*:}
    eval "elapsed_${s}_$o=$((e1 + e2)) create_${s}_$o=${w%%:*} rename_${s}_$o=${w#*:}"
    echo "# $n from state $s: state $t, $(wc -c < "$tmp/state.$t") bytes, runs$results (elapsed:create:rename, us)"
  done
  $closure_ok || break
  if [ "$NSTATES" -gt 8 ]; then
    tap_not_ok "the operations reach a few states" "more than 8 distinct files"
    closure_ok=false; break
  fi
done
if ! $closure_ok; then tap_done; exit 1; fi
tap_ok "each operation from each of the $NSTATES reachable states writes one file, the same twice"

# Every state parses and holds the foreign entries; A and B differ.
check_cmd "every expected file parses and holds the other program's entries" \
  "$PY" "$tmp/check.py" "$tmp/foreign.xml" $(s=0; while [ $s -lt $NSTATES ]; do
    echo "$tmp/state.$s"; s=$((s + 1)); done)
a=$next_0_A b=$next_0_B
if [ "$a" != 0 ] && [ "$b" != 0 ] && [ "$a" != "$b" ] && [ "$(state_of "$tmp/state.$a")" = "$a" ]; then
  tap_ok "installs A and B write different files, both other than the start ($a, $b)"
else
  tap_not_ok "installs A and B write different files, both other than the start" "A: $a B: $b"
fi
eval "u=\$next_${a}_U"
if "$PY" "$tmp/check.py" "$tmp/foreign.xml" "$tmp/state.$u" &&
  ! grep -q 'KUMA_MESH\|kuma/mesh' "$tmp/state.$u"; then
  tap_ok "uninstall after install A leaves only the other program's entries"
else
  tap_not_ok "uninstall after install A leaves only the other program's entries" \
    "$(head -n 20 "$tmp/state.$u")"
fi

# The mean duration of the complete runs of each operation (from all start
# states): the first series spreads its kills over 1.2 times that.
for o in $OPS; do
  m=0 s=0
  while [ $s -lt "$NSTATES" ]; do
    eval "e=\$elapsed_${s}_$o"
    m=$((m + e))
    s=$((s + 1))
  done
  eval "span_$o=$((m / (2 * NSTATES)))"
done
echo "# mean complete runs (us): install A $span_A, install B $span_B, uninstall $span_U"

# Random fractions in millionths, one per line.
awk -v seed="$SEED" -v n=$(((KILLS + WINDOW_KILLS) * 3)) \
  'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%d\n", int(rand() * 1000000) }' \
  > "$tmp/random"
RAND_LINE=0
# rand_ppm: sets PPM to the next one
rand_ppm() { RAND_LINE=$((RAND_LINE + 1)); PPM=$(sed -n "${RAND_LINE}p" "$tmp/random"); }

# --- the kills --------------------------------------------------------------

dir=$tmp/fw
new_dir "$dir" 0
cur=0
killed=0 before=0 after=0 completed=0 noop=0
in_write=0 in_backup=0 backup_renamed=0
tmp_re='^\.direct\.xml\(\.old\)\?\.[A-Za-z0-9]\{6\}$'

# listing: the directory's entries, one a line, sorted
listing() { ls -A "$dir" | LC_ALL=C sort; }

# after_run LABEL: checks the directory after a killed or completed run of
# operation $o from state $cur; updates cur and the counters.
after_run() {
  label=$1
  eval "nxt=\$next_${cur}_$o"
  listing > "$tmp/ls.after"
  problems=
  junk=$(grep -v -e '^direct\.xml$' -e '^direct\.xml\.old$' -e '^firewalld\.conf$' \
    -e "$tmp_re" "$tmp/ls.after")
  [ -z "$junk" ] || problems="$problems; unexpected files: $(echo $junk)"
  new_tmp=$(LC_ALL=C comm -13 "$tmp/ls.before" "$tmp/ls.after" | grep -e "$tmp_re")
  if [ ! -f "$dir/direct.xml" ] || [ -L "$dir/direct.xml" ]; then
    problems="$problems; direct.xml is missing or not a regular file"
  else
    mode=$(stat -c %a "$dir/direct.xml")
    [ "$mode" = 644 ] || problems="$problems; direct.xml has mode $mode"
    olds=
    [ -e "$dir/direct.xml.old" ] && olds=$dir/direct.xml.old
    if ! msg=$("$PY" "$tmp/check.py" "$tmp/foreign.xml" "$dir/direct.xml" $olds 2>&1); then
      problems="$problems; $msg"
    fi
    if [ -n "$olds" ] && [ -z "$(state_of "$olds")" ]; then
      problems="$problems; direct.xml.old is none of the known files"
    fi
  fi
  if [ "$R_status" = exited ] && [ "$R_code" != 0 ]; then
    problems="$problems; exited with $R_code before the kill: $(head -n 3 "$tmp/out")"
  elif [ "$R_status" != exited ] && [ "$R_status" != killed ]; then
    problems="$problems; $RES"
  fi
  if [ -z "$problems" ] && cmp -s "$dir/direct.xml" "$tmp/state.$nxt"; then
    landed=new
  elif [ -z "$problems" ] && cmp -s "$dir/direct.xml" "$tmp/state.$cur"; then
    landed=old
  else
    landed=neither
    [ -f "$dir/direct.xml" ] && problems="$problems; direct.xml ($(wc -c < "$dir/direct.xml") bytes) is neither state $cur ($(wc -c < "$tmp/state.$cur") bytes) nor state $nxt ($(wc -c < "$tmp/state.$nxt") bytes)"
  fi
  [ "$R_status" = exited ] && [ "$landed" = old ] && [ "$nxt" != "$cur" ] &&
    problems="$problems; completed but direct.xml is unchanged"
  where=
  if [ "$R_status" = exited ]; then
    completed=$((completed + 1)); where="completed before the kill"
  elif [ "$nxt" = "$cur" ]; then
    noop=$((noop + 1)); where="nothing to write"
  elif [ "$landed" = new ]; then
    after=$((after + 1)); where="after the rename: new file"
  elif [ "$landed" = old ]; then
    before=$((before + 1)); where="before the rename: old file"
    if echo "$new_tmp" | grep -q '^\.direct\.xml\.old\.'; then
      in_backup=$((in_backup + 1)); where="$where (while copying the backup)"
    elif [ -n "$new_tmp" ]; then
      in_write=$((in_write + 1)); where="$where (while writing the temp file)"
    elif [ -e "$dir/direct.xml.old" ] && ! cmp -s "$dir/direct.xml.old" "$tmp/old.before"; then
      backup_renamed=$((backup_renamed + 1)); where="$where (between the backup's rename and the rename)"
    fi
  fi
  [ "$R_status" = killed ] && killed=$((killed + 1))
  if [ -n "$problems" ]; then
    bad=$tmp/bad.$((TAP_N + 1)) # named after this test's number
    cp -p "$dir/direct.xml" "$bad" 2>/dev/null
    tap_not_ok "$label: $op_label from state $cur, $RES" "${problems#; }" "the file: $bad"
    s=$(state_of "$dir/direct.xml")
    # Start over from a known file to keep testing.
    if [ -z "$s" ]; then cp -p "$tmp/state.$cur" "$dir/direct.xml"; else cur=$s; fi
  else
    tap_ok "$label: $op_label from state $cur, $RES: $where"
    [ "$landed" = new ] && cur=$nxt
  fi
}

# before_run: what after_run compares with
before_run() {
  listing > "$tmp/ls.before"
  rm -f "$tmp/old.before"
  [ -e "$dir/direct.xml.old" ] && cp -p "$dir/direct.xml.old" "$tmp/old.before"
}

# Series 1: uniform over 0 .. 1.2 x the mean complete run.
attempts=0
t0=$(date +%s)
while [ $killed -lt "$KILLS" ] && [ $attempts -lt $((KILLS * 4)) ]; do
  for o in $OPS; do
    eval "span=\$span_$o op_label=\$op_name_$o nxt=\$next_${cur}_$o"
    [ "$nxt" = "$cur" ] && continue # nothing to write (uninstall with nothing installed)
    rand_ppm
    delay=$((PPM * span * 12 / 10 / 1000000))
    before_run
    run_op "$o" "$dir" "$delay"
    attempts=$((attempts + 1))
    after_run "uniform $attempts (delay $delay us)"
    [ $killed -ge "$KILLS" ] && break
  done
done
s1_killed=$killed s1_before=$before s1_after=$after s1_completed=$completed
s1_in=$((in_write + in_backup + backup_renamed))
echo "# series 1: $attempts runs in $(($(date +%s) - t0)) s: $killed killed ($before before the rename, $after after, $noop with nothing to write), $completed completed before the kill; $s1_in of the kills before the rename landed inside the write"
check "series 1: $KILLS runs with something to write killed" "$KILLS" "$killed"

# Series 2: from the temp file's creation to a little past the rename. How
# long the write takes varies a lot with the load (two fsyncs), so the span of
# each operation adapts: a bit longer after a kill before the rename, shorter
# after one past it; about a third land past the rename. It starts at twice
# the longest write of the complete runs.
for o in $OPS; do
  m=1000 s=0
  while [ $s -lt "$NSTATES" ]; do
    eval "c=\$create_${s}_$o r=\$rename_${s}_$o"
    [ "$c" -ge 0 ] && [ $((r - c)) -gt $m ] && m=$((r - c))
    s=$((s + 1))
  done
  eval "win_$o=$((2 * m))"
done
echo "# series 2 starts with spans (us): install A $win_A, install B $win_B, uninstall $win_U"
attempts=0
t0=$(date +%s)
while [ $((killed - s1_killed)) -lt "$WINDOW_KILLS" ] && [ $attempts -lt $((WINDOW_KILLS * 3)) ]; do
  for o in $OPS; do
    eval "nxt=\$next_${cur}_$o op_label=\$op_name_$o width=\$win_$o"
    [ "$nxt" = "$cur" ] && continue # nothing to write: no window
    rand_ppm
    delay=$((PPM * width / 1000000))
    before_run
    run_op "$o" "$dir" --watch "$dir" --after-create "$delay"
    attempts=$((attempts + 1))
    after_run "write window $attempts (delay $delay us after the temp file, of $width)"
    if [ "$landed" = old ]; then width=$((width * 21 / 20)); else width=$((width * 9 / 10)); fi
    eval "win_$o=$width"
    [ $((killed - s1_killed)) -ge "$WINDOW_KILLS" ] && break
  done
done
s2_before=$((before - s1_before)) s2_after=$((after - s1_after))
s2_in=$((in_write + in_backup + backup_renamed - s1_in))
echo "# series 2: $attempts runs in $(($(date +%s) - t0)) s: $((killed - s1_killed)) killed ($s2_before before the rename, $s2_after after), $((completed - s1_completed)) completed before the kill; final spans (us): install A $win_A, install B $win_B, uninstall $win_U"
echo "# kills before the rename that landed inside the write (both series): $in_write while writing the temp file, $in_backup while copying the backup, $backup_renamed between the backup's rename and the rename"
check "series 2: $WINDOW_KILLS runs killed while writing or just after" "$WINDOW_KILLS" "$((killed - s1_killed))"
if [ $before -gt 0 ] && [ $after -gt 0 ]; then
  tap_ok "kills landed both before ($before) and after ($after) the rename"
else
  tap_not_ok "kills landed both before and after the rename" "before: $before, after: $after"
fi
if [ $in_write -gt 0 ] && [ $s2_after -gt 0 ] && [ $((in_backup + backup_renamed)) -gt 0 ]; then
  tap_ok "series 2: kills landed while writing the temp file ($in_write), in the backup ($((in_backup + backup_renamed))) and after the rename ($s2_after)"
else
  tap_not_ok "series 2: kills landed while writing, in the backup and after the rename" \
    "writing: $in_write, backup: $in_backup + $backup_renamed, after: $s2_after"
fi

# --- what the kills left behind -----------------------------------------------

left=$(listing | grep -e "$tmp_re")
nleft=$(printf '%s' "$left" | grep -c .)
echo "# leftover temp files after $killed kills: $nleft"
for f in $left; do
  echo "#   $f: $(stat -c '%s bytes, mode %a' "$dir/$f")"
done | head -n 30
junk=$(listing | grep -v -e '^direct\.xml$' -e '^direct\.xml\.old$' -e '^firewalld\.conf$' -e "$tmp_re")
check "nothing in the directory but direct.xml, its backup, firewalld.conf and our temp files" "" "$junk"

# --- complete runs afterwards ------------------------------------------------

for o in A U A; do
  eval "nxt=\$next_${cur}_$o op_label=\$op_name_$o"
  before_run
  run_op "$o" "$dir" -1
  if [ "$R_status" = exited ] && [ "$R_code" = 0 ] && cmp -s "$dir/direct.xml" "$tmp/state.$nxt" &&
    "$PY" "$tmp/check.py" "$tmp/foreign.xml" "$dir/direct.xml"; then
    tap_ok "after the kills, a complete $op_label from state $cur writes state $nxt"
    cur=$nxt
  else
    tap_not_ok "after the kills, a complete $op_label from state $cur writes state $nxt" \
      "$RES" "$(cat "$tmp/out")"
  fi
done

left=$(listing | grep -e "$tmp_re")
echo "# temp files left after the complete runs: $(printf '%s' "$left" | grep -c .) $(echo $left)"

# --- firewalld's own reader -----------------------------------------------------

# offline_cmd DIR ARG…: firewall-offline-cmd on a copy of DIR, in private
# mount and network namespaces where the host's /etc/firewalld is read-only.
offline_cmd() {
  d=$1; shift
  # shellcheck disable=SC2016
  unshare --mount --propagation private --net -- sh -c '
    if [ -d /etc/firewalld ]; then
      mount --bind /etc/firewalld /etc/firewalld &&
        mount -o remount,bind,ro /etc/firewalld || exit 99
    fi
    exec firewall-offline-cmd --system-config "$@"' sh "$d" "$@"
}

# listing.py xml FILE: the chains, rules and passthroughs of a direct.xml;
# listing.py KIND < LINES: firewall-offline-cmd's listing of KIND. Each entry
# tokenised as firewalld splits it, one a line, sorted.
cat > "$tmp/listing.py" <<'EOF'
import shlex, sys
import xml.etree.ElementTree as ET

if sys.argv[1] == "xml":
    out = []
    for e in ET.parse(sys.argv[2]).getroot():
        a = e.attrib
        if e.tag == "chain":
            t = ["chain", a["ipv"], a["table"], a["chain"]]
        elif e.tag == "rule":
            t = ["rule", a["ipv"], a["table"], a["chain"], a["priority"]] + shlex.split(e.text)
        else:
            t = ["passthrough", a["ipv"]] + shlex.split(e.text)
        out.append("\x1f".join(t))
else:
    out = ["\x1f".join([sys.argv[1]] + shlex.split(l)) for l in sys.stdin if l.strip()]
for l in sorted(out):
    print(l)
EOF
if command -v firewall-offline-cmd >/dev/null 2>&1; then
  # the directory the kills left (install A), install B, only the other program's
  cp -p "$dir/direct.xml" "$tmp/state.final"
  for st in final "$next_0_B" "$u"; do
    rm -rf "$tmp/offline" && mkdir "$tmp/offline" &&
      cp "$tmp/firewalld.conf" "$tmp/offline/" && cp "$tmp/state.$st" "$tmp/offline/direct.xml"
    {
      offline_cmd "$tmp/offline" --direct --get-all-chains | "$PY" "$tmp/listing.py" chain &&
        offline_cmd "$tmp/offline" --direct --get-all-rules | "$PY" "$tmp/listing.py" rule &&
        offline_cmd "$tmp/offline" --direct --get-all-passthroughs | "$PY" "$tmp/listing.py" passthrough
    } 2> "$tmp/offline.err" | LC_ALL=C sort > "$tmp/offline.got"
    "$PY" "$tmp/listing.py" xml "$tmp/state.$st" | LC_ALL=C sort > "$tmp/offline.want"
    n=$(grep -c . "$tmp/offline.want")
    if [ -s "$tmp/offline.want" ] && cmp -s "$tmp/offline.got" "$tmp/offline.want" &&
      offline_cmd "$tmp/offline" --check-config > "$tmp/offline.check" 2>&1; then
      tap_ok "firewall-offline-cmd reads state $st: the same $n entries, --check-config passes"
    else
      tap_not_ok "firewall-offline-cmd reads state $st: the same $n entries, --check-config passes" \
        "$(diff "$tmp/offline.want" "$tmp/offline.got" | head -n 10)" \
        "$(head -n 5 "$tmp/offline.err" "$tmp/offline.check")"
    fi
  done
elif [ "${MTP_FAIL_ON_SKIP:-}" = 1 ]; then
  tap_not_ok "firewall-offline-cmd is installed (MTP_FAIL_ON_SKIP=1)"
else
  tap_ok "firewall-offline-cmd reads the files # SKIP firewall-offline-cmd is not installed"
fi

echo "# $killed kills in $(($(date +%s) - started)) s in all"
tap_done
