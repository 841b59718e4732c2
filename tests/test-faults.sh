#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# firewalld failing under a run: each fault must leave the host as it was or
# correctly installed, never in between, with a message that says what
# happened.
#
# Part 1, a fake firewalld (tests/fake-firewalld.c) for what must happen at an
# exact call: killed at the k-th write call (and not coming back, or coming
# back as a restart would, with its permanent configuration), reloaded just
# before the k-th call, a call never answered. (COMMAND_FAILED at the k-th call
# and the states INIT and FAILED are in test-firewalld-fake.sh.)
# Part 2, a real firewalld in the sandbox: reloaded at several moments of an
# install, killed with SIGKILL during one and started again, killed and left
# dead.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
command -v firewalld > /dev/null || tap_skip "needs firewalld"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_FAKE_FIREWALLD:=$top/build/tests/fake-firewalld}"
. "$top/tests/lib/sandbox.sh"
. "$top/tests/lib/fake.sh"
trap 'fake_stop; sandbox_stop' EXIT
trap 'exit 1' INT TERM
set -f # rule arguments are split on spaces, never globbed

sandbox_start
cat > "$SB_DIR/mtp.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
EOT
PERSIST=$SB_DIR/fake.persist
XML=$SB_DIR/etc/direct.xml
faults=0
fault() { faults=$((faults + 1)); }

# mesh-tproxy in the background; bg_wait sets RC and ERR like run
bg_run() {
  c=$1; shift
  sb "$MESH_TPROXY" "$c" --config "$SB_DIR/mtp.conf" "$@" > "$SB_DIR/out" 2> "$SB_DIR/err" &
  BG_PID=$!
}
bg_wait() { wait "$BG_PID"; RC=$?; ERR=$(cat "$SB_DIR/err"); }
# the fake exits at a --exit-at call: wait for it, as the shell's child
fake_wait_gone() { wait "$FAKE_PID" 2> /dev/null; FAKE_PID=; }

# The reference: a clean install on the fake (firewalld 1.3.3: IPv4 only).
fake_start || { tap_done; exit 1; }
run install --store-firewalld
REF=$(runtime)
N_ALL=$(writes)
N_RT=$((N_ALL - 1))
HALF=$((N_RT / 2))
fake_stop
check "reference: install exits 0 with $N_RT runtime calls and 1 update" 0 "$RC"
WANT_RT=$(union "$FOREIGN_RT" "$REF")
WANT_PERM=$(union "$FOREIGN_PERM" "$REF")

# 1. killed at the k-th write call, and not back within --timeout. seed_foreign
# makes 3 write calls first.
# What install --store-firewalld writes while firewalld is not running.
sb "$MESH_TPROXY" install --config "$SB_DIR/mtp.conf" --store-firewalld \
  --firewalld-config-dir "$SB_DIR" > /dev/null 2>&1
check "reference: install --store-firewalld without firewalld exits 0" 0 $?
REF_XML=$SB_DIR/direct.xml
for k in 1 $HALF $N_ALL; do
  what="1. killed at call $k of $N_ALL, not back"
  if [ "$k" -le "$N_RT" ]; then # (a runtime-only install makes no update call)
    fault
    fake_start --exit-at $((k + 3)) && seed_foreign
    t0=$(date +%s)
    run install --timeout 2
    t=$(($(date +%s) - t0))
    fake_wait_gone
    check "$what: a runtime-only install exits 1" 1 "$RC"
    has "$what: ... and says firewalld went and took the runtime with it" "$ERR" \
      "firewalld stopped during the run and did not come back within 2 s" \
      "runtime configuration went with it"
    [ "$t" -le 6 ] && tap_ok "$what: it gave up after --timeout 2 ($t s)" ||
      tap_not_ok "$what: it gave up after --timeout 2" "took $t s"
  fi

  fault
  rm -f "$XML"
  fake_start --exit-at $((k + 3)) && seed_foreign
  run install --store-firewalld --timeout 2
  fake_wait_gone
  check "$what: install --store-firewalld exits 0" 0 "$RC"
  has "$what: ... and says it wrote the permanent configuration directly" "$ERR" \
    "firewalld stopped during the run" "permanent configuration is written directly"
  check_cmd "$what: direct.xml is what an install while firewalld is stopped writes" \
    cmp "$REF_XML" "$XML"
done
rm -f "$XML"

