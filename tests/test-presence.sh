#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Whether firewalld runs is decided on evidence, and status says when nothing
# is live. With a real firewalld RUNNING in the sandbox's namespace and the
# run's system bus unreachable (a dead socket, a socket that never answers,
# one that is no bus, another bus without firewalld on it), install (with and
# without --store-firewalld), uninstall and status fail with exit 1 and change
# nothing: no direct.xml behind the live daemon, no libiptc tables, no runtime
# rules. firewalld started as `python3 /usr/sbin/firewalld` is found by its
# command line; a firewalld in ANOTHER namespace does not count; a namespace
# whose processes cannot be seen fails closed; installed but not started (no
# bus at all) stays the offline case. Then, with firewalld stopped, status
# says "permanent only" (exit 7) for rules in direct.xml, by every backend
# path, drifted (6) and not installed (5) where they are, and in sync (0) once
# firewalld runs with them.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces and firewalld"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
. "$top/tests/lib/sandbox.sh"
# The system's Python (tools/install-deps), not a wrapper found first on PATH.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
HELPERS=
cleanup() {
  for pid in $HELPERS; do kill "$pid" 2>/dev/null; done
  sandbox_stop
}
trap cleanup EXIT
trap 'exit 1' INT TERM

sandbox_start
cat > "$SB_DIR/mtp.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
EOT
FW_BUS=$DBUS_SYSTEM_BUS_ADDRESS

# run NS ADDR ARG…: mesh-tproxy in namespace NS ("-": a fresh one) with the
# system bus at ADDR; stdout in $SB_DIR/out, stderr in $SB_DIR/err, exit code
# in $rc. `timeout` only bounds a run that would wait for ever (before the
# fix, one on a socket that never answers did).
run() {
  r_ns=$1 r_addr=$2; shift 2
  if [ "$r_ns" = - ]; then set -- unshare --net -- "$MESH_TPROXY" "$@"
  else set -- ip netns exec "$r_ns" "$MESH_TPROXY" "$@"; fi
  DBUS_SYSTEM_BUS_ADDRESS=$r_addr timeout 60 "$@" --config "$SB_DIR/mtp.conf" \
    > "$SB_DIR/out" 2> "$SB_DIR/err" < /dev/null
  rc=$?
}
err_has() { grep -qF -- "$1" "$SB_DIR/err"; }
out_has() { grep -qF -- "$1" "$SB_DIR/out"; }
shown() { printf 'exit %s\nstdout:\n%s\nstderr:\n%s\n' "$rc" "$(cat "$SB_DIR/out")" "$(cat "$SB_DIR/err")"; }
# expect DESC CODE NEEDLE: the last run exited CODE and said NEEDLE (stderr)
expect() {
  if [ "$rc" -eq "$2" ] && { [ -z "$3" ] || err_has "$3"; }; then tap_ok "$1"
  else tap_not_ok "$1" "expected exit $2 and: $3" "$(shown)"; fi
}
# The stores through the real bus and the kernel: what must not change.
runtime_ours() { sb firewall-cmd --direct --get-all-rules | grep -c 'kuma/mesh' || true; }
legacy_ours() { { sb iptables-legacy-save; sb ip6tables-legacy-save; } 2>/dev/null | grep -c KUMA_MESH || true; }
unchanged() { # unchanged DESC: no direct.xml, no runtime rule, no legacy rule of ours
  check "$1: no direct.xml written, no rule live, no table written" "absent 0 0" \
    "$([ -e "$SB_DIR/etc/direct.xml" ] && echo present || echo absent) $(runtime_ours) $(legacy_ours)"
}

# Buses that are not firewalld's: a socket nobody listens on any more, one
# that takes connections and never answers, one that answers like no bus,
# and a real bus that firewalld is not on.
"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SB_DIR/dead"
"$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
' "$SB_DIR/silent" &
HELPERS="$HELPERS $!"
"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c = s.accept()[0]; c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n"); c.close()
' "$SB_DIR/nobus" &
HELPERS="$HELPERS $!"
sed "s|<listen>unix:path=$SB_DIR/bus</listen>|<listen>unix:path=$SB_DIR/other</listen>|" \
  "$SB_DIR/bus.conf" > "$SB_DIR/other.conf"
dbus-daemon --config-file="$SB_DIR/other.conf" --fork --print-pid > "$SB_DIR/other.pid"
HELPERS="$HELPERS $(cat "$SB_DIR/other.pid")"
i=0
while ! { [ -S "$SB_DIR/silent" ] && [ -S "$SB_DIR/nobus" ] && [ -S "$SB_DIR/other" ]; }; do
  i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done

