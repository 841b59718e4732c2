#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mesh-tproxy against a fake firewalld (tests/fake-firewalld.c) for what a real
# firewalld cannot be made to do: refuse (polkit, lockdown), fail a call half-way
# through a run or the permanent update (rollback), sit in INIT or FAILED, lose a
# race (ALREADY_ENABLED), or be another version with other settings
# (StrictForwardPorts, the 2.x flush, the IPv6 decision). The fake runs on the
# sandbox's private bus; mesh-tproxy runs in the sandbox's network namespace, so
# the iptables-save it runs reads that namespace's tables.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_FAKE_FIREWALLD:=$top/build/tests/fake-firewalld}"
. "$top/tests/lib/sandbox.sh"
. "$top/tests/lib/fake.sh"
trap 'fake_stop; sandbox_stop' EXIT
trap 'exit 1' INT TERM
set -f # rule arguments are split on spaces below, never globbed

sandbox_start
sandbox_peer_start # an IPv6 address on a non-loopback interface: IPv6 is usable
cat > "$SB_DIR/mtp.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
EOT
FOREIGN_IPT='*filter
:FOREIGN - [0:0]
-A INPUT -s 192.0.2.9/32 -j DROP
COMMIT
'
foreign_iptables_add() { printf '%s' "$FOREIGN_IPT" | sb iptables-restore --noflush; }
foreign_iptables_del() { sb iptables -D INPUT -s 192.0.2.9/32 -j DROP; sb iptables -X FOREIGN; }

[ -x "$MTP_FAKE_FIREWALLD" ] || { tap_not_ok "fake-firewalld is built ($MTP_FAKE_FIREWALLD)"; tap_done; exit 1; }

# The reference: a clean install on the default fake (1.3.3: IPv4 only).
fake_start || { tap_done; exit 1; }
run install --store-firewalld
check "reference: install --store-firewalld on a fake firewalld 1.3.3 exits 0" 0 "$RC"
REF=$(runtime)
N_ALL=$(writes)    # every runtime call, then one update
N_RT=$((N_ALL - 1))
check "reference: the permanent configuration equals the runtime one" "$REF" "$(permanent)"
check "reference: one write call per chain and rule, plus one update" \
  "$(printf '%s\n' "$REF" | grep -c .)" "$N_RT"
lacks "reference: IPv4 only" "$REF" "ipv6"
run install --store-firewalld
check "reference: a second install exits 0 and makes no write call" "0 $N_ALL" "$RC $(writes)"
fake_stop
tap_ok "a clean install makes $N_ALL write calls ($N_RT runtime, 1 update)"

# a. polkit refuses every write; reads still work
fake_start --not-authorized
run install --store-firewalld
check "a. not authorized: install exits 4" 4 "$RC"
has "a. the message says firewalld refused, and names polkit" "$ERR" "firewalld refused" "polkit" \
  "Not Authorized(polkit): org.fedoraproject.FirewallD1.direct"
check "a. nothing changed" "" "$(entries)"
tap_ok "a. $(writes) write calls were refused"
run status --store-firewalld
check "a. status still works (reads are allowed): not installed, exit 5" 5 "$RC"
fake_stop

# b. lockdown
fake_start --lockdown
run install --store-firewalld
check "b. lockdown: install exits 4" 4 "$RC"
has "b. the message names lockdown" "$ERR" "ACCESS_DENIED: lockdown is enabled" "lockdown mode"
check "b. nothing changed" "" "$(entries)"
fake_stop

# c. StrictForwardPorts=yes rejects every redirected connection
fake_start --strict-forward-ports
run install
check "c. StrictForwardPorts=yes: install exits 1" 1 "$RC"
has "c. the message names StrictForwardPorts and the way out" "$ERR" "StrictForwardPorts" \
  "--allow-strict-forward-ports"
check "c. no write call" 0 "$(writes)"
run install --allow-strict-forward-ports
check "c. with --allow-strict-forward-ports: exit 0" 0 "$RC"
has "c. ... and a warning" "$ERR" "warning: firewalld has StrictForwardPorts=yes"
check "c. ... and the rules are installed" "$REF" "$(runtime)"
fake_stop

# d. firewalld 2.x flushes every iptables table on its first direct call
foreign_iptables_add
fake_start --version 2.1.0
run install
check "d. 2.1.0, no direct config, foreign iptables rules: install exits 1" 1 "$RC"
has "d. the message explains the flush and the way out" "$ERR" "flush" "--allow-firewalld-flush" \
  "ipv4 filter INPUT"
