#!/bin/sh
# Benchmarks every echo-server model and the echo servers a user would pick instead (socat,
# ncat, xinetd, Node.js, uvloop, plain libuv and libevent C servers, Go) with echo-bench over loopback, then writes bench/RESULTS.md
# and the SVG charts through bench/report.py. Raw results go to bench/results/.
#
# The server runs pinned to one CPU and the load to another (taskset, when there are two);
# every server is started on 127.0.0.1 afresh for each scenario, and only the processes this
# script started (and their children) are stopped, on exit, error or Ctrl-C.
set -eu

usage() {
	cat <<'EOF'
Usage: sh bench/run.sh [--quick] [--no-install] [--targets 'NAME ...']
Benchmark every echo-server model and the peers (socat, ncat, xinetd, node,
uvloop, libuv, libevent, go) with echo-bench, count each server's system calls and
instructions per message with perf, and write bench/RESULTS.md and
bench/*.svg.

  --quick        a subset (1 and 50 connections of 64 B, bulk over 1
                 connection), 1 s each, one round: under 2 minutes
                 (the full run: 8 scenarios, 5 s each, 3 rounds for the
                 leading targets, 1 for the rest: about 27 minutes)
  --no-install   do not apt-get install missing peers (done only as root)
  --targets L    only these targets, e.g. 'epoll uring socat'
  -h, --help     show this help

Targets: the models 'echo-server --help' lists, then socat ncat xinetd node
uvloop libuv libevent go (bench/peers/; the compiled ones are built by
bench/peers/build.sh). A peer that is not installed and cannot be installed
is skipped with a note in RESULTS.md. iperf3's loopback figure is the bulk
ceiling.
EOF
}

QUICK=0
INSTALL=1
ONLY=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--no-install) INSTALL=0 ;;
	--targets)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		ONLY=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BIN=$ROOT/${BUILD:-build}
SERVER=$BIN/echo-server
BENCH=$BIN/echo-bench
RESULTS=$HERE/results
RUNS=$RESULTS/runs.jsonl
PEERS="socat ncat xinetd node uvloop libuv libevent go"
# The targets measured in every round; the others once (see the rounds below).
ROUND_TARGETS="poll epoll uring xinetd uvloop libuv go"

if [ "$QUICK" = 1 ]; then
	DUR=1 WARM=0.3 IPERF_T=1 IPERF_OMIT=0 BUDGET=105 PERF_RUN=2 PERF_WIN=0.5 ROUNDS=1
	SCENARIOS="c50 lat1 bulk1"
else
	DUR=5 WARM=1 IPERF_T=5 IPERF_OMIT=1 BUDGET=1800 PERF_RUN=3 PERF_WIN=2 ROUNDS=3
	SCENARIOS="c50 lat1 c1000 depth16 kib4 bulk1 bulk10 open50"
fi
# An echo-bench run that outlives its duration by this much is stuck: connecting takes at
# most --timeout 10, and closing is immediate.
SLACK=25

for prog in "$SERVER" "$BENCH"; do
	[ -x "$prog" ] || { echo "bench: $prog: not built (make all)" >&2; exit 1; }
done

SERVER_PID=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcpecho-bench.XXXXXX")
START=$(date +%s)

say() { printf 'bench: %s\n' "$*" >&2; }

# True while process $1 runs (a zombie, exited but not yet waited for, does not count).
alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	[ -n "$st" ]
}

# Stops process $1, which this script started, and then the children it had forked
# (fork-per-connection servers: socat, ncat, xinetd, the fork model); bounded waits.
stop_pid() {
	pid=$1
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while alive "$pid" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$kids" ] || return 0
	for k in $kids; do kill -TERM "$k" 2>/dev/null || true; done
	i=0
	for k in $kids; do
		while alive "$k" && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$k" 2>/dev/null || true
	done
}

cleanup() {
	status=$?
	set +e
	trap - EXIT INT TERM
	if [ -n "$SERVER_PID" ]; then stop_pid "$SERVER_PID"; SERVER_PID=""; fi
	rm -rf "$TMP"
	exit $status
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT
trap 'exit 143' TERM

# Prints a free port on 127.0.0.1: bound to port 0, then released.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Appends one JSON record to the raw results; $1 is its type, the rest "key":value pairs.
record() {
	type=$1
	shift
	line="{\"type\":\"$type\""
	for kv in "$@"; do line="$line,$kv"; done
	printf '%s}\n' "$line" >>"$RUNS"
}

# A JSON string of $1 (backslashes, quotes and control characters dropped or escaped).
jstr() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

elapsed() { echo $(($(date +%s) - START)); }

# The 1, 5 and 15 minute load averages: more than the run's own 2 means other work competed.
loadavg() { cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || true; }

# --- machine and pinning --------------------------------------------------------------
# 1000 connections: the server and the load need the descriptors (dash and bash have -n, -H).
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
CPUS=$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
PIN_SERVER=""
PIN_LOAD=""
# shellcheck disable=SC2086
set -- $CPUS
if [ $# -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	PIN_SERVER="taskset -c $1"
	PIN_LOAD="taskset -c $2"
fi

# --- peers: install what is missing (as root, from Debian), find what is there ---------
uvloop_python() {
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import uvloop' 2>/dev/null; then
			"$py" -c 'import sys; print(sys.executable)'
			return 0
		fi
	done
	return 1
}

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

install_peers() {
	missing=""
	have socat || missing="$missing socat"
	have ncat || missing="$missing ncat"
	have xinetd || missing="$missing xinetd"
	uvloop_python >/dev/null || missing="$missing python3-uvloop"
	have iperf3 || missing="$missing iperf3"
	have node || have nodejs || missing="$missing nodejs"
	have perf || missing="$missing linux-perf"
	[ -n "$missing" ] || return 0
	if [ "$INSTALL" = 0 ] || [ "$(id -u)" != 0 ] || ! have apt-get; then
		say "not installing:$missing (needs root and apt-get)"
		return 0
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! timeout 300 apt-get install -y -q --no-install-recommends $missing \
		>>"$RESULTS/logs/apt.log" 2>&1; then
		timeout 300 apt-get update -q >>"$RESULTS/logs/apt.log" 2>&1 || true
		for p in $missing; do
			timeout 300 apt-get install -y -q --no-install-recommends "$p" \
				>>"$RESULTS/logs/apt.log" 2>&1 || say "could not install $p"
		done
	fi
}

rm -rf "$RESULTS"
mkdir -p "$RESULTS/hist" "$RESULTS/logs"
install_peers

UVPY=$(uvloop_python || true)
# The compiled peers (libuv C, libevent C, Go), built from bench/peers/ into the build dir.
PEER_BIN=$BIN/peers
PEER_VERSIONS=$(sh "$HERE/peers/build.sh" "$PEER_BIN" 2>>"$RESULTS/logs/peers-build.log" || true)
NODE=$(command -v node || command -v nodejs || true)
XINETD=$(command -v xinetd || { [ -x /usr/sbin/xinetd ] && echo /usr/sbin/xinetd; } || true)
MODELS=$("$SERVER" --help | sed -n '/^Models:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')

if [ -n "${MAKELEVEL:-}" ]; then
	if [ "$QUICK" = 1 ]; then CMD="make bench-quick"; else CMD="make bench"; fi
else
	CMD="sh bench/run.sh$([ "$QUICK" = 1 ] && echo ' --quick')"
fi
[ -z "$ONLY" ] || CMD="$CMD --targets '$ONLY'"
record meta "\"mode\":\"$([ "$QUICK" = 1 ] && echo quick || echo full)\"" \
	"\"command\":$(jstr "$CMD")" "\"started\":$START" "\"duration\":$DUR" "\"warmup\":$WARM" \
	"\"server_cpu\":$(jstr "${PIN_SERVER#taskset -c }")" "\"load_cpu\":$(jstr "${PIN_LOAD#taskset -c }")" \
	"\"scenarios\":$(jstr "$SCENARIOS")" "\"rounds\":$ROUNDS" "\"round_targets\":$(jstr "$ROUND_TARGETS")" "\"loadavg\":$(jstr "$(loadavg)")" \
	"\"server_version\":$(jstr "$("$SERVER" -V 2>&1 | head -n 1)")"

# Prints the version of target $1, for RESULTS.md.
version_of() {
	case $1 in
	socat) socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/socat \1/p' | head -n 1 ;;
	ncat) ncat --version 2>&1 | sed -n 's/^Ncat: Version \([^ ]*\).*/ncat \1/p' | head -n 1 ;;
	xinetd) "$XINETD" -version 2>&1 | awk 'NR == 1 { print "xinetd " $1 }' ;;
	node) echo "node $("$NODE" --version 2>/dev/null)" ;;
	libuv | libevent | go) printf '%s\n' "$PEER_VERSIONS" | sed -n "s/^echo-$1 //p" ;;
	uvloop) "$UVPY" -c 'import sys, uvloop; print("uvloop %s, Python %s" % (uvloop.__version__, sys.version.split()[0]))' ;;
	*) echo "echo-server -m $1" ;;
	esac
}

