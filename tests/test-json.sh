#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# --json: every run prints exactly one JSON object on stdout, with its schema
# version, also when it fails at once (a bad option before or after --json,
# an unknown command word, an unknown user, unreadable or bad files, the lock
# not available) or later; a failed run never says "in-sync"; with --check,
# "changed" means "would change" (rules, and ::6/128 on lo); --verbose does not
# mix with it. Runs that touch the tables do so through libiptc in a network
# namespace of their own; no firewalld (the bus does not exist).
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces and the kernel's tables"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
# The system's Python (tools/install-deps), not a wrapper found first on PATH.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

LC_ALL=C
export LC_ALL
unset G_MESSAGES_DEBUG
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/mtp-test-bus
export DBUS_SYSTEM_BUS_ADDRESS
tmp=$(mktemp -d) || { echo "Bail out! mktemp -d failed"; exit 1; }
NS="mtp-json-$$"
MESH_TPROXY_LOCK_FILE=$tmp/lock
export MESH_TPROXY_LOCK_FILE
cleanup() {
  [ -n "${HOLDER:-}" ] && kill "$HOLDER" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# run ARG…: the program in a fresh network namespace; $tmp/out, $tmp/err, $rc
run() {
  unshare --net -- "$MESH_TPROXY" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
}
# in_ns ARG…: the same in $NS, which keeps its tables between runs (and a
# firewalld configuration directory of its own: uninstall looks there too)
in_ns() {
  ip netns exec "$NS" "$MESH_TPROXY" "$@" --firewalld-config-dir "$tmp/fw-ns" \
    > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
}
# field KEY…: the values of the keys of the one JSON object on stdout, or
# "not-one-object: REASON" when stdout is not exactly one JSON object
field() {
  "$PYTHON" - "$tmp/out" "$@" << 'EOT'
import json, sys
text = open(sys.argv[1]).read()
try:
    d = json.loads(text)
    if not isinstance(d, dict):
        raise ValueError("not an object")
except ValueError as e:
    print("not-one-object: %s" % e)
    sys.exit(0)
print(" ".join(json.dumps(d.get(k)) if k in d else "missing:" + k for k in sys.argv[2:]))
EOT
}
shown() { printf 'exit %s\nstdout:\n%s\nstderr:\n%s\n' "$rc" "$(head -c 3000 "$tmp/out")" "$(head -c 2000 "$tmp/err")"; }
# json_fails DESC CODE NEEDLE ARG…: exit CODE, one object: schema 1, failed,
# status unknown, changed false, msg holding NEEDLE
json_fails() {
  desc=$1 code=$2 needle=$3; shift 3
  run "$@"
  got=$(field schema_version failed status changed)
  msg=$(field msg)
  case "$rc:$got:$msg" in
    "$code:1 true \"unknown\" false:"*"$needle"*) tap_ok "$desc" ;;
    *) tap_not_ok "$desc" "expected exit $code, one object (1 true \"unknown\" false), msg with: $needle" "$(shown)" ;;
  esac
}

# 1. Early failures, each one JSON object, the exit code as without --json.
json_fails "a bad option after --json" 2 "unknown option --no-such-option" \
  install --json --no-such-option
json_fails "a bad option before --json" 2 "unknown option --no-such-option" \
  install --no-such-option --json
json_fails "a bad option value" 2 "option --redirect-inbound-port" \
  install --json --redirect-inbound-port 0
json_fails "a bad --json value (asks for JSON all the same)" 2 "option --json: 'maybe'" \
  install --json=maybe
json_fails "an unknown command word" 2 "unknown command 'instal'" instal --json
run instal --json
check "an unknown command word: \"command\" is null" null "$(field command)"
json_fails "an option of another command (show has no --json)" 2 "unknown option --json" \
  show --json
json_fails "an unexpected argument" 2 "unexpected argument 'extra'" status --json extra
json_fails "an unknown proxy user" 2 "proxy user 'no-such-user-mtp'" \
  install --json --kuma-dp-user no-such-user-mtp
json_fails "a configuration file that does not exist" 2 "no such file" \
  status --json --config "$tmp/none.conf"
printf '[mesh-tproxy]\nno-such-key=1\n' > "$tmp/bad.conf"
json_fails "a configuration file that does not parse" 2 "unknown key 'no-such-key'" \
  install --json --config "$tmp/bad.conf"
json_fails "a resolv.conf that cannot be read" 1 "$tmp/none.resolv" \
  install --json --kuma-dp-user 0 --redirect-dns --resolv-conf "$tmp/none.resolv"