check "d. no write call" 0 "$(writes)"
run install --allow-firewalld-flush
check "d. with --allow-firewalld-flush: exit 0" 0 "$RC"
has "d. ... with a warning" "$ERR" "warning: firewalld 2.1.0 will flush every iptables table"
check "d. ... and the rules are installed" "$REF" "$(runtime)"
fake_stop
fake_start --version 2.1.0
fw direct addChain ipv4 filter FOREIGN_CHAIN
run install
check "d. 2.1.0 that already has a direct chain (it flushes anyway): exit 0" 0 "$RC"
lacks "d. ... without a flush warning" "$ERR" "flush"
fake_stop
foreign_iptables_del
fake_start --version 2.1.0
run install
check "d. 2.1.0 and no foreign iptables rules: exit 0" 0 "$RC"
lacks "d. ... silently (no flush warning)" "$ERR" "flush"
check "d. ... and the rules are installed" "$REF" "$(runtime)"
fake_stop
foreign_iptables_add
fake_start --version 1.3.3
run install
check "d. 1.3.3 with foreign iptables rules (it flushes at every start anyway): exit 0" 0 "$RC"
lacks "d. ... without a flush warning" "$ERR" "flush"
fake_stop
foreign_iptables_del

# e. a call fails half-way: everything this run changed is undone
for k in 1 3 9 $N_RT $N_ALL; do
  for seeded in no yes; do
    offset=0; [ $seeded = yes ] && offset=3
    what="e. call $k of $N_ALL fails$([ $seeded = yes ] && echo ', foreign entries')"
    fake_start --fail-call $((k + offset))
    [ $seeded = yes ] && seed_foreign
    before=$(entries)
    run install --store-firewalld
    check "$what: install exits 1" 1 "$RC"
    failed=$(call_line $((k + offset)))
    # shellcheck disable=SC2086 # split the call into its words
    case $failed in
      addChain*) set -- $failed; name="adding chain $2 $3 $4" ;;
      addRule*)
        set -- $failed
        name="adding rule '$2 $3 $4 $5 $6 $7 $8 $9"
        ;;
      update*) name="writing firewalld's permanent rules" ;;
      *) name="(call $k: $failed)" ;;
    esac
    has "$what: the message names it ($name…), COMMAND_FAILED and the undo" "$ERR" "$name" \
      "COMMAND_FAILED" "undone"
    check "$what: both configurations are as before" "$before" "$(entries)"
    if [ "$k" -le "$N_RT" ]; then
      n_undone=$(printf '%s\n' "$ERR" | sed -n 's/.*the \([0-9]*\) changes this run had made were undone.*/\1/p')
      check "$what: the undo count in the message is what the fake saw" \
        "$(grep -c '^call remove.* -> ok ' "$SB_DIR/fake.log")" "${n_undone:-none}"
    fi
    fake_stop
  done
done
fake_start
seed_foreign
run install --store-firewalld
check "e. a clean install over foreign entries exits 0" 0 "$RC"
check "e. ... the runtime holds the foreign entries and ours" "$(union "$FOREIGN_RT" "$REF")" "$(runtime)"
check "e. ... the permanent config holds the foreign entries and ours" \
  "$(union "$FOREIGN_PERM" "$REF")" "$(permanent)"
fake_stop

# f. the permanent update fails: the runtime changes are undone
fake_start --fail-update
seed_foreign_runtime # (an update would fail)
before=$(entries)
w0=$(writes)
run install --store-firewalld
check "f. the permanent update fails: install exits 1" 1 "$RC"
has "f. the message says so, and that the runtime changes were undone" "$ERR" \
  "writing firewalld's permanent rules" "COMMAND_FAILED" "runtime changes" "undone"
check "f. both configurations are as before" "$before" "$(entries)"
check "f. write calls: $N_RT runtime, 1 update, $N_RT to undo" $((2 * N_RT + 1)) $(($(writes) - w0))
fake_stop

# g. firewalld not RUNNING
fake_start --state FAILED
t0=$(date +%s)
run install
t_base=$(($(date +%s) - t0)) # a run that does not wait (long under valgrind)
check "g. state FAILED: install exits 1" 1 "$RC"
has "g. the message names FAILED" "$ERR" "state FAILED"
check "g. no write call" 0 "$(writes)"
fake_stop
fake_start --state INIT
t0=$(date +%s)
run install --timeout 4
t=$(($(date +%s) - t0))
check "g. state INIT throughout: install exits 1" 1 "$RC"
has "g. the message names INIT and --timeout" "$ERR" "stayed in state INIT for 4 seconds (--timeout"
# At least the 4 s (less 1 for the clock's whole seconds), and not much more
# than 4 s on top of what a run that does not wait takes on this machine.
if [ "$t" -ge 3 ] && [ "$t" -le $((t_base + 8)) ]; then
  tap_ok "g. it waited for RUNNING first, --timeout 4 (${t} s; ${t_base} s without waiting)"
