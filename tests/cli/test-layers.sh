#!/bin/sh
# Layering check (DESIGN.md): libraries are called only from their own layer.
#   <curses.h>/<ncurses*.h>   only in src/tui/
#   sqlite3_*                 only in src/store/ and src/relay/
#   curl_*                    only in src/sync/ and src/send/ (through src/net/, which
#                             loads libcurl on first use: share/doc/layers.md)
#   "vigia/net.h"             only in src/net/, src/sync/ and src/send/
#   <unicode/*.h> (ICU)       only in src/text/ (loaded on first use there)
#   dlopen                    only in src/net/ (libcurl) and src/text/ (ICU)
#   yaml_parser_*/yaml_event_ only in src/config/
# Prints TAP; fails naming each offending file:line.
set -u
src=${VIGIA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || { echo "1..0 # SKIP no source dir"; exit 0; }

n=0
fail=0

# check NAME REGEX ALLOWED_DIR...
check() {
    name=$1 re=$2
    shift 2
    n=$((n + 1))
    hits=$(grep -rnE --include='*.c' --include='*.h' "$re" src include 2>/dev/null |
        while IFS= read -r line; do
            f=${line%%:*}
            ok=0
            for d in "$@"; do
                case "$f" in "$d"/*) ok=1 ;; esac
            done
            [ $ok -eq 0 ] && printf '%s\n' "$line"
        done)
    if [ -n "$hits" ]; then
        echo "not ok $n - $name"
        printf '%s\n' "$hits" | sed 's/^/# /'
        fail=1
    else
        echo "ok $n - $name"
    fi
}

echo "1..7"
check "curses only in src/tui" '#[[:space:]]*include[[:space:]]*[<"](n?curses(w)?/)?n?curses[a-z_]*\.h[>"]' src/tui
check "sqlite3 only in src/store and src/relay" '(^|[^A-Za-z0-9_])sqlite3_[a-z_0-9]+[[:space:]]*\(' src/store src/relay
check "curl only in src/sync and src/send" '(^|[^A-Za-z0-9_])curl_[a-z_0-9]+[[:space:]]*\(' src/sync src/send
check "vigia/net.h only in src/net, src/sync and src/send" '#[[:space:]]*include[[:space:]]*"vigia/net\.h"' src/net src/sync src/send
check "ICU headers only in src/text" '#[[:space:]]*include[[:space:]]*<unicode/' src/text
check "dlopen only in src/net and src/text" '(^|[^A-Za-z0-9_])dlopen[[:space:]]*\(' src/net src/text
check "yaml parser only in src/config" '(^|[^A-Za-z0-9_])yaml_(parser|event)_[a-z_0-9]*' src/config
exit $fail