json_fails "install --dry-run prints text: refused with --json" 2 "--check gives a JSON report" \
  install --json --dry-run --kuma-dp-user 0
: > "$MESH_TPROXY_LOCK_FILE"
# One process holds it (killed by its PID), its output not on the TAP stream.
"$PYTHON" -c '
import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("held\n"); time.sleep(600)
' "$MESH_TPROXY_LOCK_FILE" "$tmp/held" > /dev/null 2>&1 < /dev/null &
HOLDER=$!
i=0
until [ -s "$tmp/held" ]; do i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05; done
json_fails "the lock held by another program" 1 "lock" install --json --wait 0 --kuma-dp-user 0
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=

# Without --json the same failures stay text; a word that is another
# option's value, or --json=false, does not ask for JSON.
run install --json=false --no-such-option
check "--json=false: the error is text" "2 0" "$rc $(wc -c < "$tmp/out" | tr -d ' ')"
run install --kuma-dp-user --json
check "'--json' as the value of --kuma-dp-user: text" "2 0" "$rc $(wc -c < "$tmp/out" | tr -d ' ')"

# 2. A run that fails after it began: never "in-sync" (before, an empty list
# of stores read as in sync).
mkdir -p "$tmp/fw" "$tmp/fw-ns"
printf '<direct><bad/></direct>\n' > "$tmp/fw/direct.xml"
run status --json --kuma-dp-user 0 --store-firewalld --firewalld-config-dir "$tmp/fw"
check "status failing on a bad direct.xml: failed, status unknown, exit 2" \
  "2 true \"unknown\"" "$rc $(field failed status)"
run install --json --kuma-dp-user 0 --store-firewalld --firewalld-config-dir "$tmp/fw"
check "install failing on a bad direct.xml: failed, status unknown, exit 2" \
  "2 true \"unknown\"" "$rc $(field failed status)"

# 3. --check: "changed" is "would change"; status as found.
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns install --check --json --kuma-dp-user 0
check "install --check with rules to add: changed (would), status not-installed" \
  "0 true true \"not-installed\" false" "$rc $(field changed check status failed)"
check "and changed nothing" 0 "$(ip netns exec "$NS" iptables-legacy-save 2>/dev/null | grep -c KUMA_MESH)"
in_ns install --check --kuma-dp-user 0
grep -q "would add" "$tmp/out" && tap_ok "install --check text: 'would add'" ||
  tap_not_ok "install --check text: 'would add'" "$(shown)"
in_ns install --json --kuma-dp-user 0
check "install: changed, status in-sync" "0 true \"in-sync\"" "$rc $(field changed status)"
in_ns install --check --json --kuma-dp-user 0
check "install --check when in sync: not changed" "0 false \"in-sync\"" "$rc $(field changed status)"
if ip -n "$NS" -6 addr show dev lo | grep -q '::6/128'; then
  ip -n "$NS" -6 addr del ::6/128 dev lo
  in_ns install --check --json --kuma-dp-user 0
  check "install --check with only ::6/128 missing from lo: changed (would)" \
    "0 true" "$rc $(field changed)"
  grep -q "would add ::6/128 to 'lo'" "$tmp/out" && tap_ok "and a notice says so" ||
    tap_not_ok "and a notice says so" "$(shown)"
  check "and it is still missing" 0 "$(ip -n "$NS" -6 addr show dev lo | grep -c '::6/128')"
  in_ns install --json --kuma-dp-user 0
else
  tap_not_ok "install put ::6/128 on lo in $NS" "$(ip -n "$NS" -6 addr)"
fi
in_ns uninstall --check --json
check "uninstall --check with rules to remove: changed (would), status drifted" \
  "0 true \"drifted\"" "$rc $(field changed status)"
in_ns uninstall --json
check "uninstall: changed, status not-installed" "0 true \"not-installed\"" "$rc $(field changed status)"
in_ns uninstall --check --json
check "uninstall --check with nothing to remove: not changed" \
  "0 false \"not-installed\"" "$rc $(field changed status)"

# 4. --verbose writes to stderr: stdout stays one object.
in_ns install --check --json --verbose --kuma-dp-user 0
check "--json --verbose: stdout is one object" "0 1" "$rc $(field schema_version)"
grep -q DEBUG "$tmp/err" && tap_ok "and the debugging messages are on stderr" ||
  tap_not_ok "debugging messages on stderr" "$(shown)"

tap_done