else tap_not_ok "g. it waited for RUNNING about 4 s (--timeout 4)" "waited $t s; ${t_base} s without waiting"; fi
check "g. no write call" 0 "$(writes)"
fake_stop

# h. others' changes: repair, and the ALREADY_ENABLED race
fake_start
run install --store-firewalld
output_rule=$(printf '%s\n' "$REF" | grep '^rule ipv4 nat OUTPUT ')
fw_rule removeRule "${output_rule#rule }"
w0=$(writes)
run install --store-firewalld
check "h. one of our rules removed behind our back: install exits 0" 0 "$RC"
check "h. ... with no error (warnings only)" "" "$(errors)"
check "h. ... the runtime is complete again" "$REF" "$(runtime)"
check "h. ... with one write call" 1 $(($(writes) - w0))
fake_stop
# --hide-runtime: mesh-tproxy reads an empty runtime, as if another writer
# added our entries between its read and its writes.
fake_start --hide-runtime
fw direct addChain ipv4 nat KUMA_MESH_OUTBOUND
fw_rule addRule "${output_rule#rule }"
run install --store-firewalld
check "h. our chain and rule added by someone else meanwhile: install exits 0" 0 "$RC"
check "h. ... with no error (warnings only)" "" "$(errors)"
check "h. ... firewalld answered ALREADY_ENABLED twice" 2 "$(grep -c -- '-> ALREADY_ENABLED' "$SB_DIR/fake.log")"
check "h. ... the runtime is complete" "$REF" "$(runtime)"
fake_stop
fake_start --hide-runtime --fail-call 9
fw direct addChain ipv4 nat KUMA_MESH_OUTBOUND
fw_rule addRule "${output_rule#rule }"
before=$(entries)
run install
check "h. the same, and then a call fails: install exits 1" 1 "$RC"
check "h. ... the rollback leaves what others added (it did not add it)" "$before" "$(entries)"
fake_stop

# i. IPv6 rules only where firewalld lets redirected IPv6 connections through
ipv6_case() { # ipv6_case EXPECTED(yes|no) FAKE-OPTION…
  i_want=$1; shift
  fake_start "$@"
  run install
  i_n6=$(runtime | grep -c ' ipv6 ')
  if [ "$i_want" = yes ]; then
    check "i. $*: exit 0, IPv6 rules installed, no RFC3964 warning" "0 yes" \
      "$RC $([ "$i_n6" -gt 0 ] && echo yes || echo no)$(printf '%s' "$ERR" | grep -q RFC3964 && echo ' (warned)')"
    check "i. $*: IPv4 and IPv6 alike" "$(printf '%s\n' "$REF" | grep -c .)" "$i_n6"
  else
    check "i. $*: exit 0, no IPv6 rule" "0 0" "$RC $i_n6"
    has "i. $*: the RFC3964_IPv4 warning" "$ERR" "IPv6 rules are not installed" "RFC3964_IPv4"
  fi
  fake_stop
}
ipv6_case yes --version 2.3.0 --backend nftables
ipv6_case no --version 1.3.3
ipv6_case no --version 2.2.1
ipv6_case yes --version 2.3.0 --rfc3964 no
ipv6_case yes --version 1.3.3 --rfc3964 no
ipv6_case no --version 2.5.0 --backend iptables


# j. an undo call fails too: the message says which, as part of the error
fake_start --fail-call 9 --fail-call $((N_RT + 1))
run install --store-firewalld
check "j. call 9 and the first undo call fail: install exits 1" 1 "$RC"
has "j. ... the message names what could not be undone" "$ERR" "could not be undone" \
  "removing rule '" "removing chain ipv4 nat"
check "j. ... no other output (no GLib warning)" "" "$(printf '%s\n' "$ERR" | grep -v '^mesh-tproxy: ')"
check "j. ... exactly what could not be undone stays: a rule and the chain it is in" 2 "$(runtime | grep -c .)"
fake_stop

# k. firewalld's settings cannot be read: assume its defaults, and that it may flush
foreign_iptables_add
fake_start --version 2.1.0 --hide-config
run install
check "k. settings unreadable, 2.1.0, foreign iptables rules: install exits 1" 1 "$RC"
has "k. ... the message explains the flush" "$ERR" "--allow-firewalld-flush"
check "k. ... no write call" 0 "$(writes)"
run install --allow-firewalld-flush
check "k. ... with --allow-firewalld-flush: exit 0, no IPv6 rule (RFC3964_IPv4 counts as yes)" \
  "0 0" "$RC $(runtime | grep -c ' ipv6 ')"
fake_stop
foreign_iptables_del

