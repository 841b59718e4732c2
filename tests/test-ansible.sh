#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible module in data/ansible driven by the real ansible-playbook against
# localhost, inside a sandbox namespace with a real firewalld: honest changed,
# check mode, diff mode; lists passed whole (real connections to both excluded
# ports), values it cannot pass faithfully failing their task, the options
# state=absent passes; its option tables against the program's --help.
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

# The module's idea of mesh-tproxy's options is the program's: list options
# (comma-separated), repeatable ones, and what uninstall takes.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
help_opts() { # help_opts COMMAND PATTERN: the long options whose --help line matches
  "$MESH_TPROXY" "$1" --help | grep -E -- "$2" | sed -n 's/^ *--\([a-z0-9-]*\).*/\1/p' | sort | tr '\n' ' '
}
module_set() {
  "$PYTHON" -c '
import importlib.util, sys
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(" ".join(sorted(getattr(m, sys.argv[2]))) + " ")' "$top/data/ansible/library/mesh_tproxy.py" "$1"
}
check "the module's list options are the program's comma-separated ones" \
  "$(help_opts install 'comma-separated')" "$(module_set LIST_OPTIONS)"
check "the module's repeatable options are the program's" \
  "$(help_opts install '\(repeatable\)')" "$(module_set REPEATABLE_OPTIONS)"
check "the module passes to uninstall the options it takes" \
  "$(help_opts uninstall '^ *--' | tr ' ' '\n' | grep -vxE 'config|store-firewalld|check|json|dry-run|help|' | tr '\n' ' ')" \
  "$(module_set UNINSTALL_OPTIONS)"

# Lists arrive whole: a YAML list of ports is one comma-separated value (the
# program keeps only the last of a list option given twice), a list for a
# repeatable option one flag per element. The rules live are exactly those of
# the same options on the command line, and an app's connections to both
# excluded ports go straight to the peer.
cat > "$SB_DIR/lists.yml" <<EOT
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: transparent-proxy rules from lists
      mesh_tproxy:
        binary: $MESH_TPROXY
        config: $SB_DIR/mtp.conf
        options:
          ip-family-mode: ipv4
          exclude-outbound-ports: [22, 80]
          exclude-inbound-ports: ["2222", 8080]
          exclude-outbound-ips: [10.0.0.2, 10.0.0.3/32]
          vnet: ["docker0:172.17.0.0/16", "br+:172.18.0.0/16"]
          exclude-outbound-ports-for-uids: ["tcp:25:1000", 1001]
EOT
ansible() { # ansible PLAYBOOK [options…]
  ANSIBLE_LIBRARY="$top/data/ansible/library" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$SB_DIR/ansible" \
    ANSIBLE_HOME="$SB_DIR/ansible" ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    sb ansible-playbook -i localhost, "$@" 2>&1
}
runtime() { sb firewall-cmd --direct --get-all-rules | sort; }
out=$(ansible "$SB_DIR/lists.yml")
check "lists: the task runs and changes" "ok=1 changed=1 failed=0" "$(printf '%s\n' "$out" | recap)"
expected=$(sb "$MESH_TPROXY" show --config "$SB_DIR/mtp.conf" --format firewall-cmd --ip-family-mode ipv4 \
  --exclude-outbound-ports 22,80 --exclude-inbound-ports 2222,8080 \
  --exclude-outbound-ips 10.0.0.2,10.0.0.3/32 --vnet docker0:172.17.0.0/16 --vnet br+:172.18.0.0/16 \
  --exclude-outbound-ports-for-uids tcp:25:1000 --exclude-outbound-ports-for-uids 1001 |
  sed -n 's/^firewall-cmd --permanent --direct --add-rule //p' | sort)
check "lists: the live rules are exactly those of the options given whole" "$expected" "$(runtime)"
check "lists: an app's connection to excluded port 22 is not redirected" "10.99.0.2 22" \
  "$(landing "$SB_PEER" 22 4 "$SB_NS" 0 10.99.0.2 22)"
check "lists: nor to excluded port 80" "10.99.0.2 80" "$(landing "$SB_PEER" 80 4 "$SB_NS" 0 10.99.0.2 80)"
out=$(ansible "$SB_DIR/lists.yml")
check "lists: a second run changes nothing" "ok=1 changed=0 failed=0" "$(printf '%s\n' "$out" | recap)"

