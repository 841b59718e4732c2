#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input, nothing changed: a table of bad command-line values, bad config
# files and bad direct.xml files (offline firewalld), each run as root in a
# fresh network namespace (unshare --net) that already holds foreign rules in
# every table (and, for some cases, our own rules and ::6 on lo). Each case
# asserts the exit code, the specific message, an empty stdout, and that every
# store is byte for byte as before: the firewalld config directory (contents,
# modes, owners, inodes, times), iptables-legacy-save, ip6tables-legacy-save,
# iptables-nft-save, ip6tables-nft-save and the addresses of lo.
# A TAP producer; the binary comes from $MESH_TPROXY (set by meson).
set -u
self=$0
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
# Messages are checked word for word: no translations.
LC_ALL=C
LANG=C
export LC_ALL LANG
unset G_MESSAGES_DEBUG
# Never the host's firewalld (offline mode), its xtables lock or our lock.
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/mtp-bad-input-bus
export DBUS_SYSTEM_BUS_ADDRESS

# --- inside the namespace -----------------------------------------------------
# sh test-bad-input.sh --inner RUNDIR CASEDIR PREP ARG…: sets the namespace up,
# snapshots every store to RUNDIR/before, runs mesh-tproxy ARG… (stdout, stderr,
# exit code and milliseconds to RUNDIR/out, err, rc, ms), snapshots to
# RUNDIR/after.

snapshot() { # snapshot CASEDIR
  for f in "$1" $(find "$1" -mindepth 1 | sort); do
    # Name, type, mode, owner, size, inode, modification and change times.
    stat -c '%n|%F|%a|%u:%g|%s|%i|%y|%z' "$f"
    if [ -f "$f" ]; then sha256sum < "$f"; fi
  done
  for save in iptables-legacy-save ip6tables-legacy-save iptables-nft-save ip6tables-nft-save; do
    echo "== $save"
    # Without the "# Generated/Completed on <date>" lines.
    "$save" 2>&1 | grep -v '^#'
  done
  # The loopback interface, whatever its name (a case renames it).
  echo "== lo"
  ip -4 addr show
  ip -6 addr show
}

if [ "${1:-}" = --inner ]; then
  rundir=$2 casedir=$3 prep=$4
  shift 4
  ip link set lo up || exit 90
  iptables-legacy-restore -w 5 < "$rundir/../legacy4.rules" || exit 91
  ip6tables-legacy-restore -w 5 < "$rundir/../legacy6.rules" || exit 91
  iptables-nft-restore < "$rundir/../nft4.rules" || exit 92
  ip6tables-nft-restore < "$rundir/../nft6.rules" || exit 92
  case $prep in installed*)
    # Our rules in the kernel's tables, and ::6 on lo.
    "$MESH_TPROXY" install --backend iptables --config "$rundir/../good.conf" \
      > "$rundir/prep.out" 2>&1 < /dev/null || exit 93
    ip -6 addr show dev lo | grep -q 'inet6 ::6/128' || exit 94
    ;;
  esac
  case $prep in *renamed-lo)
    # Root can rename the loopback interface to what the kernel takes (its
    # IPv6 addresses kept while it is down).
    sysctl -q -w net.ipv6.conf.lo.keep_addr_on_down=1 && ip link set lo down &&
      ip link set lo name 'l"o' && ip link set 'l"o' up || exit 95
    ;;
  esac
  snapshot "$casedir" > "$rundir/before" 2>&1
  start=$(date +%s%N)
  timeout 120 "$MESH_TPROXY" "$@" > "$rundir/out" 2> "$rundir/err" < /dev/null
  echo $? > "$rundir/rc"
  echo $((($(date +%s%N) - start) / 1000000)) > "$rundir/ms"
  snapshot "$casedir" > "$rundir/after" 2>&1
  exit 0
fi

# --- the driver -----------------------------------------------------------------

. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces"
if [ ! -x "$MESH_TPROXY" ]; then
  echo "Bail out! no executable '$MESH_TPROXY' (set MESH_TPROXY)"
  exit 1
fi
for tool in unshare iptables-legacy-restore ip6tables-legacy-restore iptables-nft-restore \
  ip6tables-nft-restore iptables-legacy-save ip6tables-legacy-save iptables-nft-save \
  ip6tables-nft-save ip timeout sha256sum mkfifo truncate; do
  command -v "$tool" > /dev/null 2>&1 || tap_skip "needs $tool"
done

tmp=$(mktemp -d /tmp/mtp-bad-input.XXXXXX) || { echo "Bail out! mktemp -d failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
XTABLES_LOCKFILE=$tmp/xtables.lock
MESH_TPROXY_LOCK_FILE=$tmp/mesh-tproxy.lock
export XTABLES_LOCKFILE MESH_TPROXY_LOCK_FILE
R=$tmp/run # per case: before, after, out, err, rc, ms
C=$tmp/case/mtp.conf # the config file
D=$tmp/case/firewalld # --firewalld-config-dir
mkdir -p "$R"

# Foreign rules in every table of both families, legacy and nft.
for family in 4 6; do
  if [ $family = 4 ]; then src=192.0.2.1/32; else src=2001:db8::1/128; fi
  cat > "$tmp/legacy$family.rules" <<EOT
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -s $src -m comment --comment foreign-raw -j ACCEPT
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -s $src -m comment --comment foreign-mangle -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FOREIGN_NAT - [0:0]
-A OUTPUT -s $src -p tcp -j FOREIGN_NAT
-A FOREIGN_NAT -p tcp -m comment --comment foreign-nat -j REDIRECT --to-ports 8080
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FOREIGN - [0:0]
-A INPUT -s $src -j FOREIGN
-A FOREIGN -m comment --comment foreign-filter -j ACCEPT
COMMIT
EOT
  cat > "$tmp/nft$family.rules" <<EOT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FOREIGN_NFT - [0:0]
-A INPUT -s $src -j FOREIGN_NFT
-A FOREIGN_NFT -m comment --comment foreign-nft -j ACCEPT
COMMIT
EOT
done
printf '[mesh-tproxy]\nkuma-dp-user=0\n' > "$tmp/good.conf"

# A direct.xml with foreign entries, mode 0640 (we would write 0644), and an
# older direct.xml.old: a write, a backup or a chmod would all show.
GOOD_XML='<?xml version="1.0" encoding="utf-8"?>
<direct>
  <!-- kept as it is -->
  <chain ipv="ipv4" table="filter" chain="FOREIGN"/>
  <rule ipv="ipv4" table="filter" chain="FOREIGN" priority="0">-m comment --comment "foreign rule" -j ACCEPT</rule>
  <passthrough ipv="ipv6">-t filter -A INPUT -s 2001:db8::2 -j ACCEPT</passthrough>
</direct>
'

# Content helpers for the table's setup column.
# shellcheck disable=SC2059 # the content is a printf format on purpose
xml() { printf "$1" > "$D/direct.xml"; } # printf format: \n, \377 and \0 escapes
# shellcheck disable=SC2059
conf() { printf "$1" > "$C"; }
long() { head -c "$1" /dev/zero | tr '\0' "$2"; } # long N CHAR: N times CHAR
words() { yes "$2" | head -n "$1" | tr '\n' ' '; } # words N WORD: N times WORD, spaced
big_xml() { # a rule whose text is N bytes of one argument
  { printf '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">'
    long "$1" a; printf '</rule>\n</direct>\n'; } > "$D/direct.xml"
}
many_args_xml() { # a passthrough of N arguments
  { printf '<direct>\n  <passthrough ipv="ipv4">'; words "$1" a; printf '</passthrough>\n</direct>\n'
  } > "$D/direct.xml"
}
deep_xml() {
  { printf '<direct>'; yes '<a>' | head -n "$1" | tr -d '\n'; } > "$D/direct.xml"
}
long_name_xml() {
  { printf '<direct>\n  <'; long "$1" x; printf '/>\n</direct>\n'; } > "$D/direct.xml"
}
big_conf() { # N comment lines
  { printf '[mesh-tproxy]\n'; yes '# a comment line, again and again' | head -n "$1"; } > "$C"
}
billion_laughs() { # 10^30 times "lol", if entities were expanded; DOCTYPE on line 2
  { printf '<?xml version="1.0"?>\n<!DOCTYPE direct [\n  <!ENTITY e0 "lol">\n'
    i=1
    while [ $i -le 30 ]; do
      p="&e$((i - 1));"
      printf '  <!ENTITY e%d "%s%s%s%s%s%s%s%s%s%s">\n' $i "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p"
      i=$((i + 1))
    done
    printf ']>\n<direct>\n  <passthrough ipv="ipv4">&e30;</passthrough>\n</direct>\n'
  } > "$D/direct.xml"
}
sparse_xml() { printf '<direct>\n' > "$D/direct.xml"; truncate -s "$1" "$D/direct.xml"; }
# The limits (mtp-limits.h, LIMITS in mesh-tproxy(8)).
nameservers() { # nameservers N: a resolv.conf of N nameserver lines, in $D
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
    printf "nameserver 10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }' > "$D/resolv.conf"
}
copies() { # copies N WORD SEP: N times WORD, separated by SEP
  awk -v n="$1" -v w="$2" -v s="$3" 'BEGIN { for (i = 0; i < n; i++) printf "%s%s", (i ? s : ""), w }'
}
vnets_conf() { # a config file with N distinct vnets
  { printf '[mesh-tproxy]\nkuma-dp-user=0\nvnet='
    awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%sv%d:10.0.0.0/8", (i ? ";" : ""), i }'
    echo; } > "$C"
}
near_limit_xml() { # foreign rules in firewalld's form, up to N bytes of direct.xml
  awk -v n="$1" 'BEGIN { printf "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n"; size = 60
    for (i = 0; ; i++) {
      line = sprintf("  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"%d\">-s 10.%d.%d.%d -m comment --comment foreign -j ACCEPT</rule>", i, int(i / 65536), int(i / 256) % 256, i % 256)
      if (size + length(line) + 1 > n) break
      print line; size += length(line) + 1 }
    print "</direct>" }' > "$D/direct.xml"
}
comments_xml() { # N bytes of comments, which firewalld would drop but mesh-tproxy keeps
  { printf '<direct>\n'
    yes '  <!-- a line of another program, kept as it is ............................. -->' |
      head -c "$1" | sed '$d'
    printf '</direct>\n'; } > "$D/direct.xml"
}
replace_xml() { rm -f "$D/direct.xml"; "$@"; } # replace_xml COMMAND…, e.g. mkfifo