TARGETS=""
for t in $MODELS $PEERS; do
	if [ -n "$ONLY" ]; then
		case " $ONLY " in *" $t "*) ;; *) continue ;; esac
	fi
	why=""
	case $t in
	socat) have socat || why="socat is not installed (Debian package socat)" ;;
	ncat) have ncat || why="ncat is not installed (Debian package ncat)" ;;
	xinetd) [ -n "$XINETD" ] || why="xinetd is not installed (Debian package xinetd)" ;;
	node) [ -n "$NODE" ] || why="node is not installed (Debian package nodejs)" ;;
	uvloop) [ -n "$UVPY" ] || why="uvloop is not importable (Debian package python3-uvloop)" ;;
	libuv | libevent | go)
		[ -x "$PEER_BIN/echo-$t" ] || why="echo-$t did not build (see results/logs/peers-build.log)"
		;;
	esac
	kind=model
	case " $PEERS " in *" $t "*) kind=peer ;; esac
	if [ -n "$why" ]; then
		record skip "\"target\":\"$t\"" "\"kind\":\"$kind\"" "\"reason\":$(jstr "$why")"
		say "skipping $t: $why"
		continue
	fi
	record target "\"target\":\"$t\"" "\"kind\":\"$kind\"" "\"version\":$(jstr "$(version_of "$t")")"
	TARGETS="$TARGETS $t"
