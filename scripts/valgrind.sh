#!/bin/sh
# Runs integration tests with the programs under valgrind's memcheck and the tests themselves
# natively: WORK/bin holds one wrapper per program that execs it under valgrind, and the tests
# find them through TCPECHO_BIN (tests/run.sh). Every process writes WORK/logs/PROGRAM.PID.log
# (fork-model children too: valgrind follows fork() by itself). Fails when a test fails, or when
# any log shows an error or a definite or indirect leak.
# Usage: scripts/valgrind.sh BUILD WORK TEST... [-- PER_MODEL_TEST...]   (MODELS picks the models)
set -u
build=$1
work=$2
shift 2
command -v valgrind >/dev/null || {
    echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
}
real=$(cd "$build" && pwd)
rm -rf "$work"
mkdir -p "$work/bin" "$work/logs"
logs=$(cd "$work/logs" && pwd)
for p in echo-server echo-client echo-bench; do
    cat >"$work/bin/$p" <<EOF
#!/bin/sh
exec valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --track-fds=no --trace-children=no \\
    --log-file=$logs/$p.%p.log $real/$p "\$@"
EOF
    chmod +x "$work/bin/$p"
done

start=$(date +%s)
sh tests/run.sh "$work/bin" "$@"
status=$?
secs=$(($(date +%s) - start))

# Every log: no error, no definitely or indirectly lost bytes (a process that freed everything
# prints "All heap blocks were freed" instead). A process killed outright (the test that kills
# the server with SIGKILL) writes no summary: its log must then hold nothing but the header,
# as an error is written when it happens.
bad=0
count=0
killed=0
for log in "$logs"/*.log; do
    [ -e "$log" ] || continue
    count=$((count + 1))
    if grep -q 'ERROR SUMMARY:' "$log"; then
        grep -q 'ERROR SUMMARY: 0 errors' "$log" &&
            ! grep -Eq '(definitely|indirectly) lost: [1-9]' "$log" && continue
    else
        killed=$((killed + 1))
        grep -Ev '^==[0-9]+== ( *|Memcheck, .*|Copyright .*|Using Valgrind.*|Command: .*|Parent PID: .*)$' \
            "$log" | grep -q . || continue
    fi
    echo "valgrind.sh: ${log##*/}:" >&2
    cat "$log" >&2
    bad=$((bad + 1))
done
echo "valgrind: $count processes under memcheck ($killed killed before their summary) in" \
    "${secs} s, $bad with errors or leaks (logs in $work/logs)"
[ "$count" -gt 0 ] || {
    echo "valgrind.sh: no valgrind log written" >&2
    exit 1
}
[ "$status" -eq 0 ] && [ "$bad" -eq 0 ]