# l. untracked leftovers of ours, and a passthrough fails while they are cleared
# 2 seeding calls; the tracked rule (commented) is not in the kernel, whose
# rules carry no comment: 1 passthrough puts it back so that firewalld can
# remove it; 1 removal of the tracked rule; then the first passthrough that
# deletes a leftover fails
fake_start --fail-call 5
fw direct addChain ipv4 nat KUMA_MESH_OUTBOUND
fw_rule addRule "${output_rule#rule }"
sb "$MESH_TPROXY" show --config "$SB_DIR/mtp.conf" --family ipv4 --disable-comments | sb iptables-restore --noflush
before=$(entries)
run install
check "l. a passthrough fails while clearing untracked leftovers: install exits 1" 1 "$RC"
has "l. ... the message names the command" "$ERR" "through firewalld" "COMMAND_FAILED"
has "l. ... the tracked rule the kernel lacked was put back first" "$(call_line 3)" \
  "passthrough ipv4 -t nat -A OUTPUT -m comment --comment kuma/mesh/transparent/proxy/output/outbound -p tcp -j KUMA_MESH_OUTBOUND"
check "l. ... firewalld's own entries of ours are put back" "$before" "$(entries)"
fake_stop
sb iptables -t nat -F; sb iptables -t nat -X

# m. iptables-save output read as iptables-restore reads it, and what cannot
# be understood stops the run: real rules in the namespace's tables on
# interfaces with odd names (the kernel takes them), a fake firewalld 2.1.0
# for the flush guard (no real 2.x here)
sb ip link add "a'b" type veth peer name mtpodd0
sb ip link add 'a"b' type veth peer name mtpodd1
sb iptables -A INPUT -i "a'b" -j ACCEPT
fake_start --version 2.1.0
run install
check "m. 2.1.0, a foreign rule on interface a'b: install exits 1" 1 "$RC"
has "m. ... the flush guard counted it" "$ERR" "--allow-firewalld-flush" "1 rules and chains of other programs (ipv4 filter INPUT)"
check "m. ... no write call" 0 "$(writes)"
fake_stop
sb iptables -D INPUT -i "a'b" -j ACCEPT
sb iptables -A INPUT -i 'a"b' -j ACCEPT
odd_line=$(sb iptables-save | grep -n -- '-i a"b' | cut -d: -f1)
fake_start --version 2.1.0
run install
check "m. 2.1.0, a foreign rule on interface a\"b (not understood): install exits 1" 1 "$RC"
has "m. ... the message names the line and why" "$ERR" "whether the tables hold rules of other programs cannot be told" \
  "line $odd_line of iptables-save's output cannot be understood (a quote inside a word): '-A INPUT -i a\\\"b -j ACCEPT'" \
  "--allow-firewalld-flush"
check "m. ... no write call" 0 "$(writes)"
run install --allow-firewalld-flush
has "m. ... with --allow-firewalld-flush: a warning that they could not be seen" "$ERR" "warning: firewalld 2.1.0 will flush every iptables table from now on, and whether they hold rules of other programs could not be seen"
check "m. ... but untracked rules of ours cannot be looked for either: exit 1, no write call" "1 0" "$RC $(writes)"
fake_stop
fake_start
run status
check "m. status with a line it cannot understand: exit 8" 8 "$RC"
check "m. ... status: unknown" "status: unknown (could not compare)" "$(tail -n 1 "$SB_DIR/out")"
has "m. ... and why" "$ERR" "warning: the kernel's tables could not be compared with firewalld's view: line $odd_line of iptables-save's output cannot be understood"
run status --json
check "m. ... --json: status unknown, exit 8" '8 "unknown"' "$RC $(python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["status"]))' < "$SB_DIR/out")"
run install
check "m. install (1.3.3, no flush guard) cannot look for untracked rules of ours: exit 1" 1 "$RC"
has "m. ... and says why" "$ERR" "cannot be compared with firewalld's view" "line $odd_line of iptables-save's output"
check "m. ... no write call" 0 "$(writes)"
fw direct addChain ipv4 nat KUMA_MESH_OUTBOUND
w0=$(writes)
run uninstall
check "m. uninstall cannot look for untracked rules of ours either: exit 1" 1 "$RC"
check "m. ... no write call, firewalld's chain of ours still there" "$w0 runtime chain ipv4 nat KUMA_MESH_OUTBOUND" "$(writes) $(entries)"
fake_stop
sb iptables -D INPUT -i 'a"b' -j ACCEPT
sb ip6tables -A INPUT -i 'a"b' -j ACCEPT
fake_start
run status
check "m. the same in ip6tables: status exit 8" 8 "$RC"
has "m. ... the message names ip6tables-save" "$ERR" "of ip6tables-save's output cannot be understood (a quote inside a word)"
fake_stop
sb ip6tables -D INPUT -i 'a"b' -j ACCEPT
fake_start
run status
check "m. the line gone: status can compare again (not installed, exit 5)" 5 "$RC"
fake_stop

tap_done