done

# --- servers ------------------------------------------------------------------------
# Starts "$@" in the background on the server CPU; its output goes to $LOG, new for each start
# (so an old 'listening on' line is never read) and kept in bench/results/logs/ by stop_target.
launch() {
	# shellcheck disable=SC2086
	$PIN_SERVER "$@" >>"$LOG" 2>&1 &
	SERVER_PID=$!
}

# Prints the port of the 'listening on 127.0.0.1:PORT' line in $LOG, waiting up to 5 s.
listening_port() {
	i=0
	while [ $i -lt 50 ]; do
		p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LOG" | tail -n 1)
		if [ -n "$p" ]; then echo "$p"; return 0; fi
		alive "$SERVER_PID" || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Waits up to about 5 s until the server on $PORT echoes (echo-bench checks every byte).
wait_echo() {
	end=$(($(date +%s) + 5))
	i=0
	while [ $i -lt 25 ] && [ "$(date +%s)" -le $end ]; do
		alive "$SERVER_PID" || return 1
		out=$(timeout 2 "$BENCH" -c 1 -t 0.1 -w 0 --timeout 1 -q --json 127.0.0.1 "$PORT" \
			2>/dev/null) && case $out in *'"msgs":0,'*) ;; *) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Waits up to 5 s until something listens on 127.0.0.1:$PORT, without connecting to it.