sandbox_firewalld_start || { tap_not_ok "firewalld starts in the sandbox"; tap_done; exit 1; }
FW_PID=$SB_FW_PID
tap_ok "firewalld runs in namespace $SB_NS (pid $FW_PID)"

# 1. firewalld RUNNING, the bus unreachable: every command fails, exit 1.
run "$SB_NS" "unix:path=$SB_DIR/dead" install --store-firewalld
expect "dead bus socket: install --store-firewalld exits 1, naming firewalld's pid" 1 \
  "firewalld runs in this network namespace (pid $FW_PID)"
err_has "cannot be reached" && err_has "nothing was changed" &&
  tap_ok "and says the bus cannot be reached and nothing was changed" || tap_not_ok "message" "$(shown)"
unchanged "dead bus socket"

run "$SB_NS" "unix:path=$SB_DIR/dead" install --store-firewalld --json
"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed"] is True and d["status"] == "unknown" and d["changed"] is False, d
assert "firewalld runs in this network namespace" in d["msg"], d
' "$SB_DIR/out" 2>> "$SB_DIR/err"
check "dead bus socket, --json: one object, failed, status unknown (exit 1)" "1:0" "$rc:$?"

run "$SB_NS" "unix:path=$SB_DIR/silent" install --store-firewalld --timeout 2
expect "a bus socket that never answers: exit 1 after --timeout" 1 "no answer within 2 s"
unchanged "a bus socket that never answers"

run "$SB_NS" "unix:path=$SB_DIR/nobus" install --store-firewalld
expect "a socket that is no bus: exit 1" 1 "firewalld runs in this network namespace"
unchanged "a socket that is no bus"

run "$SB_NS" "unix:path=$SB_DIR/other" install --store-firewalld
expect "another bus, without firewalld on it: exit 1" 1 \
  "but a firewalld process runs in this network namespace (pid $FW_PID): it is on another bus"
unchanged "another bus"

# The libiptc path (auto backend, no --store-firewalld) is no way around it.
run "$SB_NS" "unix:path=$SB_DIR/dead" install
expect "dead bus socket: install (auto, libiptc when not running) exits 1" 1 \
  "firewalld runs in this network namespace"
unchanged "auto without --store-firewalld"
run "$SB_NS" "unix:path=$SB_DIR/dead" install --backend firewalld --store-firewalld
expect "dead bus socket: --backend firewalld exits 1" 1 "firewalld runs in this network namespace"

run "$SB_NS" "unix:path=$SB_DIR/dead" status --store-firewalld
expect "dead bus socket: status exits 1 (not 5, 7 or 0)" 1 "firewalld runs in this network namespace"

# --backend iptables writes the tables whatever runs: it goes on, and warns.
run "$SB_NS" "unix:path=$SB_DIR/dead" install --backend iptables
expect "dead bus socket, --backend iptables: installs, warning that firewalld may be running" 0 \
  "firewalld may be running"
run "$SB_NS" "unix:path=$SB_DIR/dead" uninstall --backend iptables
check "and --backend iptables uninstalls again" "0 0" "$rc $(legacy_ours)"

# 2. Other namespaces' firewalld does not count: a fresh namespace with no
# firewalld is the offline case (this one writes the sandbox's direct.xml).
rm -f "$SB_DIR/etc/direct.xml"
run - "unix:path=$SB_DIR/dead" install --store-firewalld
expect "firewalld in another namespace does not count: offline install, exit 0" 0 \
  "firewalld is not running: the rules are in"
[ -s "$SB_DIR/etc/direct.xml" ] && tap_ok "direct.xml written offline" ||
  tap_not_ok "direct.xml written offline" "$(shown)"
cp "$SB_DIR/etc/direct.xml" "$SB_DIR/direct.xml.before"
run - "unix:path=$SB_DIR/nonexistent/bus" install --store-firewalld
expect "installed but not started, no bus at all: the offline case (exit 0)" 0 ""
cmp -s "$SB_DIR/direct.xml.before" "$SB_DIR/etc/direct.xml" &&
  tap_ok "and direct.xml holds the same (in sync)" || tap_not_ok "direct.xml changed" "$(shown)"

# uninstall must not rewrite that direct.xml behind the running daemon.
run "$SB_NS" "unix:path=$SB_DIR/dead" uninstall
expect "dead bus socket: uninstall exits 1" 1 "firewalld runs in this network namespace"
cmp -s "$SB_DIR/direct.xml.before" "$SB_DIR/etc/direct.xml" &&
  tap_ok "and leaves direct.xml byte for byte as it was" || tap_not_ok "direct.xml changed" "$(shown)"

