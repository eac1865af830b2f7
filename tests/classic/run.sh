#!/bin/sh
# Golden-output tests of the notes' four programs and the UDP echo pair (classic/): each session
# starts the real server on port 0, runs clients with scripted input, and compares the transcript
# with tests/classic/NAME.expected. Ends with cmocka's summary lines; exits 1 if a session failed.
# Usage: tests/classic/run.sh BUILD   (runs BUILD/classic/*; BUILD defaults to $TCPECHO_BIN)
set -u

build=${1:-${TCPECHO_BIN:-}}
if [ -z "$build" ]; then
    echo "usage: $0 BUILD" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$build/classic" 2>/dev/null && pwd)
for p in hello_server hello_client echo_server echo_client udp_echo_server udp_echo_client; do
    if [ ! -x "$bin/$p" ]; then
        echo "run.sh: no $build/classic/$p: run make first" >&2
        exit 2
    fi
done
# The programs run by name, so their usage lines read "Usage: echo_server <port>" whatever BUILD.
PATH=$bin:$PATH
export PATH

tmp=$(mktemp -d) || exit 2
# send_datagram SIZE IP PORT: sends one datagram of SIZE zero bytes (head writes it in one
# write(), so one datagram), larger than the classic programs send.
cat >"$tmp/send_datagram" <<'END'
#!/bin/bash
head -c "$1" /dev/zero >"/dev/udp/$2/$3"
END
chmod +x "$tmp/send_datagram"
PATH=$tmp:$PATH
pid=  # the session's background server, killed at exit if a session left it running
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
out=$tmp/transcript
port=

# record STDOUT STDERR: adds a program's stdout to the transcript, then its stderr marked line
# by line; output without a final newline gets a visible mark instead.
record() {
    cat "$1" >>"$out"
    if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then
        echo "[no newline at end]" >>"$out"
    fi
    sed 's/^/stderr: /' "$2" >>"$out"
}

# run PROGRAM ARG...: runs a program in the foreground, at most 5 s, stdin from the caller; an
# argument PORT stands for $port. Adds its command line, output and exit status.
run() {
    echo "\$ $*" >>"$out"
    n=$#
    while [ "$n" -gt 0 ]; do
        a=$1
        shift
        if [ "$a" = PORT ]; then
            a=$port
        fi
        set -- "$@" "$a"
        n=$((n - 1))
    done
    timeout -k 1 5 "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    record "$tmp/stdout" "$tmp/stderr"
    echo "[exit $rc]" >>"$out"
}

# wait_line FILE SED_SCRIPT: waits at most 5 s for pid to print the line SED_SCRIPT turns into
# the port number; sets port. Returns 1 if pid exits or the time runs out first.
wait_line() {
    i=0
    while [ "$i" -lt 50 ]; do
        port=$(sed -n "$2" "$1")
        if [ -n "$port" ]; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "run.sh: no port reported in $1" >&2
    return 1
}

# start PROGRAM: starts a classic server on port 0 in the background and learns its port.
start() {
    server="$1 0"
    "$1" 0 >"$tmp/server.out" 2>"$tmp/server.err" &
    pid=$!
    wait_line "$tmp/server.out" 's/^Listening on port \([0-9]*\)$/\1/p'
}

# start_peer NAME: starts socat serving one connection with the shell script on stdin, a
# stand-in for a server that answers in pieces (the classic server never does on loopback).
start_peer() {
    server="$1 (socat running a script)"
    cat >"$tmp/$1.sh"
    socat -d -d TCP-LISTEN:0,bind=127.0.0.1 EXEC:"sh $tmp/$1.sh" \
        >"$tmp/server.out" 2>"$tmp/server.err" &
    pid=$!
    wait_line "$tmp/server.err" 's/.* listening on .*:\([0-9]*\)$/\1/p'
}

# finish HOW: ends the background server, HOW "wait" (it must exit by itself: waited for at most
# 5 s, then killed) or "stop" (killed now). Adds its output, the port shown as PORT.
finish() {
    i=0
    while [ "$1" = wait ] && [ "$i" -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        wait "$pid" 2>/dev/null # no "Terminated" notice
        status="[killed by the test]"
    else
        wait "$pid" 2>/dev/null # no "Terminated" notice
        status="[exit $?]"
    fi
    pid=
    echo "\$ $server &" >>"$out"
    # The UDP server names each datagram's source: the client's port, shown as *.
    sed -e 's/^Listening on port [0-9]*$/Listening on port PORT/' \
        -e 's/^\(Datagram [0-9]* from 127\.0\.0\.1:\)[0-9]*:/\1*:/' "$tmp/server.out" >"$tmp/shown"
    case $server in
    *socat*) : >"$tmp/server.err" ;; # socat's log: times and pids, not for the transcript
    esac
    record "$tmp/shown" "$tmp/server.err"
    echo "$status" >>"$out"
}

session_hello() {
    start hello_server || return 1
    run hello_client 127.0.0.1 PORT </dev/null
    finish wait
}

session_hello_pieces() {
    start_peer slow_hello <<'END' || return 1
printf 'Hello'
sleep 0.2
printf ' World!'
END
    run hello_client 127.0.0.1 PORT </dev/null
    finish wait
}