wait_listen() {
	i=0
	while [ $i -lt 50 ]; do
		alive "$SERVER_PID" || return 1
		ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q . && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

xinetd_conf() {
	user=""
	[ "$(id -u)" != 0 ] || user="user = root"
	cat >"$TMP/xinetd.conf" <<EOF
# xinetd's built-in echo service only, on a private port (tcpecho's bench/run.sh).
defaults
{
	log_type = FILE $TMP/xinetd.log
	instances = UNLIMITED
	per_source = UNLIMITED
	cps = 1000000 1
}
service echo
{
	type = INTERNAL UNLISTED
	id = echo-stream
	socket_type = stream
	protocol = tcp
	wait = no
	$user
	bind = 127.0.0.1
	port = $PORT
}
EOF
}

# Starts target $1 on 127.0.0.1 and waits until it echoes; sets SERVER_PID and PORT.
start_target() {
	LOG=$TMP/server.log
	KEEP=$RESULTS/logs/$1.log
	: >"$LOG"
	PORT=""
	case $1 in
	socat | ncat | xinetd) PORT=$(free_port) || return 1 ;;
	esac
	case $1 in
	epoll | uring) launch "$SERVER" -m "$1" -t 1 -b 127.0.0.1 -p 0 -q --drain-timeout 1 ;;
	socat) launch socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork,backlog=4096" PIPE ;;
	ncat) launch ncat -l 127.0.0.1 "$PORT" --keep-open --max-conns 2000 --exec /bin/cat ;;
	xinetd)
		xinetd_conf
		launch "$XINETD" -dontfork -f "$TMP/xinetd.conf" -pidfile "$TMP/xinetd.pid"
		;;
	node) launch "$NODE" "$HERE/peers/echo.js" 0 127.0.0.1 ;;
	uvloop) launch "$UVPY" "$HERE/peers/echo_uvloop.py" 0 127.0.0.1 ;;
	libuv | libevent | go) launch "$PEER_BIN/echo-$1" 0 127.0.0.1 ;;
	*) launch "$SERVER" -m "$1" -b 127.0.0.1 -p 0 -q --drain-timeout 1 ;;
	esac
	[ -n "$PORT" ] || PORT=$(listening_port) || return 1
	wait_echo
}

stop_target() {
	[ -z "$SERVER_PID" ] || stop_pid "$SERVER_PID"
	SERVER_PID=""
	{ echo "--- $(date -u +%H:%M:%S) port $PORT"; cat "$LOG"; } >>"$KEEP" 2>/dev/null || true
}

# --- scenarios ----------------------------------------------------------------------
scenario_args() {
	case $1 in
	lat1) echo "-c 1 -s 64" ;;
	c50) echo "-c 50 -s 64" ;;
	c1000) echo "-c 1000 -s 64" ;;
	depth16) echo "-c 50 -s 64 -d 16" ;;
	kib4) echo "-c 1 -s 4096" ;;
	bulk1) echo "--bulk -c 1" ;;
	bulk10) echo "--bulk -c 10" ;;
	open50) echo "-c 50 -s 64 -r" ;; # the rate follows: half this target's c50 msgs/s
	esac
}

# Half the msgs/s target $1 reached in the c50 scenario, or nothing.
open_rate() {
	line=$(grep "\"target\":\"$1\",\"scenario\":\"c50\"" "$RUNS" | grep '"status":"ok"' | tail -n 1)
	printf '%s' "$line" | sed -n 's/.*"msgs_per_s":\([0-9.]*\).*/\1/p' |
		awk '{ r = int($1 / 2); if (r >= 1) print r }'
}