fresh_case() {
  rm -rf "$tmp/case"
  mkdir -p "$D"
  chmod 0750 "$D"
  printf '%s' "$GOOD_XML" > "$D/direct.xml"
  chmod 0640 "$D/direct.xml"
  printf '<?xml version="1.0" encoding="utf-8"?>\n<direct>\n</direct>\n' > "$D/direct.xml.old"
  touch -d '2020-01-01 00:00:00' "$D/direct.xml" "$D/direct.xml.old"
  printf '[mesh-tproxy]\nkuma-dp-user=0\nfirewalld-config-dir=%s\n' "$D" > "$C"
}

trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }
subst() { printf '%s' "$1" | sed "s|@D@|$D|g; s|@C@|$C|g"; }

# MTP_BAD_INPUT_CASES=REGEX runs only the cases whose "KIND: NAME" matches.
selected() {
  [ -z "${MTP_BAD_INPUT_CASES:-}" ] || printf '%s\n' "$1" | grep -qE -- "$MTP_BAD_INPUT_CASES"
}
n_cases=0
TOTAL_MS=0
MAX_MS=60000 # per case: no input may keep it busy (the largest take about 1 s; valgrind)
run_case() { # run_case KIND NAME CODE MESSAGE PREP SETUP ARGS
  kind=$1 name=$2 code=$3 msg=$(subst "$4") prep=$5 setup=$6 args=$7
  selected "$kind: $name" || return 0
  n_cases=$((n_cases + 1))
  eval "n_$kind=\$((\${n_$kind:-0} + 1))"
  fresh_case
  if [ "$setup" != - ]; then eval "$setup" || { tap_not_ok "$kind: $name" "setup failed: $setup"; return; }; fi
  rm -f "$R"/*
  # shellcheck disable=SC2016 # the words, not their values
  case $args in
    '$INSTALL'*) args="install --store-firewalld --config \"\$C\"${args#\$INSTALL}" ;;
    '$BAD_CONF'*)
      args="install --store-firewalld --firewalld-config-dir \"\$D\" --config \"\$C\"${args#\$BAD_CONF}"
      ;;
  esac
  eval "set -- $args"
  unshare --net -- sh "$self" --inner "$R" "$tmp/case" "$prep" "$@" > "$R/inner.log" 2>&1
  inner=$?
  if [ $inner -ne 0 ] || [ ! -f "$R/rc" ]; then
    tap_not_ok "$kind: $name" "the namespace set-up failed ($inner):" "$(cat "$R/inner.log" "$R/prep.out" 2>/dev/null)"
    return
  fi
  rc=$(cat "$R/rc") ms=$(cat "$R/ms")
  TOTAL_MS=$((TOTAL_MS + ms))
  eval "ms_$kind=\$((\${ms_$kind:-0} + ms))"
  problems=
  [ "$rc" = "$code" ] || problems="exit code $rc, expected $code"
  if ! grep -qF -- "$msg" "$R/err"; then
    problems="${problems:+$problems; }stderr lacks: $msg"
  fi
  # Only our messages: no GLib warnings, nothing from libxml2.
  if grep -v -e '^mesh-tproxy: ' -e "^Run 'mesh-tproxy " "$R/err" | grep -q .; then
    problems="${problems:+$problems; }stderr has a line not from mesh-tproxy"
  fi
  [ "$ms" -lt "$MAX_MS" ] || problems="${problems:+$problems; }took $ms ms (at most $MAX_MS)"
  if [ "$kind" = control ]; then
    # A good run: the snapshots must see its change (they can fail).
    cmp -s "$R/before" "$R/after" && problems="${problems:+$problems; }no store changed"
    result="$(diff "$R/before" "$R/after" | grep -c '^[<>]') snapshot lines changed"
  else
    [ -s "$R/out" ] && problems="${problems:+$problems; }output on stdout"
    if ! cmp -s "$R/before" "$R/after"; then
      problems="${problems:+$problems; }a store changed:
$(diff "$R/before" "$R/after" | head -n 30)"
    fi
    result="stores unchanged"
  fi
  if [ -z "$problems" ]; then
    tap_ok "$kind: $name (exit $rc, ${ms} ms, $result)"
  else
    tap_not_ok "$kind: $name" "$problems" "stderr: $(head -c 2000 "$R/err")" \
      "stdout: $(head -c 500 "$R/out")"
  fi
}

# --- the table --------------------------------------------------------------------
# KIND | NAME | EXIT | MESSAGE (a fixed string; @D@ and @C@ stand for the
# paths) | PREP (- or installed: our rules and ::6 already in the namespace;
# renamed-lo: the loopback interface renamed 'l"o'; installed+renamed-lo: both) |
# SETUP (- or shell code run before, after a fresh case directory; no '|') | ARGS (shell
# words; $C is a config file naming $D as firewalld-config-dir and UID 0 as the
# proxy user, $D the firewalld config directory with a good direct.xml).
# KIND: cli (command-line values), conf (config files), resolv (--resolv-conf),
# xml (direct.xml, offline firewalld), iptc (the libiptc store, with our rules installed);
# control: good runs whose changes the snapshots must see (exit 0).
# $INSTALL at the start of ARGS: install --store-firewalld --config "$C";
# $BAD_CONF: the same with --firewalld-config-dir "$D" (for a bad $C).

while IFS='|' read -r kind name code msg prep setup args; do
  case $kind in '' | '#'*) continue ;; esac
  run_case "$(trim "$kind")" "$(trim "$name")" "$(trim "$code")" "$(trim "$msg")" \
    "$(trim "$prep")" "$(trim "$setup")" "$(trim "$args")"
done <<'EOT'
# -- controls: the snapshots see a change ------------------------------------------
control | offline install writes direct.xml and direct.xml.old | 0 | warning: firewalld is not running: the rules are in '@D@/direct.xml' | - | - | $INSTALL --ip-family-mode ipv4
control | libiptc install writes the legacy tables and ::6 on lo | 0 | mesh-tproxy: added ::6/128 to 'lo' | - | - | install --backend iptables --config "$C"
control | uninstall takes our rules and ::6 out of the kernel | 0 | removed ::6/128 from 'lo' | installed | - | uninstall --backend iptables --config "$C"
control | uninstall with the loopback renamed 'l"o' (no rule can name it) takes our rules and ::6 out | 0 | removed ::6/128 from 'l"o' | installed+renamed-lo | - | uninstall --backend iptables --config "$C"
# -- command-line values --------------------------------------------------------
cli | port 0 | 2 | mesh-tproxy: option --redirect-inbound-port: port '0' is out of range (1-65535) | - | - | $INSTALL --redirect-inbound-port 0
cli | port 65536 | 2 | mesh-tproxy: option --redirect-outbound-port: port '65536' is out of range (1-65535) | - | - | $INSTALL --redirect-outbound-port 65536
cli | port with 30 digits | 2 | option --redirect-dns-port: port '999999999999999999999999999999' is out of range (1-65535) | - | - | $INSTALL --redirect-dns --redirect-dns-port 999999999999999999999999999999
cli | negative port | 2 | option --redirect-inbound-port: invalid port '-1': not a decimal number | - | - | $INSTALL --redirect-inbound-port=-1
cli | empty port | 2 | option --redirect-inbound-port: invalid port '': empty | - | - | $INSTALL --redirect-inbound-port ''
cli | hexadecimal port | 2 | option --redirect-outbound-port: invalid port '0x50': not a decimal number | - | - | $INSTALL --redirect-outbound-port 0x50
cli | empty element in a port list | 2 | option --exclude-inbound-ports: empty element in list '22,,80' | - | - | $INSTALL --exclude-inbound-ports 22,,80
cli | range in a port list | 2 | option --exclude-outbound-ports: invalid port '8000-8080': not a decimal number | - | - | $INSTALL --exclude-outbound-ports 22,8000-8080
cli | reversed port range | 2 | option --exclude-outbound-ports-for-uids: invalid port range '90-80': start 90 is greater than end 80 | - | - | $INSTALL --exclude-outbound-ports-for-uids tcp:90-80:1000
cli | reversed UID range | 2 | option --exclude-outbound-ports-for-uids: invalid UID range '2000-1000': start 2000 is greater than end 1000 | - | - | $INSTALL --exclude-outbound-ports-for-uids 2000-1000
cli | UID 4294967295 | 2 | option --exclude-outbound-ports-for-uids: invalid UID '4294967295': out of range (0-4294967294) | - | - | $INSTALL --exclude-outbound-ports-for-uids 4294967295
cli | UID wildcard | 2 | option --exclude-outbound-ports-for-uids: wildcard '*' is not allowed for UIDs | - | - | $INSTALL --exclude-outbound-ports-for-uids 'tcp:*:*'
cli | four-part UID exclusion | 2 | option --exclude-outbound-ports-for-uids: invalid exclusion 'tcp:80:1000:x': expected the format [protocol:][ports:]uids | - | - | $INSTALL --exclude-outbound-ports-for-uids tcp:80:1000:x
cli | unknown protocol | 2 | option --exclude-outbound-ports-for-uids: invalid protocol 'sctp': expected 'tcp', 'udp', 'tcp,udp' or '*' | - | - | $INSTALL --exclude-outbound-ports-for-uids sctp:80:1000
cli | empty UID exclusion | 2 | option --exclude-outbound-ports-for-uids: invalid exclusion '': missing UIDs | - | - | $INSTALL --exclude-outbound-ports-for-uids ''
cli | CIDR prefix 33 | 2 | option --exclude-outbound-ips: invalid prefix length in '10.0.0.0/33': out of range (0-32) | - | - | $INSTALL --exclude-outbound-ips 10.0.0.0/33
cli | CIDR with host bits | 2 | option --exclude-inbound-ips: '10.0.0.1/8' has host bits set; did you mean '10.0.0.0/8'? | - | - | $INSTALL --exclude-inbound-ips 10.0.0.1/8
cli | IPv4 shorthand | 2 | option --exclude-inbound-ips: invalid IPv4 address '10.1': expected four decimal parts 0-255 | - | - | $INSTALL --exclude-inbound-ips 10.1
cli | IPv4 with a port in an IPv6 list | 2 | option --exclude-outbound-ips: invalid IPv6 address '10.0.0.1:80': not in the form 'X:X::X' | - | - | $INSTALL --exclude-outbound-ips fd00::/8,10.0.0.1:80
cli | IPv4-mapped IPv6 with host bits | 2 | option --exclude-outbound-ips: '::ffff:10.0.0.1/96' has host bits set; did you mean '::ffff:0.0.0.0/96'? | - | - | $INSTALL --exclude-outbound-ips ::ffff:10.0.0.1/96
cli | IPv4 with an IPv6 prefix length | 2 | option --exclude-outbound-ips: invalid prefix length in '10.0.0.0/64': out of range (0-32) | - | - | $INSTALL --exclude-outbound-ips 10.0.0.0/64
cli | IPv6 zone index | 2 | option --exclude-outbound-ips: invalid address 'fe80::1%lo': zone indexes are not supported | - | - | $INSTALL --exclude-outbound-ips fe80::1%lo
cli | vnet without CIDR part | 2 | option --vnet: invalid vnet 'docker0': expected the format IFACE:CIDR | - | - | $INSTALL --vnet docker0
cli | vnet with a 16-byte interface | 2 | option --vnet: invalid interface name 'abcdefghijklmnop': longer than 15 bytes | - | - | $INSTALL --vnet abcdefghijklmnop:10.0.0.0/8
cli | vnet with '+' inside the name | 2 | option --vnet: invalid interface name 'br+0': '+' is only allowed as the last character | - | - | $INSTALL --vnet br+0:10.0.0.0/8
cli | vnet with an empty CIDR | 2 | option --vnet: invalid vnet 'docker0:': missing CIDR after ':' | - | - | $INSTALL --vnet docker0:
cli | vnet with IPv6 prefix 129 | 2 | option --vnet: invalid prefix length in 'fd00::/129': out of range (0-128) | - | - | $INSTALL --vnet docker0:fd00::/129
# Values that would change the meaning of a rule in one of its forms (mtp-token.h).
cli | vnet with '"' (would close firewalld's comment) | 2 | mesh-tproxy: option --vnet: invalid interface name 'x\"': contains '"', which cannot be written unchanged into a rule (allowed: ASCII letters, digits, '-', '_' and '.', and '+' at the end) | - | - | $INSTALL --vnet 'x":172.17.0.0/16'
cli | vnet with a backslash | 2 | option --vnet: invalid interface name 'a\\b': contains '\', which cannot be written unchanged into a rule | - | - | $INSTALL --vnet 'a\b:172.17.0.0/16'
cli | vnet with a single quote | 2 | option --vnet: invalid interface name 'a'b': contains ''', which cannot | - | - | $INSTALL --vnet "a'b:172.17.0.0/16"
cli | vnet with a space | 2 | option --vnet: invalid interface name 'a b': contains a space, which cannot | - | - | $INSTALL --vnet 'a b:172.17.0.0/16'
cli | vnet with a newline | 2 | option --vnet: invalid interface name 'a\nb': contains white space '\n', which cannot | - | - | $INSTALL --vnet "$(printf 'a\nb:172.17.0.0/16')"
cli | vnet with a tab | 2 | option --vnet: invalid interface name 'a\tb': contains white space '\t', which cannot | - | - | $INSTALL --vnet "$(printf 'a\tb:172.17.0.0/16')"
cli | vnet with a control character | 2 | option --vnet: invalid interface name 'a\001b': contains the control character '\001', which cannot | - | - | $INSTALL --vnet "$(printf 'a\001b:172.17.0.0/16')"
cli | vnet with DEL | 2 | option --vnet: invalid interface name 'a\177': contains the control character '\177', which cannot | - | - | $INSTALL --vnet "$(printf 'a\177:172.17.0.0/16')"
cli | vnet with non-ASCII UTF-8 | 2 | option --vnet: invalid interface name 'caf\303\251': contains the non-ASCII byte '\303', which cannot | - | - | $INSTALL --vnet "$(printf 'caf\303\251:172.17.0.0/16')"
cli | vnet with '#' | 2 | option --vnet: invalid interface name 'a#b': contains '#', which cannot | - | - | $INSTALL --vnet 'a#b:172.17.0.0/16'
cli | vnet with '!' | 2 | option --vnet: invalid interface name '!eth0': contains '!', which cannot | - | - | $INSTALL --vnet '!eth0:172.17.0.0/16'
cli | vnet %%ICMP%% (firewalld replaces it) | 2 | option --vnet: invalid interface name '%%ICMP%%': contains '%', which cannot | - | - | $INSTALL --vnet '%%ICMP%%:172.17.0.0/16'
cli | vnet with '$' and '`' | 2 | option --vnet: invalid interface name 'a$`b': contains '$', which cannot | - | - | $INSTALL --vnet 'a$`b:172.17.0.0/16'
cli | vnet -t (firewalld reads a table) | 2 | option --vnet: invalid interface name '-t': begins with '-', which iptables and firewalld read as an option | - | - | $INSTALL --vnet '-t:172.17.0.0/16'
cli | vnet '+' alone (every interface) | 2 | option --vnet: invalid interface name '+': a '+' alone matches every interface | - | - | $INSTALL --vnet '+:172.17.0.0/16'
cli | show: vnet with '"' | 2 | option --vnet: invalid interface name 'x\"': contains '"' | - | - | show --config "$C" --vnet 'x":172.17.0.0/16'
cli | status: vnet with '"' | 2 | option --vnet: invalid interface name 'x\"': contains '"' | - | - | status --store-firewalld --config "$C" --vnet 'x":172.17.0.0/16'
cli | loopback renamed 'l"o': install offline | 2 | mesh-tproxy: the loopback interface of this host: invalid interface name 'l\"o': contains '"', which cannot be written unchanged into a rule (allowed: ASCII letters, digits, '-', '_' and '.'); rename it to 'lo' | renamed-lo | - | $INSTALL
cli | loopback renamed 'l"o': install, IPv4 only | 2 | the loopback interface of this host: invalid interface name 'l\"o' | renamed-lo | - | $INSTALL --ip-family-mode ipv4
cli | loopback renamed 'l"o': libiptc install | 2 | the loopback interface of this host: invalid interface name 'l\"o' | renamed-lo | - | install --backend iptables --config "$C"
cli | loopback renamed 'l"o': show | 2 | the loopback interface of this host: invalid interface name 'l\"o' | renamed-lo | - | show --config "$C"
cli | unknown proxy user | 2 | mesh-tproxy: proxy user 'no-such-user-mtp' does not exist (--kuma-dp-user: neither a UID nor a user name) | - | - | $INSTALL --kuma-dp-user no-such-user-mtp
cli | empty proxy user | 2 | mesh-tproxy: option --kuma-dp-user: the value is empty | - | - | $INSTALL --kuma-dp-user ''
cli | invalid UTF-8 proxy user | 2 | mesh-tproxy: option --kuma-dp-user: the value '\377\376' is not valid UTF-8 | - | - | $INSTALL --kuma-dp-user "$(printf '\377\376')"
cli | invalid UTF-8 in a vnet | 2 | mesh-tproxy: option --vnet: the value 'eth\300:10.0.0.0/8' is not valid UTF-8 | - | - | $INSTALL --vnet "$(printf 'eth\300:10.0.0.0/8')"
cli | invalid UTF-8 option name | 2 | mesh-tproxy: unknown option --? | - | - | $INSTALL "--$(printf '\377')"
cli | unknown option | 2 | mesh-tproxy: unknown option --no-such-option | - | - | $INSTALL --no-such-option
cli | option of another command | 2 | mesh-tproxy: unknown option --format | - | - | $INSTALL --format json
cli | unknown command | 2 | mesh-tproxy: unknown command 'instal' | - | - | instal --store-firewalld --config "$C"
cli | missing value at the end | 2 | mesh-tproxy: missing argument for --redirect-inbound-port | - | - | $INSTALL --redirect-inbound-port
cli | conflicting DNS options | 2 | mesh-tproxy: --redirect-dns and --redirect-all-dns-traffic cannot be used together | - | - | $INSTALL --redirect-dns --redirect-all-dns-traffic
cli | inbound port = outbound port | 2 | mesh-tproxy: --redirect-inbound-port and --redirect-outbound-port are both 15001; the proxy needs two listeners | - | - | $INSTALL --redirect-inbound-port 15001
cli | DNS port = inbound port | 2 | mesh-tproxy: --redirect-dns-port 15006 is also a TCP redirect port | - | - | $INSTALL --redirect-all-dns-traffic --redirect-dns-port 15006
cli | boolean 'maybe' | 2 | mesh-tproxy: option --store-firewalld: 'maybe' is not a boolean (use true or false) | - | - | install --config "$C" --store-firewalld=maybe
cli | boolean value as a separate word | 2 | mesh-tproxy: unexpected argument 'false' (boolean options take their value as --option=VALUE) | - | - | $INSTALL --redirect-inbound false
cli | unknown backend | 2 | mesh-tproxy: option --backend: unknown value 'nft' (expected one of: auto, firewalld, iptables) | - | - | $INSTALL --backend nft
cli | unknown IP family mode | 2 | mesh-tproxy: option --ip-family-mode: unknown value 'ipv6' (expected one of: dualstack, ipv4) | - | - | $INSTALL --ip-family-mode ipv6
cli | --wait 3601 | 2 | mesh-tproxy: option --wait: '3601' is not a number of seconds from 0 to 3600 | - | - | uninstall --config "$C" --wait 3601
cli | --wait with 21 digits | 2 | mesh-tproxy: option --wait: '184467440737095516160' is not a number of seconds from 0 to 3600 | - | - | uninstall --config "$C" --wait 184467440737095516160
cli | 100 KB port list | 2 | is out of range (1-65535) | - | - | $INSTALL --exclude-inbound-ports "$(long 100000 9)"
cli | 100 KB proxy user | 2 | does not exist (--kuma-dp-user: neither a UID nor a user name) | - | - | $INSTALL --kuma-dp-user "$(long 100000 u)"
cli | 100 KB vnet | 2 | option --vnet: invalid interface name 'xxxxxxxx | - | - | $INSTALL --vnet "$(long 100000 x):10.0.0.0/8"
cli | empty --resolv-conf | 2 | mesh-tproxy: option --resolv-conf: the value is empty | - | - | $INSTALL --resolv-conf ''
cli | missing firewalld config dir | 2 | mesh-tproxy: firewalld's configuration directory '@D@/nonexistent' does not exist | - | - | $INSTALL --firewalld-config-dir "$D/nonexistent"
cli | firewalld config dir is a file | 2 | mesh-tproxy: firewalld's configuration directory '@D@/direct.xml' is not a directory | - | - | $INSTALL --firewalld-config-dir "$D/direct.xml"
cli | 65,537 --vnet | 2 | mesh-tproxy: option --vnet: 65537 values, more than 65536 (the limit 'option-values', see LIMITS in mesh-tproxy(8)) | - | - | $INSTALL $(copies 65537 --vnet=a:::/0 ' ')
cli | --backend firewalld while it is not running | 1 | mesh-tproxy: firewalld is not running; --store-firewalld writes its permanent configuration for when it starts | - | - | install --config "$C" --backend firewalld
# -- config files (wrong types, unknown keys, encodings, sizes, file types) ---------
conf | port of wrong type | 2 | mesh-tproxy: config file '@C@': key 'redirect-inbound-port': invalid port 'abc': not a decimal number | - | conf '[mesh-tproxy]\nredirect-inbound-port=abc\n' | $BAD_CONF
conf | boolean of wrong type | 2 | mesh-tproxy: config file '@C@': key 'redirect-dns': '2' is not a boolean (use true or false) | - | conf '[mesh-tproxy]\nredirect-dns=2\n' | $BAD_CONF
conf | port list of wrong type | 2 | mesh-tproxy: config file '@C@': key 'exclude-inbound-ports': invalid port 'true': not a decimal number | - | conf '[mesh-tproxy]\nexclude-inbound-ports=true\n' | $BAD_CONF
conf | seconds of wrong type | 2 | mesh-tproxy: config file '@C@': key 'wait': 'five' is not a number of seconds from 0 to 3600 | - | conf '[mesh-tproxy]\nwait=five\n' | $BAD_CONF
conf | huge port number | 2 | mesh-tproxy: config file '@C@': key 'redirect-outbound-port': port '99999999999999999999999999999999' is out of range (1-65535) | - | conf '[mesh-tproxy]\nredirect-outbound-port=99999999999999999999999999999999\n' | $BAD_CONF
conf | unknown key | 2 | mesh-tproxy: config file '@C@': unknown key 'redirect-inbound-prot' | - | conf '[mesh-tproxy]\nredirect-inbound-prot=1\n' | $BAD_CONF
conf | key with a locale | 2 | mesh-tproxy: config file '@C@': line 3: unknown key 'kuma-dp-user[de]' | - | conf '[mesh-tproxy]\nkuma-dp-user=0\nkuma-dp-user[de]=1\n' | $BAD_CONF
conf | command-line-only key | 2 | mesh-tproxy: config file '@C@': key 'dry-run' can only be given on the command line | - | conf '[mesh-tproxy]\ndry-run=true\n' | $BAD_CONF
conf | unknown group | 2 | mesh-tproxy: config file '@C@': unknown group [Mesh] (the only group is [mesh-tproxy]) | - | conf '[mesh-tproxy]\n[Mesh]\nredirect-dns=true\n' | $BAD_CONF
conf | no group | 2 | mesh-tproxy: config file '@C@': Key file does not start with a group | - | conf 'redirect-dns=true\n' | $BAD_CONF
conf | a line that is no key=value | 2 | which is not a key-value pair, group, or comment | - | conf '[mesh-tproxy]\nredirect-dns true\n' | $BAD_CONF
conf | invalid UTF-8 value | 2 | mesh-tproxy: config file '@C@': key 'kuma-dp-user': Key file contains key | - | conf '[mesh-tproxy]\nkuma-dp-user=kuma\377\n' | $BAD_CONF
conf | invalid UTF-8 key | 2 | mesh-tproxy: config file '@C@': unknown key 'redirect-?-dns' | - | conf '[mesh-tproxy]\nredirect-\376-dns=true\n' | $BAD_CONF
conf | bad escape sequence | 2 | mesh-tproxy: config file '@C@': key 'redirect-inbound-port': Key file contains key | - | conf '[mesh-tproxy]\nredirect-inbound-port=\\x\n' | $BAD_CONF
conf | bad escape, then a backslash at the end (a GLib 2.74 bug; found by fuzzing) | 2 | mesh-tproxy: config file '@C@': key 'wait': the value ends in a lone backslash (write \\ for one) | - | conf '[mesh-tproxy]\nwait=\\q\\\n' | $BAD_CONF
conf | NUL byte | 2 | mesh-tproxy: config file '@C@': line 2: a NUL byte | - | conf '[mesh-tproxy]\nkuma-dp-user=0\0\nredirect-dns=maybe\n' | $BAD_CONF
conf | duplicate key | 2 | mesh-tproxy: config file '@C@': key 'kuma-dp-user' is given twice (lines 2 and 4); give it once | - | conf '[mesh-tproxy]\nkuma-dp-user=0\n# again\nkuma-dp-user=65534\n' | $BAD_CONF
conf | duplicate list key in a repeated group | 2 | mesh-tproxy: config file '@C@': key 'vnet' is given twice (lines 2 and 4); give it once, with the values separated by ';' | - | conf '[mesh-tproxy]\nvnet=docker0:172.17.0.0/16\n[mesh-tproxy]\n  vnet = br0:10.0.0.0/8\n' | $BAD_CONF
conf | bad second list element | 2 | mesh-tproxy: config file '@C@': key 'vnet': invalid vnet 'eth0': expected the format IFACE:CIDR | - | conf '[mesh-tproxy]\nvnet=docker0:172.17.0.0/16;eth0\n' | $BAD_CONF
conf | empty proxy user | 2 | mesh-tproxy: config file '@C@': key 'kuma-dp-user': the value is empty | - | conf '[mesh-tproxy]\nkuma-dp-user=\n' | $BAD_CONF
conf | conflicting keys | 2 | mesh-tproxy: --redirect-dns and --redirect-all-dns-traffic cannot be used together | - | conf '[mesh-tproxy]\nredirect-dns=true\nredirect-all-dns-traffic=true\n' | $BAD_CONF
conf | 600 KB value | 2 | does not exist (--kuma-dp-user: neither a UID nor a user name) | - | { printf '[mesh-tproxy]\nkuma-dp-user='; long 600000 k; echo; } > "$C" | $BAD_CONF
conf | file over 1 MiB | 2 | mesh-tproxy: config file '@C@': larger than 1 MiB | - | big_conf 40000 | $BAD_CONF
conf | missing file | 2 | mesh-tproxy: config file '@C@.missing': no such file | - | - | install --store-firewalld --firewalld-config-dir "$D" --config "$C.missing"
conf | vnet with '"' | 2 | mesh-tproxy: config file '@C@': key 'vnet': invalid interface name 'x\"': contains '"', which cannot be written unchanged into a rule | - | conf '[mesh-tproxy]\nvnet=x":172.17.0.0/16\n' | $BAD_CONF
conf | vnet with a backslash | 2 | mesh-tproxy: config file '@C@': key 'vnet': invalid interface name 'a\\b': contains '\' | - | conf '[mesh-tproxy]\nvnet=a\\\\b:172.17.0.0/16\n' | $BAD_CONF
conf | second vnet with ''' | 2 | mesh-tproxy: config file '@C@': key 'vnet': invalid interface name 'a'b': contains ''' | - | conf "[mesh-tproxy]\\nvnet=docker0:172.17.0.0/16;a'b:10.0.0.0/8\\n" | $BAD_CONF
conf | a directory | 2 | mesh-tproxy: config file '@D@': not a regular file | - | - | install --store-firewalld --config "$D"
conf | a FIFO (would block) | 2 | mesh-tproxy: config file '@C@': not a regular file | - | rm "$C" && mkfifo "$C" | $BAD_CONF
conf | a symbolic link to /dev/zero | 2 | mesh-tproxy: config file '@C@': not a regular file | - | rm "$C" && ln -s /dev/zero "$C" | $BAD_CONF
conf | 100 MB (sparse) | 2 | mesh-tproxy: config file '@C@': larger than 1 MiB (104857600 bytes; the limit 'config-file-size', see LIMITS in mesh-tproxy(8)) | - | truncate -s 100M "$C" | $BAD_CONF
conf | 100,001 copies of one excluded CIDR | 2 | mesh-tproxy: config file '@C@': key 'exclude-outbound-ips': 100001 values, more than 65536 (the limit 'option-values', see LIMITS in mesh-tproxy(8)) | - | { printf '[mesh-tproxy]\nkuma-dp-user=0\nexclude-outbound-ips='; copies 100001 10.0.0.2 ,; echo; } > "$C" | $BAD_CONF
conf | 65,537 copies of one vnet | 2 | mesh-tproxy: config file '@C@': key 'vnet': 65537 values, more than 65536 (the limit 'option-values', see LIMITS in mesh-tproxy(8)) | - | { printf '[mesh-tproxy]\nkuma-dp-user=0\nvnet='; copies 65537 'a:::/0' ';'; echo; } > "$C" | $BAD_CONF
conf | 50,001 vnets (100,002 rules) | 2 | mesh-tproxy: the rules would be more than 100000 (the limit 'rules', see LIMITS in mesh-tproxy(8)); most of them come from --vnet (100000 within the limit) | - | vnets_conf 50001 | $BAD_CONF
# -- resolv.conf (--resolv-conf): read only when a regular file, never blocking --------
resolv | 100,005 nameservers | 2 | mesh-tproxy: reading '@D@/resolv.conf': larger than 1 MiB (2300790 bytes; the limit 'resolv-conf-size', see LIMITS in mesh-tproxy(8)) | - | nameservers 100005 | $INSTALL --redirect-dns --resolv-conf "$D/resolv.conf"
resolv | 257 nameservers | 2 | mesh-tproxy: reading '@D@/resolv.conf': 257 nameservers, more than 256 (the limit 'nameservers', see LIMITS in mesh-tproxy(8)) | - | nameservers 257 | $INSTALL --redirect-dns --resolv-conf "$D/resolv.conf"
resolv | a FIFO (would block for ever) | 2 | mesh-tproxy: reading '@D@/resolv.conf': not a regular file | - | mkfifo "$D/resolv.conf" | $INSTALL --redirect-dns --resolv-conf "$D/resolv.conf"
resolv | /dev/zero (would never end) | 2 | mesh-tproxy: reading '/dev/zero': not a regular file | - | - | $INSTALL --redirect-dns --resolv-conf /dev/zero
resolv | a symbolic link to /dev/zero | 2 | mesh-tproxy: reading '@D@/resolv.conf': not a regular file | - | ln -s /dev/zero "$D/resolv.conf" | $INSTALL --redirect-dns --resolv-conf "$D/resolv.conf"
resolv | a directory | 2 | mesh-tproxy: reading '@D@': not a regular file | - | - | $INSTALL --redirect-dns --resolv-conf "$D"
resolv | 100 MB (sparse) | 2 | mesh-tproxy: reading '@D@/resolv.conf': larger than 1 MiB (104857600 bytes; the limit 'resolv-conf-size', see LIMITS in mesh-tproxy(8)) | - | truncate -s 100M "$D/resolv.conf" | $INSTALL --redirect-dns --resolv-conf "$D/resolv.conf"
resolv | status: a FIFO | 2 | mesh-tproxy: reading '@D@/resolv.conf': not a regular file | installed | mkfifo "$D/resolv.conf" | status --backend iptables --config "$C" --redirect-dns --resolv-conf "$D/resolv.conf"
# -- direct.xml (offline firewalld) ---------------------------------------------------
xml | unclosed element | 2 | mesh-tproxy: '@D@/direct.xml': line 3: not well-formed XML: Opening and ending tag mismatch: chain line 2 and direct | - | xml '<direct>\n  <chain ipv="ipv4" table="nat" chain="X">\n</direct>\n' | $INSTALL
xml | truncated in a start tag | 2 | mesh-tproxy: '@D@/direct.xml': line 3: not well-formed XML: AttValue:  | - | xml '<?xml version="1.0" encoding="utf-8"?>\n<direct>\n  <rule ipv="ipv4" table="fil' | $INSTALL
xml | truncated in the text of a rule | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Premature end of data in tag rule line 2 | - | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-j ACC' | $INSTALL
xml | truncated after the declaration | 2 | mesh-tproxy: '@D@/direct.xml': line 1: not well-formed XML: Start tag expected, '<' not found | - | xml '<?xml version="1.0" encoding="utf-8"?>' | $INSTALL
xml | empty file | 2 | mesh-tproxy: '@D@/direct.xml': line 1: not well-formed XML: Document is empty | - | xml '' | $INSTALL
xml | wrong root | 2 | mesh-tproxy: '@D@/direct.xml': line 2: the root element is <zone>, not <direct> | - | xml '<?xml version="1.0"?>\n<zone>\n</zone>\n' | $INSTALL
xml | unknown element | 2 | mesh-tproxy: '@D@/direct.xml': line 3: unknown element <ipset> | - | xml '<direct>\n  <chain ipv="ipv4" table="nat" chain="X"/>\n  <ipset name="x"/>\n</direct>\n' | $INSTALL
xml | unknown attribute | 2 | mesh-tproxy: '@D@/direct.xml': line 2: unexpected attribute 'comment' on <rule> | - | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0" comment="x">-j ACCEPT</rule>\n</direct>\n' | $INSTALL
xml | missing attribute | 2 | mesh-tproxy: '@D@/direct.xml': line 2: missing attribute 'priority' on <rule> | - | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT">-j ACCEPT</rule>\n</direct>\n' | $INSTALL
xml | element inside a rule | 2 | mesh-tproxy: '@D@/direct.xml': line 2: unexpected element <b> inside <rule> | - | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-j <b>ACCEPT</b></rule>\n</direct>\n' | $INSTALL
xml | priority not an integer | 2 | mesh-tproxy: '@D@/direct.xml': line 2: priority 'high' is not an integer | - | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="high">-j ACCEPT</rule>\n</direct>\n' | $INSTALL
xml | unknown table | 2 | mesh-tproxy: '@D@/direct.xml': line 2: invalid table 'nat2' for ipv 'ipv4' | - | xml '<direct>\n  <chain ipv="ipv4" table="nat2" chain="X"/>\n</direct>\n' | $INSTALL
xml | unclosed quote in the arguments | 2 | mesh-tproxy: '@D@/direct.xml': line 2: bad arguments of <rule>: no closing quotation | - | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-m comment --comment "x -j ACCEPT</rule>\n</direct>\n' | $INSTALL
xml | duplicated attribute | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Attribute ipv redefined | - | xml '<direct>\n  <chain ipv="ipv4" ipv="ipv6" table="nat" chain="X"/>\n</direct>\n' | $INSTALL
xml | duplicated root | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Extra content at the end of the document | - | xml '<direct/>\n<direct/>\n' | $INSTALL
xml | <direct> inside <direct> | 2 | mesh-tproxy: '@D@/direct.xml': line 3: more than one <direct> element | - | xml '<direct>\n  <chain ipv="ipv4" table="nat" chain="X"/>\n  <direct/>\n</direct>\n' | $INSTALL
xml | duplicated XML declaration | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: XML declaration allowed only at the start of the document | - | xml '<?xml version="1.0"?>\n<?xml version="1.0"?>\n<direct/>\n' | $INSTALL
xml | 300 arguments | 2 | mesh-tproxy: '@D@/direct.xml': line 2: <passthrough> has 300 arguments, more than iptables takes (at most 255) | - | many_args_xml 300 | $INSTALL
xml | 10 MiB of arguments | 2 | mesh-tproxy: '@D@/direct.xml': line 2: the arguments of <rule> are 10485760 bytes long, more than iptables takes (at most 262144) | - | big_xml 10485760 | $INSTALL
xml | 100 KB chain name | 2 | mesh-tproxy: '@D@/direct.xml': line 2: the chain name on <chain> is 100000 bytes long, more than iptables takes (at most 28) | - | xml "<direct>\n  <chain ipv=\"ipv4\" table=\"nat\" chain=\"$(long 100000 C)\"/>\n</direct>\n" | $INSTALL
xml | 60 KB element name | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Name too long | - | long_name_xml 60000 | $INSTALL
xml | 100000 nested elements | 2 | mesh-tproxy: '@D@/direct.xml': line 1: not well-formed XML: Excessive depth in document: 256 use XML_PARSE_HUGE option | - | deep_xml 100000 | $INSTALL
xml | over 16 MiB | 2 | mesh-tproxy: '@D@/direct.xml': larger than 16 MiB | - | sparse_xml 16777217 | $INSTALL
xml | a FIFO named firewalld.conf | 2 | mesh-tproxy: reading '@D@/firewalld.conf': not a regular file | - | mkfifo "$D/firewalld.conf" | $INSTALL
xml | would grow past direct-xml-write-size | 2 | larger than 8 MiB (the limit 'direct-xml-write-size', see LIMITS in mesh-tproxy(8)); nothing was changed: exclude fewer ports or addresses, or use --pack-ports | - | near_limit_xml 8386000 | $INSTALL --exclude-outbound-ports "$(seq -s, 20001 2 20400)"
xml | comments: would grow past direct-xml-write-size | 2 | mesh-tproxy: '@D@/direct.xml' would be | - | comments_xml 8380000 | $INSTALL --exclude-outbound-ports "$(seq -s, 20001 2 20400)"
xml | --check: would grow past direct-xml-write-size | 2 | larger than 8 MiB (the limit 'direct-xml-write-size', see LIMITS in mesh-tproxy(8)); nothing was changed | - | near_limit_xml 8386000 | $INSTALL --check --exclude-outbound-ports "$(seq -s, 20001 2 20400)"
xml | uninstall: over 16 MiB, our rules in the kernel | 2 | mesh-tproxy never leaves a direct.xml over 8 MiB, so another program made it grow, and nothing was changed | installed | sparse_xml 16777217 | uninstall --config "$C"
xml | external entity file:///etc/passwd | 2 | mesh-tproxy: '@D@/direct.xml': line 2: a document type declaration (<!DOCTYPE>) is not allowed | - | xml '<?xml version="1.0"?>\n<!DOCTYPE direct [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<direct>\n  <passthrough ipv="ipv4">&x;</passthrough>\n</direct>\n' | $INSTALL
xml | external DTD over http:// | 2 | mesh-tproxy: '@D@/direct.xml': line 1: a document type declaration (<!DOCTYPE>) is not allowed | - | xml '<!DOCTYPE direct SYSTEM "http://192.0.2.1/direct.dtd">\n<direct/>\n' | $INSTALL
xml | external entity over http:// | 2 | mesh-tproxy: '@D@/direct.xml': line 1: a document type declaration (<!DOCTYPE>) is not allowed | - | xml '<!DOCTYPE direct [\n<!ENTITY x SYSTEM "http://192.0.2.1/x">\n]>\n<direct>\n  <passthrough ipv="ipv4">&x;</passthrough>\n</direct>\n' | $INSTALL
xml | billion laughs | 2 | mesh-tproxy: '@D@/direct.xml': line 2: a document type declaration (<!DOCTYPE>) is not allowed | - | billion_laughs | $INSTALL
xml | parameter entities | 2 | mesh-tproxy: '@D@/direct.xml': line 1: a document type declaration (<!DOCTYPE>) is not allowed | - | xml '<!DOCTYPE direct [\n<!ENTITY %% p SYSTEM "file:///etc/passwd">\n%%p;\n]>\n<direct/>\n' | $INSTALL
xml | undeclared entity | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Entity 'passwd' not defined | - | xml '<direct>\n  <passthrough ipv="ipv4">&passwd;</passthrough>\n</direct>\n' | $INSTALL
xml | XInclude | 2 | mesh-tproxy: '@D@/direct.xml': line 2: unknown element <xi:include> | - | xml '<direct>\n  <xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>\n</direct>\n' | $INSTALL
xml | XInclude namespace on the root | 2 | mesh-tproxy: '@D@/direct.xml': line 1: unexpected attribute 'xmlns:xi' on <direct> | - | xml '<direct xmlns:xi="http://www.w3.org/2001/XInclude">\n  <xi:include href="/etc/passwd"/>\n</direct>\n' | $INSTALL
xml | unsupported encoding | 2 | mesh-tproxy: '@D@/direct.xml': line 1: not well-formed XML: Unsupported encoding x-mtp-bogus | - | xml '<?xml version="1.0" encoding="x-mtp-bogus"?>\n<direct/>\n' | $INSTALL
xml | labelled UTF-16, UTF-8 content | 2 | mesh-tproxy: '@D@/direct.xml': line 1: not well-formed XML: Document labelled UTF-16 but has UTF-8 content | - | xml '<?xml version="1.0" encoding="UTF-16"?>\n<direct/>\n' | $INSTALL
xml | Latin-1 bytes in a UTF-8 document | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Input is not proper UTF-8, indicate encoding ! Bytes: 0xE9 | - | xml '<direct>\n  <passthrough ipv="ipv4">-m comment --comment caf\351 -j ACCEPT</passthrough>\n</direct>\n' | $INSTALL
xml | character reference to NUL | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: xmlParseCharRef: invalid xmlChar value 0 | - | xml '<direct>\n  <passthrough ipv="ipv4">-j &#0;</passthrough>\n</direct>\n' | $INSTALL
xml | NUL byte after the root | 2 | mesh-tproxy: '@D@/direct.xml': line 3: a NUL byte, which XML does not allow | - | xml '<direct>\n</direct>\n\0<direct>\n' | $INSTALL
xml | a directory named direct.xml | 2 | mesh-tproxy: '@D@/direct.xml': not a regular file | - | replace_xml mkdir "$D/direct.xml" | $INSTALL
xml | a FIFO named direct.xml | 2 | mesh-tproxy: '@D@/direct.xml': not a regular file | - | replace_xml mkfifo "$D/direct.xml" | $INSTALL
xml | a symbolic link to /dev/zero | 2 | mesh-tproxy: '@D@/direct.xml': not a regular file | - | replace_xml ln -s /dev/zero "$D/direct.xml" | $INSTALL
xml | a dangling symbolic link | 2 | mesh-tproxy: '@D@/direct.xml': a symbolic link to a missing file | - | replace_xml ln -s nowhere.xml "$D/direct.xml" | $INSTALL
xml | status: unknown element | 2 | mesh-tproxy: '@D@/direct.xml': line 2: unknown element <zone> | - | xml '<direct>\n  <zone/>\n</direct>\n' | status --store-firewalld --config "$C"
xml | uninstall: billion laughs, our rules in the kernel | 2 | mesh-tproxy: '@D@/direct.xml': line 2: a document type declaration (<!DOCTYPE>) is not allowed | installed | billion_laughs | uninstall --config "$C"
xml | uninstall: truncated, our rules in the kernel | 2 | mesh-tproxy: '@D@/direct.xml': line 2: not well-formed XML: Premature end of data in tag rule line 2 | installed | xml '<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-j ACC' | uninstall --config "$C"
xml | uninstall: a FIFO, our rules in the kernel | 2 | mesh-tproxy: '@D@/direct.xml': not a regular file | installed | replace_xml mkfifo "$D/direct.xml" | uninstall --config "$C"
xml | uninstall: 300 arguments, our rules in the kernel | 2 | mesh-tproxy: '@D@/direct.xml': line 2: <passthrough> has 300 arguments, more than iptables takes (at most 255) | installed | many_args_xml 300 | uninstall --config "$C"
# -- the libiptc store: our rules installed, a bad option ---------------------------
iptc | install: port 0 | 2 | mesh-tproxy: option --redirect-inbound-port: port '0' is out of range (1-65535) | installed | - | install --backend iptables --config "$C" --redirect-inbound-port 0
iptc | install: bad vnet | 2 | mesh-tproxy: option --vnet: invalid vnet 'docker0': expected the format IFACE:CIDR | installed | - | install --backend iptables --config "$C" --vnet docker0
iptc | install: unknown proxy user | 2 | mesh-tproxy: proxy user 'no-such-user-mtp' does not exist | installed | - | install --backend iptables --config "$C" --kuma-dp-user no-such-user-mtp
iptc | install: bad config file | 2 | mesh-tproxy: config file '@C@': unknown key 'redirect-inbound-prot' | installed | conf '[mesh-tproxy]\nredirect-inbound-prot=1\n' | install --backend iptables --config "$C"
iptc | uninstall: --wait 3601 | 2 | mesh-tproxy: option --wait: '3601' is not a number of seconds from 0 to 3600 | installed | - | uninstall --backend iptables --config "$C" --wait 3601
iptc | uninstall: invalid UTF-8 in --backend | 2 | mesh-tproxy: option --backend: the value 'iptables\377' is not valid UTF-8 | installed | - | uninstall --config "$C" --backend "$(printf 'iptables\377')"
iptc | install: vnet with '"' | 2 | mesh-tproxy: option --vnet: invalid interface name 'x\"': contains '"' | installed | - | install --backend iptables --config "$C" --vnet 'x":172.17.0.0/16'
iptc | install: loopback renamed 'l"o' | 2 | the loopback interface of this host: invalid interface name 'l\"o' | renamed-lo | - | install --backend iptables --config "$C" --vnet docker0:172.17.0.0/16
iptc | status: host bits | 2 | mesh-tproxy: option --exclude-outbound-ips: '10.0.0.1/8' has host bits set | installed | - | status --backend iptables --config "$C" --exclude-outbound-ips 10.0.0.1/8
EOT

# --- a real firewalld, online ---------------------------------------------------------
# Our rules installed through it (runtime and permanent), then bad input: its
# runtime and permanent direct configuration, its files and the namespace's
# tables stay as they were.
. "$top/tests/lib/sandbox.sh"
online_snapshot() {
  for method in direct.getAllChains direct.getAllRules direct.getAllPassthroughs; do
    gdbus call --system --dest "$FW_NAME" --object-path "$FW_PATH" --method "$FW_NAME.$method"
  done
  gdbus call --system --dest "$FW_NAME" --object-path "$FW_PATH/config" \
    --method "$FW_NAME.config.direct.getSettings"
  for f in $(find "$SB_DIR/etc" | sort); do
    stat -c '%n|%F|%a|%u:%g|%s|%i|%y|%z' "$f"
    if [ -f "$f" ]; then sha256sum < "$f"; fi
  done
  for save in iptables-legacy-save ip6tables-legacy-save iptables-nft-save ip6tables-nft-save; do
    echo "== $save"
    sb "$save" 2>&1 | grep -v '^#'
  done
  echo "== lo"
  sb ip addr show dev lo
}
online_case() { # online_case NAME CODE MESSAGE ARG…
  o_name=$1 o_code=$2 o_msg=$3
  shift 3
  n_online=$((n_online + 1)) n_cases=$((n_cases + 1))
  online_snapshot > "$R/before" 2>&1
  sb "$MESH_TPROXY" "$@" > "$R/out" 2> "$R/err" < /dev/null
  o_rc=$?
  online_snapshot > "$R/after" 2>&1
  problems=
  [ "$o_rc" = "$o_code" ] || problems="exit code $o_rc, expected $o_code"
  grep -qF -- "$o_msg" "$R/err" || problems="${problems:+$problems; }stderr lacks: $o_msg"
  [ -s "$R/out" ] && problems="${problems:+$problems; }output on stdout"
  if ! cmp -s "$R/before" "$R/after"; then
    problems="${problems:+$problems; }a store changed:
$(diff "$R/before" "$R/after" | head -n 30)"
  fi
  if [ -z "$problems" ]; then tap_ok "online: $o_name (exit $o_rc, stores unchanged)"
  else tap_not_ok "online: $o_name" "$problems" "stderr: $(head -c 2000 "$R/err")"; fi
}
n_online=0
if ! selected "online: "; then
  :
elif command -v firewalld > /dev/null 2>&1 && command -v dbus-daemon > /dev/null 2>&1 &&
  command -v gdbus > /dev/null 2>&1; then
  trap 'sandbox_stop; rm -rf "$tmp"' EXIT
  sandbox_start
  # The IPv6 rules too (firewalld's RFC3964_IPv4 would reject their traffic).
  printf 'DefaultZone=public\nFirewallBackend=nftables\nRFC3964_IPv4=no\n' > "$SB_DIR/etc/firewalld.conf"
  if sandbox_firewalld_start; then
    OC=$SB_DIR/mtp.conf
    printf '[mesh-tproxy]\nkuma-dp-user=0\nfirewalld-config-dir=%s\n' "$SB_DIR/etc" > "$OC"
    if sb "$MESH_TPROXY" install --store-firewalld --config "$OC" > "$R/out" 2> "$R/err" &&
      grep -q "chain=\"KUMA_MESH_OUTBOUND\"" "$SB_DIR/etc/direct.xml" &&
      [ "$(online_snapshot | grep -c KUMA_MESH_OUTBOUND)" -ge 4 ]; then
      tap_ok "online: a good install through firewalld, runtime and permanent (the starting point)"
    else
      tap_not_ok "online: a good install through firewalld" "$(cat "$R/err")"
    fi
    online_case "install: port 0" 2 \
      "mesh-tproxy: option --redirect-inbound-port: port '0' is out of range (1-65535)" \
      install --store-firewalld --config "$OC" --redirect-inbound-port 0
    printf '[mesh-tproxy]\nkuma-dp-user=0\nkuma-dp-user=1\n' > "$SB_DIR/bad.conf"
    online_case "install: duplicate key in the config file" 2 \
      "config file '$SB_DIR/bad.conf': key 'kuma-dp-user' is given twice (lines 2 and 3)" \
      install --store-firewalld --config "$SB_DIR/bad.conf"
    online_case "uninstall: invalid UTF-8 in --wait" 2 \
      "mesh-tproxy: option --wait: the value '5\\377' is not valid UTF-8" \
      uninstall --config "$OC" --wait "$(printf '5\377')"
    online_case "install: unknown proxy user" 2 \
      "mesh-tproxy: proxy user 'no-such-user-mtp' does not exist" \
      install --store-firewalld --config "$OC" --kuma-dp-user no-such-user-mtp
    # Control: a good uninstall changes what the snapshots see.
    online_snapshot > "$R/before" 2>&1
    sb "$MESH_TPROXY" uninstall --config "$OC" > "$R/out" 2> "$R/err" < /dev/null
    o_rc=$?
    online_snapshot > "$R/after" 2>&1
    if [ $o_rc -eq 0 ] && ! cmp -s "$R/before" "$R/after" && ! grep -q KUMA_MESH "$R/after"; then
      tap_ok "online: control: a good uninstall changes the snapshots ($(diff "$R/before" "$R/after" | grep -c '^[<>]') lines)"
    else
      tap_not_ok "online: control: a good uninstall changes the snapshots" "exit $o_rc" "$(cat "$R/err")"
    fi
  else
    tap_not_ok "online: firewalld starts in the sandbox" "$(tail -n 20 "$SB_DIR/firewalld.log")"
  fi
  sandbox_stop
elif [ "${MTP_FAIL_ON_SKIP:-}" = 1 ]; then
  tap_not_ok "online: firewalld, dbus-daemon and gdbus are needed (MTP_FAIL_ON_SKIP=1)"
else
  echo "ok $((TAP_N + 1)) # SKIP online cases: firewalld, dbus-daemon or gdbus missing"
  TAP_N=$((TAP_N + 1))
fi

tap_comment() { echo "# $*"; }
tap_comment "cases: $n_cases (control ${n_control:-0}, cli ${n_cli:-0}, conf ${n_conf:-0}, resolv ${n_resolv:-0}, xml ${n_xml:-0}, iptc ${n_iptc:-0}, online $n_online)"
tap_comment "mesh-tproxy time: ${TOTAL_MS} ms (cli ${ms_cli:-0}, conf ${ms_conf:-0}, xml ${ms_xml:-0}, iptc ${ms_iptc:-0})"
tap_done