session_echo() {
    start echo_server || return 1
    printf 'hello\n\na line  with   spaces\n  indented\nQ\n' | run echo_client 127.0.0.1 PORT
    finish stop
}

session_echo_five() {
    start echo_server || return 1
    for n in 1 2 3 4 5; do
        printf 'client %s\nq\n' "$n" | run echo_client 127.0.0.1 PORT
    done
    finish wait
}

session_echo_eof() {
    start echo_server || return 1
    printf 'no q here\nlast line without a newline' | run echo_client 127.0.0.1 PORT
    finish stop
}

# long_line SERVER CLIENT: a line of 3000 bytes, longer than the client's buffer, then a short one.
long_line() {
    start "$1" || return 1
    line=$(printf '%0300d' 0 | sed 's/0/0123456789/g')
    printf '%s\nshort\nq\n' "$line" | run "$2" 127.0.0.1 PORT
    finish stop
}

session_echo_long() {
    long_line echo_server echo_client
}

session_echo_pieces() {
    # Each line goes back as its first byte, then the rest 0.2 s later.
    start_peer slow_echo <<'END' || return 1
while IFS= read -r line; do
    rest=${line#?}
    printf '%s' "${line%"$rest"}"
    sleep 0.2
    printf '%s\n' "$rest"
done
END
    printf 'hello\nin pieces\nq\n' | run echo_client 127.0.0.1 PORT
    finish wait
}

session_usage() {
    run hello_server </dev/null
    run hello_server 7000 extra </dev/null
    run hello_client 127.0.0.1 </dev/null
    run echo_server </dev/null
    run echo_client </dev/null
    run echo_client 127.0.0.1 7000 extra </dev/null
    run udp_echo_server </dev/null
    run udp_echo_client 127.0.0.1 </dev/null
    run udp_echo_client localhost 7000 </dev/null
}

session_udp_echo() {
    start udp_echo_server || return 1
    printf 'hello\n\na line  with   spaces\n  indented\nQ\n' | run udp_echo_client 127.0.0.1 PORT
    printf 'no q here\nlast line without a newline' | run udp_echo_client 127.0.0.1 PORT
    finish stop
}

session_udp_echo_long() {
    # The long line goes in pieces of 1023 bytes, each one datagram.
    long_line udp_echo_server udp_echo_client
}

session_udp_truncated() {
    # A datagram larger than the server's buffer is cut, said, and not echoed; the next is.
    start udp_echo_server || return 1
    run send_datagram 2000 127.0.0.1 PORT
    printf 'after it\nq\n' | run udp_echo_client 127.0.0.1 PORT
    finish stop
}

session_udp_bind_in_use() {
    start udp_echo_server || return 1
    run udp_echo_server PORT </dev/null
    finish stop
}

session_udp_no_server() {
    # A port that was just bound and is free now: every line waits out the client's timeout.
    start udp_echo_server || return 1
    finish stop
    printf 'hello\nanyone?\nq\n' | run udp_echo_client 127.0.0.1 PORT
}

session_bind_in_use() {
    start echo_server || return 1
    run hello_server PORT </dev/null
    run echo_server PORT </dev/null
    finish stop
}

session_connect_refused() {
    # A port that was just listening and is closed now.
    start echo_server || return 1
    finish stop
    run hello_client 127.0.0.1 PORT </dev/null
    run echo_client 127.0.0.1 PORT </dev/null
}

passed=0
failed=
# check NAME TITLE: runs session NAME and compares its transcript with NAME.expected.
check() {
    : >"$out"
    port=
    case $1 in
    *pieces)
        if ! command -v socat >/dev/null; then
            echo "[  SKIPPED ] classic $2 (no socat)"
            return
        fi
        ;;
    esac
    if "session_$1" && diff -u "$here/$1.expected" "$out"; then
        echo "[       OK ] classic $2"
        passed=$((passed + 1))
    else
        echo "[  FAILED  ] classic $2"
        failed="$failed
[  FAILED  ] classic $2"
    fi
    if [ -n "$pid" ]; then # a session that gave up early
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null # no "Terminated" notice
        pid=
    fi
}

check hello "hello"
check hello_pieces "hello, greeting in pieces"
check echo "echo"
check echo_five "echo, five clients then exit"
check echo_eof "echo, end of input"
check echo_long "echo, long line"
check echo_pieces "echo, echo in pieces"
check usage "usage errors"
check bind_in_use "bind to a port in use"
check connect_refused "connect to a closed port"
check udp_echo "UDP echo"
check udp_echo_long "UDP echo, long line"
check udp_truncated "UDP echo, datagram larger than the buffer"
check udp_bind_in_use "UDP bind to a port in use"
check udp_no_server "UDP echo, no server: the client times out"

echo "[  PASSED  ] $passed test(s)."
if [ -n "$failed" ]; then
    nfailed=$(printf '%s\n' "$failed" | grep -c FAILED)
    echo "[  FAILED  ] $nfailed test(s), listed below:$failed"
    exit 1
fi