# 3. Processes that cannot be seen: a tmpfs over /proc, no bus. Cannot tell.
# (In a sanitizer build the leak checker, which needs /proc, then fails at
# exit, with exit status 1 too: the message tells that the run stopped here.)
mkdir -p "$SB_DIR/etc2"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SB_DIR/dead" timeout 60 unshare --net --mount \
  --propagation private sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
  "$MESH_TPROXY" install --store-firewalld --config "$SB_DIR/mtp.conf" \
  --firewalld-config-dir "$SB_DIR/etc2" > "$SB_DIR/out" 2> "$SB_DIR/err" < /dev/null
rc=$?
expect "processes that cannot be seen (tmpfs over /proc), no bus: exit 1" 1 \
  "whether firewalld runs in this network namespace cannot be told"
check "and no direct.xml is written" absent "$([ -e "$SB_DIR/etc2/direct.xml" ] && echo present || echo absent)"

# 4. firewalld started by its interpreter is named python3: its command line
# tells.
sandbox_firewalld_stop
ip netns exec "$SB_NS" /usr/bin/python3 /usr/sbin/firewalld --nofork --nopid --system-config "$SB_DIR/etc" \
  --log-target console >> "$SB_DIR/firewalld.log" 2>&1 &
PY_PID=$!
HELPERS="$HELPERS $PY_PID"
i=0
while [ "$(sandbox_firewalld_state)" != RUNNING ] && [ $i -lt 300 ]; do i=$((i + 1)); sleep 0.05; done
check "firewalld runs as 'python3 /usr/sbin/firewalld' (comm python3)" "RUNNING python3" \
  "$(sandbox_firewalld_state) $(cat "/proc/$PY_PID/comm")"
run "$SB_NS" "unix:path=$SB_DIR/dead" install --store-firewalld
expect "dead bus socket, firewalld named python3: exit 1" 1 \
  "firewalld runs in this network namespace (pid $PY_PID)"
cmp -s "$SB_DIR/direct.xml.before" "$SB_DIR/etc/direct.xml" &&
  tap_ok "and direct.xml is left as it was" || tap_not_ok "direct.xml changed" "$(shown)"
kill "$PY_PID"; wait "$PY_PID" 2>/dev/null
i=0
while [ -n "$(sandbox_firewalld_state)" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done

# 5. firewalld stopped (its bus answers that it is not there): status says
# what is live, and that is nothing.
run "$SB_NS" "$FW_BUS" status --store-firewalld
expect "stopped, our rules in direct.xml: status --store-firewalld exits 7" 7 \
  "firewalld is not running: the rules are in"
out_has "status: permanent only, not live (firewalld is not running)" &&
  tap_ok "and says permanent only, not live" || tap_not_ok "status text" "$(shown)"
run "$SB_NS" "$FW_BUS" status --store-firewalld --json
check "status --json: \"permanent-only\", not failed" "7 permanent-only False" \
  "$rc $("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["failed"])' "$SB_DIR/out")"
run "$SB_NS" "$FW_BUS" status
expect "stopped, auto backend without --store-firewalld, nothing in the tables: exit 7" 7 ""
run "$SB_NS" "$FW_BUS" status --backend firewalld
expect "stopped, --backend firewalld without --store-firewalld: exit 7" 7 ""

# Part of our rules in direct.xml: drifted, whatever is (not) live.
"$PYTHON" - "$SB_DIR/etc/direct.xml" <<'EOT'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]); root = t.getroot()
root.remove([r for r in root.findall("rule") if "kuma/mesh" in (r.text or "")][0])
t.write(sys.argv[1])
EOT
run "$SB_NS" "$FW_BUS" status --store-firewalld
expect "stopped, one rule of ours missing from direct.xml: drifted (6)" 6 ""
run "$SB_NS" "$FW_BUS" status
expect "the same by the auto backend: drifted (6)" 6 ""
run "$SB_NS" "$FW_BUS" uninstall
expect "offline uninstall" 0 ""
run "$SB_NS" "$FW_BUS" status --store-firewalld
expect "stopped, nothing of ours anywhere: not installed (5)" 5 ""
run "$SB_NS" "$FW_BUS" status
expect "the same by the auto backend: not installed (5)" 5 ""

# Once firewalld runs with them, they are live: in sync.
run "$SB_NS" "$FW_BUS" install --store-firewalld
expect "offline install again" 0 ""
sandbox_firewalld_start || tap_not_ok "firewalld starts again"
run "$SB_NS" "$FW_BUS" status --store-firewalld
expect "firewalld started with them: in sync (0)" 0 ""
out_has "status: in sync" && tap_ok "and says in sync" || tap_not_ok "status text" "$(shown)"

tap_done
