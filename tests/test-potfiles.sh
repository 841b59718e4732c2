#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# po/POTFILES must list exactly the source files that mark strings for
# translation, and xgettext must accept them all.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
echo "1..2"
marked=$(grep -lE '(^|[^A-Za-z0-9_])N?_ ?\(' src/*.c | sort)
listed=$(grep -v '^#' po/POTFILES | sed '/^$/d' | sort)
if [ "$marked" = "$listed" ]; then
  echo "ok 1 - po/POTFILES lists every file with marked strings"
else
  echo "not ok 1 - po/POTFILES differs from the files with marked strings"
  printf '%s\n' "$marked" > /tmp/mtp-marked.$$; printf '%s\n' "$listed" > /tmp/mtp-listed.$$
  diff /tmp/mtp-listed.$$ /tmp/mtp-marked.$$ | sed 's/^/# /'
  rm -f /tmp/mtp-marked.$$ /tmp/mtp-listed.$$
fi
tmp=$(mktemp)
# shellcheck disable=SC2086
if xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --language=C -o "$tmp" $listed 2>&1 &&
  [ "$(grep -c '^msgid ' "$tmp")" -gt 50 ]; then
  echo "ok 2 - xgettext extracts the messages ($(grep -c '^msgid ' "$tmp") msgids)"
else
  echo "not ok 2 - xgettext failed or found too few messages"
fi
rm -f "$tmp"
