# shellcheck shell=sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for tests against tests/fake-firewalld.c, after sandbox_start:
#   fake_start [OPTION…]  a fresh fake (state in $STATE, log in $SB_DIR/fake.log)
#   fake_stop
#   run COMMAND [OPTION…]  mesh-tproxy in the namespace with $SB_DIR/mtp.conf;
#                          sets RC and ERR (stderr)
#   entries, runtime, permanent, writes, call_line N: the fake's state and log
#   has, lacks, errors: checks on messages
#   fw, fw_rule: calls of firewall-cmd's kind; seed_foreign[_runtime]: foreign
#   entries ($FOREIGN_RT, $FOREIGN_PERM); union: sorted lines of two lists
STATE= # $SB_DIR/fake.state, once fake_start has run
FAKE_PID=

fake_start() { # fake_start [OPTION…]: a fresh fake firewalld (empty unless --persist)
  STATE=$SB_DIR/fake.state
  rm -f "$STATE"
  : > "$SB_DIR/fake.out"
  "$MTP_FAKE_FIREWALLD" --state-file "$STATE" "$@" > "$SB_DIR/fake.out" 2> "$SB_DIR/fake.log" &
  FAKE_PID=$!
  i=0
  until grep -q '^ready$' "$SB_DIR/fake.out"; do
    i=$((i + 1))
    if [ $i -gt 250 ] || ! kill -0 "$FAKE_PID" 2>/dev/null; then
      tap_not_ok "fake-firewalld $* starts" "$(cat "$SB_DIR/fake.log")"
      FAKE_PID=; return 1
    fi
    sleep 0.02
  done
}
fake_stop() {
  [ -n "${FAKE_PID:-}" ] || return 0
  kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
  # It releases the name before it exits; this only guards against a crash.
  i=0
  while [ -n "$(sandbox_firewalld_state)" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.02; done
}

# run COMMAND [OPTION…]: mesh-tproxy in the namespace; sets RC and ERR (stderr)
run() {
  c=$1; shift
  sb "$MESH_TPROXY" "$c" --config "$SB_DIR/mtp.conf" "$@" > "$SB_DIR/out" 2> "$SB_DIR/err"; RC=$?
  ERR=$(cat "$SB_DIR/err")
}
entries() { grep -v '^writes ' "$STATE"; }     # both configurations, sorted
runtime() { sed -n 's/^runtime //p' "$STATE"; }
permanent() { sed -n 's/^permanent //p' "$STATE"; }
writes() { sed -n 's/^writes //p' "$STATE"; }  # write calls the fake received
# The fake's log line for write call N: "addRule ipv4 nat OUTPUT 5 -j RETURN -> CODE: …"
call_line() { sed -n "s/^call \(.*\) (write $1)\$/\1/p" "$SB_DIR/fake.log"; }

has() { # has DESCRIPTION TEXT NEEDLE…: TEXT contains every NEEDLE
  h_d=$1 h_t=$2; shift 2
  for h_n in "$@"; do
    case $h_t in *"$h_n"*) ;; *) tap_not_ok "$h_d" "missing: $h_n" "in: $h_t"; return ;; esac
  done
  tap_ok "$h_d"
}
errors() { printf '%s\n' "$ERR" | grep -v '^mesh-tproxy: warning: ' | grep -v '^$'; }
lacks() { # lacks DESCRIPTION TEXT NEEDLE: TEXT does not contain NEEDLE
  case $2 in *"$3"*) tap_not_ok "$1" "unexpected: $3" "in: $2" ;; *) tap_ok "$1" ;; esac
}

# Calls of firewall-cmd's kind, straight to the fake.
fw() { # fw INTERFACE-SUFFIX METHOD ARG…
  f_path=$FW_PATH; [ "$1" = config.direct ] && f_path=$FW_PATH/config
  f_m=$FW_NAME.$1.$2; shift 2
  gdbus call --system --dest "$FW_NAME" --object-path "$f_path" --method "$f_m" "$@" > /dev/null
}
fw_rule() { # fw_rule addRule|removeRule "ipv4 nat OUTPUT 5 -j RETURN"
  f_method=$1
  # shellcheck disable=SC2086 # split into ipv, table, chain, priority, args
  set -- $2
  f_ipv=$1 f_table=$2 f_chain=$3 f_prio=$4; shift 4
  f_args=
  for f_a in "$@"; do f_args="$f_args${f_args:+, }'$f_a'"; done
  fw direct "$f_method" "$f_ipv" "$f_table" "$f_chain" "$f_prio" "[$f_args]"
}
# Foreign entries: a runtime chain and rule, and a permanent chain, rule and
# passthrough (3 write calls).
FOREIGN_RT="chain ipv4 filter FOREIGN_CHAIN
rule ipv4 filter FOREIGN_CHAIN 0 -s 192.0.2.1 -j ACCEPT"
FOREIGN_PERM="chain ipv4 filter FOREIGN_CHAIN
passthrough ipv4 -t filter -A INPUT -s 192.0.2.2 -j DROP
rule ipv4 filter FOREIGN_CHAIN 0 -s 192.0.2.1 -j ACCEPT"
seed_foreign_runtime() {
  fw direct addChain ipv4 filter FOREIGN_CHAIN
  fw_rule addRule "ipv4 filter FOREIGN_CHAIN 0 -s 192.0.2.1 -j ACCEPT"
}
seed_foreign() {
  seed_foreign_runtime
  fw config.direct update "([('ipv4', 'filter', 'FOREIGN_CHAIN')], \
[('ipv4', 'filter', 'FOREIGN_CHAIN', 0, ['-s', '192.0.2.1', '-j', 'ACCEPT'])], \
[('ipv4', ['-t', 'filter', '-A', 'INPUT', '-s', '192.0.2.2', '-j', 'DROP'])])"
}
# sorted lines of two lists, as the fake sorts them (strcmp)
union() { printf '%s\n%s\n' "$1" "$2" | grep -v '^$' | LC_ALL=C sort; }