# Runs scenario $2 against target $1 and records the outcome.
run_one() {
	t=$1
	s=$2
	args=$(scenario_args "$s")
	base="\"target\":\"$t\",\"scenario\":\"$s\",\"round\":$ROUND"
	if [ "$(elapsed)" -ge "$BUDGET" ]; then
		record run "$base" '"status":"skipped"' '"note":"time budget spent"'
		return 0
	fi
	if [ "$s" = open50 ]; then
		rate=$(open_rate "$t")
		if [ -z "$rate" ]; then
			record run "$base" '"status":"skipped"' '"note":"no peak from the 50-connection run"'
			return 0
		fi
		args="$args $rate"
	fi
	case " $DEAD " in *" $t "*)
		record run "$base" '"status":"skipped"' '"note":"it did not start or echo before"'
		return 0
		;;
	esac
	hist=""
	case $s in bulk*) ;; *) hist="hist/${t}_$s.txt" ;; esac
	if ! start_target "$t" && ! { stop_target && start_target "$t"; }; then
		stop_target
		DEAD="$DEAD $t" # twice it did not echo: not tried again
		record run "$base" "\"args\":$(jstr "$args")" '"status":"failed"' \
			'"note":"the server did not start or did not echo within 5 s"'
		say "$t $s: the server did not start or did not echo within 5 s"
		return 0
	fi
	set +e
	# shellcheck disable=SC2086
	timeout --foreground -k 5 $((DUR + SLACK)) $PIN_LOAD "$BENCH" $args -t "$DUR" -w "$WARM" \
		-T 1 --timeout 10 -q --json ${hist:+--hist "$RESULTS/$hist"} \
		--server-pid "$SERVER_PID" 127.0.0.1 "$PORT" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	stop_target
	result=$(head -n 1 "$TMP/out")
	case $rc in
	0) status=ok ;;
	1) status=errors ;;
	124 | 137) status=timeout ;;
	*) status=failed ;;
	esac
	case $result in "{"*"}") ;; *) result=null ;; esac
	note=$(tr '\n' ' ' <"$TMP/err" | cut -c 1-300)
	record run "$base" "\"args\":$(jstr "$args")" "\"rc\":$rc" "\"status\":\"$status\"" \
		"\"hist\":$(jstr "$hist")" "\"note\":$(jstr "$note")" "\"result\":$result"
	rate=$(printf '%s' "$result" | sed -n 's/.*"msgs_per_s":\([0-9.]*\),"mb_per_s_out":[0-9.]*,"mb_per_s_in":\([0-9.]*\).*/\1 msgs\/s, \2 MB\/s/p')
	say "[$(elapsed)s] $t $s: $status${rate:+, $rate}"
}

# --- syscalls and instructions per message ----------------------------------------------
# A separate short run per target for the 64 B scenarios (not timed with the figures above):
# echo-bench runs PERF_RUN seconds after 1 s of warm-up, and `perf stat` counts the server's
# system calls (the raw_syscalls:sys_enter tracepoint) and its instructions in user space and
# in the kernel over PERF_WIN seconds in the middle; report.py divides by the messages echoed
# in that window (this run's own msgs/s). Servers that fork per connection are left out: perf
# attached to the parent would not see the children that echo.
PERF_SCENARIOS="c50 c1000 depth16"
run_perf() {
	t=$1
	s=$2
	base="\"target\":\"$t\",\"scenario\":\"$s\""
	start_target "$t" || { stop_target; return 0; }
	# shellcheck disable=SC2086
	timeout --foreground -k 5 $((PERF_RUN + SLACK)) $PIN_LOAD "$BENCH" $(scenario_args "$s") \
		-t "$PERF_RUN" -w 1 -T 1 --timeout 10 -q --json 127.0.0.1 "$PORT" \
		>"$TMP/pout" 2>/dev/null &
	bpid=$!
	sleep 1.5
	perf stat -x, -e raw_syscalls:sys_enter,instructions:u,instructions:k -p "$SERVER_PID" \
		-- sleep "$PERF_WIN" >/dev/null 2>"$TMP/perf" || true
	wait "$bpid" || true
	stop_target
	result=$(head -n 1 "$TMP/pout")
	case $result in "{"*"}") ;; *) return 0 ;; esac
	counts=$(awk -F, '$1 ~ /^[0-9]+$/ { printf "%s\"%s\":%s", sep, $3, $1; sep = "," }' "$TMP/perf")
	[ -n "$counts" ] || return 0
	record perf "$base" "\"seconds\":$PERF_WIN" "\"counts\":{$counts}" "\"result\":$result"
	say "[$(elapsed)s] $t $s: perf counted"
}

