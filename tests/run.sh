#!/bin/sh
# Runs test binaries against the programs in BUILD, each under a time limit, and ends with
# one line: "N passed, N failed" (test cases, summed from cmocka's own summaries).
# Usage: tests/run.sh BUILD TEST...
set -u
build=$1
shift
TCPECHO_BIN=$(cd "$build" && pwd)
export TCPECHO_BIN
passed=0
failed=0
for t in "$@"; do
    log=$(mktemp)
    # A hung test must not hang the suite: 300 s is far beyond any test's own bounds.
    timeout -k 5 300 "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        echo "run.sh: $t exited with status $rc" >&2
        failed=$((failed + 1))
    fi
    rm -f "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
