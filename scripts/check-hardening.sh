#!/bin/sh
# Checks that each program given was built hardened, as the Makefile asks by default: a
# position-independent executable (ELF type DYN, PIE in FLAGS_1), full RELRO (a GNU_RELRO segment
# and BIND_NOW), a stack that is not executable, stack canaries (__stack_chk_fail) and glibc's
# fortified calls (at least one __*_chk besides it). Prints one line per program; exits 1 if any
# property is missing. Usage: scripts/check-hardening.sh PROGRAM...
set -u
status=0

# check PROGRAM: one line, "ok" or what is missing.
check() {
    missing=
    header=$(readelf -h "$1") || return 1
    dynamic=$(readelf -d "$1")
    segments=$(readelf -lW "$1")
    symbols=$(nm -D "$1")
    echo "$header" | grep -q 'Type: *DYN' || missing="$missing PIE(type)"
    echo "$dynamic" | grep -q 'FLAGS_1.*PIE' || missing="$missing PIE(flags)"
    echo "$dynamic" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW' || missing="$missing BIND_NOW"
    echo "$segments" | grep -q 'GNU_RELRO' || missing="$missing RELRO"
    echo "$segments" | grep 'GNU_STACK' | grep -q 'RWE' && missing="$missing NX-stack"
    echo "$symbols" | grep -q ' __stack_chk_fail' || missing="$missing stack-protector"
    fortified=$(echo "$symbols" | grep -o ' __[a-z_]*_chk\b' | grep -vc '__stack_chk')
    [ "$fortified" -gt 0 ] || missing="$missing FORTIFY"
    if [ -n "$missing" ]; then
        echo "check-hardening: $1: missing:$missing" >&2
        return 1
    fi
    echo "check-hardening: $1: PIE, full RELRO, NX stack, canaries, $fortified fortified calls"
}

[ $# -gt 0 ] || {
    echo "usage: $0 PROGRAM..." >&2
    exit 2
}
for p in "$@"; do
    check "$p" || status=1
done
exit $status
