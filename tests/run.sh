#!/bin/sh
# Runs test binaries against the programs in BUILD, each under a time limit, and ends with
# one line: "N passed, N failed" (test cases, summed from cmocka's own summaries).
# Usage: tests/run.sh BUILD TEST... [-- PER_MODEL_TEST...]
# Tests after "--" run once per model in $MODELS (TCPECHO_MODEL set for each); when it is
# unset or empty, once per model that BUILD/echo-server --list-models says can run here (it
# says on stderr why it leaves any out).
set -u
build=$1
shift
TCPECHO_BIN=$(cd "$build" && pwd)
export TCPECHO_BIN
if [ -z "${MODELS:-}" ] && [ -x "$TCPECHO_BIN/echo-server" ]; then
    MODELS=$("$TCPECHO_BIN/echo-server" --list-models | paste -sd ' ' -)
fi
# One line, the models apart by spaces: the tests that loop over models themselves
# (test_bench) read it too.
export MODELS
passed=0
failed=0

# run TEST [MODEL]: one binary, its output shown, its counts added.
run() {
    log=$(mktemp)
    # A hung test must not hang the suite: 300 s is far beyond any test's own bounds.
    TCPECHO_MODEL=${2:-} timeout -k 5 300 "$1" >"$log" 2>&1
    rc=$?
    [ -n "${2:-}" ] && echo "== $1 with -m $2"
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        echo "run.sh: $1 ${2:+(-m $2) }exited with status $rc" >&2
        failed=$((failed + 1))
    fi
    rm -f "$log"
}

per_model=0
for t in "$@"; do
    if [ "$t" = "--" ]; then
        per_model=1
    elif [ "$per_model" -eq 1 ]; then
        for m in ${MODELS:-iterative}; do
            run "$t" "$m"
        done
    else
        run "$t"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
