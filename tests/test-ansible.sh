#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible module in data/ansible driven by the real ansible-playbook against
# localhost, inside a sandbox namespace with a real firewalld: honest changed,
# check mode, diff mode.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces and firewalld"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_PROBE:=$top/build/tests/probe}"
. "$top/tests/lib/sandbox.sh"
trap 'sandbox_stop' EXIT INT TERM

sandbox_start
sandbox_peer_start
cat > "$SB_DIR/mtp.conf" <<EOT
[mesh-tproxy]
kuma-dp-user=65534
firewalld-config-dir=$SB_DIR/etc
EOT
sandbox_firewalld_start || { tap_not_ok "firewalld starts"; tap_done; exit 1; }

play() { # play STATE [ansible-playbook options…]: prints the run's output
  state=$1; shift
  cat > "$SB_DIR/play.yml" <<EOT
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: transparent-proxy rules
      mesh_tproxy:
        state: $state
        binary: $MESH_TPROXY
        config: $SB_DIR/mtp.conf
        options:
          redirect-dns: false
          exclude-inbound-ports: "22"
EOT
  ANSIBLE_LIBRARY="$top/data/ansible/library" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$SB_DIR/ansible" \
    ANSIBLE_HOME="$SB_DIR/ansible" ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    sb ansible-playbook -i localhost, "$SB_DIR/play.yml" "$@" 2>&1
}
recap() { sed -n 's/.*ok=\([0-9]*\) *changed=\([0-9]*\).*failed=\([0-9]*\).*/ok=\1 changed=\2 failed=\3/p'; }
ours() { sb firewall-cmd --direct --get-all-rules | grep -c 'kuma/mesh' || true; }

out=$(play present --check --diff)
check "check mode before install: reports a change" "ok=1 changed=1 failed=0" "$(printf '%s\n' "$out" | recap)"
check "check mode changed nothing" 0 "$(ours)"
printf '%s\n' "$out" | grep -q '^+.*kuma/mesh/transparent/proxy/inbound/exclude-port' &&
  tap_ok "diff mode shows the rules to be added" || tap_not_ok "no diff of rules" "$out"

out=$(play present)
check "first run: changed" "ok=1 changed=1 failed=0" "$(printf '%s\n' "$out" | recap)"
n=$(ours)
[ "$n" -gt 0 ] && tap_ok "the rules are live ($n rules)" || tap_not_ok "no rules live" "$out"
check "the proxy now gets an app's connection" "10.99.0.2 80" "$(landing "$SB_NS" 15001 4 "$SB_NS" 0 10.99.0.2 80)"

out=$(play present)
check "second run: no change" "ok=1 changed=0 failed=0" "$(printf '%s\n' "$out" | recap)"
out=$(play present --check)
check "check mode when in sync: no change" "ok=1 changed=0 failed=0" "$(printf '%s\n' "$out" | recap)"

out=$(play absent --check --diff)
check "check mode of state=absent: reports a change" "ok=1 changed=1 failed=0" "$(printf '%s\n' "$out" | recap)"
check "and removed nothing" "$n" "$(ours)"
printf '%s\n' "$out" | grep -q '^-.*kuma/mesh/transparent/proxy' &&
  tap_ok "diff mode shows the rules to be removed" || tap_not_ok "no diff of removals" "$out"
out=$(play absent)
check "state=absent: changed" "ok=1 changed=1 failed=0" "$(printf '%s\n' "$out" | recap)"
check "no rule of ours is left" 0 "$(ours)"
out=$(play absent)
check "state=absent again: no change" "ok=1 changed=0 failed=0" "$(printf '%s\n' "$out" | recap)"

# A failure is a failed task with mesh-tproxy's message, not a crash.
sandbox_firewalld_stop
printf '<direct><bad/></direct>\n' > "$SB_DIR/etc/direct.xml"
ANSIBLE_LIBRARY="$top/data/ansible/library" ANSIBLE_NOCOLOR=1 ANSIBLE_HOME="$SB_DIR/ansible" \
  sb ansible-playbook -i localhost, "$SB_DIR/play.yml" > "$SB_DIR/out" 2>&1
grep -q "failed=1" "$SB_DIR/out" && grep -q "direct.xml" "$SB_DIR/out" &&
  tap_ok "a bad direct.xml fails the task with mesh-tproxy's message" || tap_not_ok "failure not reported" "$(cat "$SB_DIR/out")"

tap_done