# 2. killed at the k-th call and started again (a restart): the run starts
# again from a fresh read and ends installed, foreign entries kept.
for k in 1 $HALF $N_RT $N_ALL; do
  fault
  what="2. restarted at call $k of $N_ALL"
  rm -f "$PERSIST"
  fake_start --persist "$PERSIST" --exit-at $((k + 3)) && seed_foreign
  bg_run install --store-firewalld --timeout 10
  fake_wait_gone
  sleep 0.3
  fake_start --persist "$PERSIST"
  bg_wait
  check "$what: install exits 0" 0 "$RC"
  has "$what: ... and says it started again" "$ERR" "reloaded or restarted during the run"
  check "$what: the runtime holds the foreign entries and ours" "$(union "$FOREIGN_PERM" "$REF")" \
    "$(runtime)"
  check "$what: so does the permanent configuration" "$WANT_PERM" "$(permanent)"
  w=$(writes)
  run install --store-firewalld
  check "$what: a second install exits 0 and makes no write call" "0 $w" "$RC $(writes)"
  fake_stop
done

# 3. reloaded just before the k-th call: runtime changes made before it are
# gone; the run notices and puts them back.
for k in 1 2 $HALF $N_RT $N_ALL; do
  fault
  what="3. reload before call $k of $N_ALL"
  fake_start --reload-at $((k + 3)) && seed_foreign
  run install --store-firewalld
  check "$what: install exits 0" 0 "$RC"
  has "$what: ... and says it started again" "$ERR" "reloaded or restarted during the run"
  check "$what: runtime: the foreign entries (reloaded) and ours" "$WANT_PERM" "$(runtime)"
  check "$what: permanent: the foreign entries and ours" "$WANT_PERM" "$(permanent)"
  fake_stop
done
fault
fake_start --reload-at $((HALF + 3)) && seed_foreign
run install
check "3. runtime-only install, reload half-way: exits 0" 0 "$RC"
check "3. ... the runtime has every rule of ours" "$(union "$FOREIGN_PERM" "$REF")" "$(runtime)"
check "3. ... the permanent configuration is untouched" "$FOREIGN_PERM" "$(permanent)"
fake_stop
fault
rm -f "$PERSIST"
fake_start --persist "$PERSIST" && seed_foreign
run install --store-firewalld
fake_stop
fake_start --persist "$PERSIST" --reload-at $((HALF + 1))
run uninstall
check "3. uninstall, reload half-way: exits 0" 0 "$RC"
check "3. ... only the foreign entries are left, runtime and permanent" \
  "$(printf '%s\n' "$FOREIGN_PERM" | sed 's/^/permanent /'; printf '%s\n' "$FOREIGN_PERM" | sed 's/^/runtime /')" \
  "$(entries | LC_ALL=C sort)"
fake_stop
rm -f "$PERSIST"

# 3b. reloaded after answering the reads the run sent ahead, before the run
# used them: the reload put back the permanent configuration, which lacks our
# rules. The run must see that and read again, not plan from what it was told.
# (With DNS redirected, the run waits for iptables-save after sending the
# reads; iptables-save made slow here, the fake has answered them and
# reloaded by the time the run looks.)
fault
what="3b. reload after the reads sent ahead were answered"
printf 'nameserver 192.0.2.53\n' > "$SB_DIR/resolv.conf"
DNS="--redirect-dns --resolv-conf $SB_DIR/resolv.conf"
mkdir -p "$SB_DIR/slow"
for p in iptables-save ip6tables-save; do
  printf '#!/bin/sh\nsleep 0.3\nexec %s "$@"\n' "$(command -v $p)" > "$SB_DIR/slow/$p"
  chmod +x "$SB_DIR/slow/$p"
done
fake_start
run install --store-firewalld $DNS
REF_DNS=$(runtime)
fake_stop
fake_start --reload-after-settings && seed_foreign
run install $DNS
check "$what: (set-up) a runtime-only install exits 0" 0 "$RC"
SAVED_PATH=$PATH
PATH=$SB_DIR/slow:$PATH
run install --store-firewalld $DNS
PATH=$SAVED_PATH
check "$what: install --store-firewalld exits 0" 0 "$RC"
check "$what: runtime: the foreign entries (reloaded) and ours" \
  "$(union "$FOREIGN_PERM" "$REF_DNS")" "$(runtime)"
check "$what: permanent: the foreign entries and ours" \
  "$(union "$FOREIGN_PERM" "$REF_DNS")" "$(permanent)"
fake_stop

# 4. a call that is never answered: --timeout, then everything is undone (the
# undo of the unanswered call too, in case firewalld carries it out late).
for k in 2 $N_RT $N_ALL; do
  fault
  what="4. call $k of $N_ALL never answered"
  fake_start --hang-call $((k + 3)) && seed_foreign
  before=$(entries)
  t0=$(date +%s)
  run install --store-firewalld --timeout 1
  t=$(($(date +%s) - t0))
  check "$what: install exits 1" 1 "$RC"
  has "$what: the message says firewalld did not answer, and the undo" "$ERR" \
    "did not answer in time (--timeout" "undone"
  check "$what: both configurations are as before" "$before" "$(entries)"
  [ "$t" -le 5 ] && tap_ok "$what: it took $t s with --timeout 1" ||
    tap_not_ok "$what: it took about --timeout 1" "took $t s"
  fake_stop