# --- iperf3: the loopback ceiling for bulk ---------------------------------------------
run_iperf3() {
	if ! have iperf3; then
		record skip '"target":"iperf3"' '"kind":"ceiling"' '"reason":"iperf3 is not installed (Debian package iperf3)"'
		return 0
	fi
	LOG=$TMP/server.log
	KEEP=$RESULTS/logs/iperf3.log
	: >"$LOG"
	PORT=$(free_port)
	launch iperf3 -s -B 127.0.0.1 -p "$PORT"
	wait_listen || sleep 1 # without ss, a second is plenty
	for mode in oneway bidir; do
		flag=""
		[ $mode = oneway ] || flag=--bidir
		set +e
		# shellcheck disable=SC2086
		timeout --foreground -k 5 $((IPERF_T + SLACK)) $PIN_LOAD iperf3 -c 127.0.0.1 \
			-p "$PORT" -t "$IPERF_T" -O "$IPERF_OMIT" -J $flag \
			>"$RESULTS/iperf3-$mode.json" 2>>"$KEEP"
		rc=$?
		set -e
		record iperf3 "\"mode\":\"$mode\"" "\"rc\":$rc" "\"file\":\"iperf3-$mode.json\"" \
			"\"version\":$(jstr "$(iperf3 --version 2>/dev/null | head -n 1)")"
		say "[$(elapsed)s] iperf3 $mode: rc $rc"
	done
	stop_target
}

DEAD=""
[ -n "$TARGETS" ] || say "no target to run${ONLY:+ among: $ONLY}"
# Rounds, interleaved: every scenario of every target once, then again, so that the machine's
# drift over the run (a shared VM's CPUs) falls on every target alike. report.py shows each
# target's median round. The rounds after the first are for the targets that contend for
# first place (ROUND_TARGETS); the others, clearly behind, run once, to keep the run short.
ROUND=1
while [ "$ROUND" -le "$ROUNDS" ]; do
	for s in $SCENARIOS; do
		for t in $TARGETS; do
			if [ "$ROUND" -gt 1 ]; then
				case " $ROUND_TARGETS " in *" $t "*) ;; *) continue ;; esac
			fi
			run_one "$t" "$s"
		done
	done
	ROUND=$((ROUND + 1))
done
if have perf && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
	for s in $PERF_SCENARIOS; do
		case " $SCENARIOS " in *" $s "*) ;; *) continue ;; esac
		for t in $TARGETS; do
			case " socat ncat xinetd fork iterative $DEAD " in *" $t "*) continue ;; esac
			[ "$(elapsed)" -lt "$BUDGET" ] || break
			run_perf "$t" "$s"
		done
	done
else
	record skip '"target":"perf"' '"kind":"counter"' '"reason":"perf cannot count system calls here (Debian package linux-perf)"'
fi
run_iperf3
record end "\"finished\":$(date +%s)" "\"loadavg\":$(jstr "$(loadavg)")"

python3 "$HERE/report.py" --results "$RESULTS" --out "$HERE"
say "done in $(elapsed)s: bench/RESULTS.md, bench/throughput.svg, bench/latency.svg, bench/bulk.svg"