# A value the module cannot pass as given fails its task, says why, and
# changes nothing.
before=$(runtime)
{
  printf -- '- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n'
  n=0
  while IFS='|' read -r opt value; do
    n=$((n + 1))
    cat <<EOT
    - name: bad value $n
      ignore_errors: true
      mesh_tproxy:
        binary: $MESH_TPROXY
        config: $SB_DIR/mtp.conf
        options:
          ip-family-mode: ipv4
          $opt: $value
EOT
  done <<'EOT'
exclude-outbound-ports|["22,80"]
exclude-outbound-ports|[{a: 1}]
exclude-outbound-ports|null
exclude-outbound-ports|[[22]]
exclude-outbound-ports|[true]
exclude-outbound-ports|[""]
kuma-dp-user|[1, 2]
vnet|[]
vnet|[{docker0: x}]
check|true
store-firewalld|false
EOT
} > "$SB_DIR/bad.yml"
out=$(ansible "$SB_DIR/bad.yml")
check "bad values: every task failed (and was ignored)" "ok=11 changed=0 failed=0 ignored=11" \
  "$(printf '%s\n' "$out" | sed -n 's/.*ok=\([0-9]*\) *changed=\([0-9]*\).*failed=\([0-9]*\).*ignored=\([0-9]*\).*/ok=\1 changed=\2 failed=\3 ignored=\4/p')"
for msg in "options.exclude-outbound-ports[0]: '22,80' holds ','" \
  "options.exclude-outbound-ports[0]: a mapping cannot be passed" \
  "options.exclude-outbound-ports: null cannot be passed" \
  "options.exclude-outbound-ports[0]: a list cannot be passed" \
  "options.exclude-outbound-ports[0]: True (bool) is not a value of this list" \
  "options.exclude-outbound-ports[0]: an empty element" \
  "options.kuma-dp-user: takes one value, not a list" \
  "options.vnet: an empty list cannot be passed" \
  "options.vnet[0]: a mapping cannot be passed" \
  "options.check: set by this module" \
  "options.store-firewalld: set by this module"; do
  printf '%s\n' "$out" | grep -qF -- "$msg" && tap_ok "bad value fails with: $msg" ||
    tap_not_ok "bad value fails with: $msg" "$(printf '%s\n' "$out" | grep -E 'fatal|ok:|changed:' | head -n 30)"
done
check "bad values: the rules are as before" "$before" "$(runtime)"

# state=absent passes what uninstall takes (here --timeout), not the rule
# options (which are still checked).
cat > "$SB_DIR/absent.yml" <<EOT
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: no transparent-proxy rules
      mesh_tproxy:
        state: absent
        binary: $MESH_TPROXY
        config: $SB_DIR/mtp.conf
        options:
          timeout: 20
          exclude-outbound-ports: [22, 80]
EOT
out=$(ansible "$SB_DIR/absent.yml" -v)
check "state=absent with options: changed" "ok=1 changed=1 failed=0" "$(printf '%s\n' "$out" | recap)"
case $out in
  *'"--timeout=20"'*'"--check"'* | *'"--exclude-outbound-ports'*) tap_not_ok "uninstall got --timeout only" "$out" ;;
  *'"--timeout=20"'*) tap_ok "uninstall got --timeout=20, not the rule options" ;;
  *) tap_not_ok "uninstall got --timeout only" "$out" ;;
esac
check "no rule of ours is left" 0 "$(ours)"

# A failure is a failed task with mesh-tproxy's message, not a crash.
sandbox_firewalld_stop
printf '<direct><bad/></direct>\n' > "$SB_DIR/etc/direct.xml"
ANSIBLE_LIBRARY="$top/data/ansible/library" ANSIBLE_NOCOLOR=1 ANSIBLE_HOME="$SB_DIR/ansible" \
  sb ansible-playbook -i localhost, "$SB_DIR/play.yml" > "$SB_DIR/out" 2>&1
grep -q "failed=1" "$SB_DIR/out" && grep -q "direct.xml" "$SB_DIR/out" &&
  tap_ok "a bad direct.xml fails the task with mesh-tproxy's message" || tap_not_ok "failure not reported" "$(cat "$SB_DIR/out")"

tap_done
