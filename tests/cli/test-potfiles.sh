#!/bin/sh
# Every src/ .c file with translatable strings (_( N_( NG_( C_() is listed in
# po/POTFILES, and every listed file exists. Prints TAP.
set -u
src=${VIGIA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || { echo "1..0 # SKIP no source dir"; exit 0; }

listed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' po/POTFILES)
users=$(grep -rlE --include='*.c' '(^|[^A-Za-z0-9_])(N?G?_|C_)\(' src | sort)

echo "1..2"
missing=""
for f in $users; do
    printf '%s\n' "$listed" | grep -qxF "$f" || missing="$missing $f"
done
if [ -n "$missing" ]; then
    echo "not ok 1 - translatable files missing from po/POTFILES"
    for f in $missing; do echo "# add $f"; done
    rc=1
else
    echo "ok 1 - po/POTFILES lists every src file with _() strings"
    rc=0
fi
gone=""
for f in $listed; do
    [ -f "$f" ] || gone="$gone $f"
done
if [ -n "$gone" ]; then
    echo "not ok 2 - po/POTFILES names files that do not exist"
    for f in $gone; do echo "# remove $f"; done
    rc=1
else
    echo "ok 2 - every file in po/POTFILES exists"
fi
exit $rc