done

# Part 2: a real firewalld. Enough excluded ports that an install takes a
# while: there is time to reload or kill it during one.
cat > "$SB_DIR/big.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
exclude-outbound-ports=$(seq -s, 20001 20150)
EOT
real() { # real COMMAND [OPTION…]: like run, with the big configuration
  c=$1; shift
  sb "$MESH_TPROXY" "$c" --config "$SB_DIR/big.conf" "$@" > "$SB_DIR/out" 2> "$SB_DIR/err"; RC=$?
  ERR=$(cat "$SB_DIR/err")
}
real_bg() {
  c=$1; shift
  sb "$MESH_TPROXY" "$c" --config "$SB_DIR/big.conf" "$@" > "$SB_DIR/out" 2> "$SB_DIR/err" &
  BG_PID=$!
}
# firewalld's runtime and permanent direct configuration, and our kernel rules
real_state() {
  firewall-cmd --direct --get-all-chains; firewall-cmd --direct --get-all-rules
  firewall-cmd --permanent --direct --get-all-chains; firewall-cmd --permanent --direct --get-all-rules
  firewall-cmd --permanent --direct --get-all-passthroughs
}
ms() { date +%s%3N; }

sandbox_firewalld_start || { tap_not_ok "firewalld starts in the sandbox"; tap_done; exit 1; }
firewall-cmd --permanent --direct --add-rule ipv4 filter INPUT 0 -s 192.0.2.7 -j ACCEPT > /dev/null
firewall-cmd --reload > /dev/null
clean=$(real_state)
t0=$(ms)
real install --store-firewalld
T=$(($(ms) - t0))
check "real: install of 150 excluded ports exits 0 (${T} ms)" 0 "$RC"
installed=$(real_state)
real uninstall
check "real: uninstall exits 0, back to the foreign rule alone" "0 $clean" "$RC $(real_state)"

# 5. reloads at several moments of an install
seen=0
for pct in 10 30 50 70 90; do
  fault
  what="5. real firewalld reloaded at ${pct}% of an install"
  real_bg install --store-firewalld
  sleep "$(awk "BEGIN { print $T * $pct / 100000 }")"
  # (firewall-cmd --reload, without its Python start-up time)
  gdbus call --system --dest "$FW_NAME" --object-path "$FW_PATH" --method "$FW_NAME.reload" > /dev/null
  bg_wait
  check "$what: install exits 0" 0 "$RC"
  case $ERR in *"reloaded or restarted during the run"*) seen=$((seen + 1)) ;; esac
  check "$what: runtime and permanent are exactly installed" "$installed" "$(real_state)"
  real status --store-firewalld
  check "$what: status: in sync, kernel tables included (exit 0)" 0 "$RC"
  real uninstall > /dev/null
done
[ "$seen" -ge 1 ] && tap_ok "5. $seen of 5 runs saw the reload land during them" ||
  tap_not_ok "5. at least one reload landed during a run" "none of 5 did"

# 6. SIGKILL during an install, firewalld started again at once
fault
real_bg install --store-firewalld --timeout 20
sleep "$(awk "BEGIN { print $T / 2000 }")"
kill -9 "$SB_FW_PID"; wait "$SB_FW_PID" 2> /dev/null; SB_FW_PID=
sandbox_firewalld_start
bg_wait
check "6. firewalld killed half-way and restarted: install exits 0" 0 "$RC"
has "6. ... and says it started again" "$ERR" "reloaded or restarted during the run"
check "6. ... runtime and permanent are exactly installed" "$installed" "$(real_state)"
real status --store-firewalld
check "6. ... status: in sync, kernel tables included (exit 0)" 0 "$RC"
real uninstall > /dev/null

# 7. SIGKILL during an install, firewalld left dead: direct.xml is written
# directly, and firewalld loads it when it starts.
fault
real_bg install --store-firewalld --timeout 2
sleep "$(awk "BEGIN { print $T / 2000 }")"
kill -9 "$SB_FW_PID"; wait "$SB_FW_PID" 2> /dev/null; SB_FW_PID=
bg_wait
check "7. firewalld killed half-way, not back: install exits 0" 0 "$RC"
has "7. ... and says it wrote direct.xml directly" "$ERR" "permanent configuration is written directly"
sandbox_firewalld_start
check "7. ... firewalld, started, holds exactly the installed configuration" "$installed" "$(real_state)"
real install --store-firewalld
real status --store-firewalld
check "7. ... status after the next install (as the boot unit runs): in sync (exit 0)" 0 "$RC"
sandbox_firewalld_stop

tap_ok "$faults faults injected"
tap_done
