#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped sample configuration lists every key the config file accepts,
# and loads as it is.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${MESH_TPROXY:-$top/build/src/mesh-tproxy}
sample="$top/data/mesh-tproxy.conf"
echo "1..2"

cli_only="config dry-run check json format family verbose help"
options=$(for c in install uninstall status show; do "$bin" $c --help; done |
  sed -n 's/^ *--\([a-z0-9-]*\).*/\1/p' | sort -u)
keys=$(sed -n 's/^# \([a-z0-9-]*\)=.*/\1/p' "$sample" | sort -u)
expected=$(for o in $options; do
  case " $cli_only " in *" $o "*) ;; *) echo "$o" ;; esac
done | sort -u)
if [ -n "$expected" ] && [ "$keys" = "$expected" ]; then
  echo "ok 1 - the sample lists every config key ($(echo "$keys" | wc -l) keys)"
else
  echo "not ok 1 - the sample's keys differ from the options"
  echo "$keys" > "${TMPDIR:-/tmp}/mtp-k.$$"; echo "$expected" > "${TMPDIR:-/tmp}/mtp-e.$$"
  diff "${TMPDIR:-/tmp}/mtp-e.$$" "${TMPDIR:-/tmp}/mtp-k.$$" | sed 's/^/# /'
  rm -f "${TMPDIR:-/tmp}/mtp-k.$$" "${TMPDIR:-/tmp}/mtp-e.$$"
fi
if "$bin" show --config "$sample" --kuma-dp-user 0 >/dev/null 2>&1; then
  echo "ok 2 - the sample loads"
else
  echo "not ok 2 - the sample does not load"
fi
