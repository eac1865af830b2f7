#!/bin/sh
# Benchmarks every echo-server model and the echo servers a user would pick instead (socat,
# ncat, xinetd, Node.js, uvloop, plain libuv and libevent C servers, Go) with echo-bench over
# loopback, then writes bench/RESULTS.md and the SVG charts through bench/report.py. Raw
# results go to bench/results/.
#
# The server runs pinned to one CPU and the load to another (taskset, when there are two);
# every server is started on 127.0.0.1 afresh for each run, and only the processes this
# script started (and their children) are stopped, on exit, error or Ctrl-C.
#
# Phases: (1) the scenarios in interleaved rounds (round 1 of every scenario and target, then
# round 2, ...: slow drift of a shared machine falls on every target alike; report.py takes
# the median of each figure over the rounds); (2) C100K: as many idle-ish connections as the
# descriptor limit allows, each echoing 64 B once a second; (3) perf: system calls and
# instructions per message, in separate short runs; (4) iperf3, the loopback bulk ceiling.
set -eu

usage() {
	cat <<'EOF'
Usage: sh bench/run.sh [--quick] [--no-install] [--targets 'NAME ...']
                       [--scenarios 'NAME ...']
Benchmark every echo-server model and the peers (socat, ncat, xinetd, node,
uvloop, libuv, libevent, go) with echo-bench, count each server's system calls
and instructions per message with perf, hold C100K connections, and write
bench/RESULTS.md and bench/*.svg.

  --quick        a subset (1 and 50 connections of 64 B, bulk over 1
                 connection, 1 s each; c100k with 1000 connections; one
                 round): about 2.5 minutes
                 (the full run: 8 scenarios, 5 s each, median of 3 rounds
                 for the event loops, 1 round for the others, then c100k
                 and perf: about 31 minutes, never more than about 35)
  --no-install   do not apt-get install missing peers (done only as root)
  --targets L    only these targets, e.g. 'epoll uring socat'
  --scenarios L  only these scenarios, e.g. 'c50 c100k'
  -h, --help     show this help

Scenarios: lat1 (1 connection, 64 B), c50, c1000 (50 and 1000 connections,
64 B), depth16 (50 connections, 16 messages in flight on each), kib4 (1
connection, 4 KiB), bulk1, bulk10 (streaming over 1 and 10 connections),
open50 (50 connections at half the target's own c50 peak), c100k (N
connections each echoing 64 B once a second, N = 100000 or what the
descriptor hard limit allows, less 1000).

Targets: the models 'echo-server --help' lists, then socat ncat xinetd node
uvloop libuv libevent go (bench/peers/; the compiled ones are built by
bench/peers/build.sh). A peer that is not installed and cannot be installed
is skipped with a note in RESULTS.md. iperf3's loopback figure is the bulk
ceiling.

Environment (for development runs; the defaults are the documented run):
  BENCH_DUR=S       seconds measured per run [5; quick 1]
  BENCH_ROUNDS=N    rounds of the event-loop targets [3; quick 1]
  BENCH_BUDGET=S    stop starting runs after S seconds [2040; quick 180]
  BENCH_C100K_N=N   c100k connections, at most the descriptor cap [100000;
                    quick 1000]
  BUILD=DIR         the build directory, relative to the source tree or
                    absolute [build]
EOF
}

QUICK=0
INSTALL=1
ONLY=""
ONLY_SCENARIOS=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--no-install) INSTALL=0 ;;
	--targets | --scenarios)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		if [ "$1" = --targets ]; then ONLY=$2; else ONLY_SCENARIOS=$2; fi
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
case ${BUILD:-build} in
/*) BIN=$BUILD ;;
*) BIN=$ROOT/${BUILD:-build} ;;
esac
SERVER=$BIN/echo-server
BENCH=$BIN/echo-bench
RESULTS=$HERE/results
RUNS=$RESULTS/runs.jsonl
PEERS="socat ncat xinetd node uvloop libuv libevent go"
# Measured in every round: the targets that contend for first place somewhere (the event
# loops, and xinetd, whose one process per connection has the lowest 1-connection latency).
# The others (iterative, fork, thread, socat, ncat, Node.js: a process or a thread per
# connection, or far behind under load) run in the first round only, to keep the run short.
ROUND_TARGETS="poll epoll uring xinetd uvloop libuv libevent go"
# Servers that fork a process per connection: neither --server-pid nor perf attached to the
# parent sees the children that echo.
FORKING="fork socat ncat xinetd"
# The targets that can hold C100K connections in one process.
C100K_TARGETS="thread poll epoll uring node uvloop libuv libevent go"
ALL_SCENARIOS="c50 lat1 c1000 depth16 kib4 bulk1 bulk10 open50 c100k"

is_num() { case $1 in '' | *[!0-9]*) return 1 ;; esac }
knob() { # knob NAME DEFAULT: $NAME when it is a positive whole number, else DEFAULT
	eval "v=\${$1:-}"
	# shellcheck disable=SC2154
	if is_num "$v" && [ "$v" -gt 0 ]; then echo "$v"; else echo "$2"; fi
}

# C100K: each echo once a second, opened at CONNECT_RATE a second, measured for C100K_T s
# after C100K_WARM s.
C100K_WANT=100000
C100K_MARGIN=1000
C100K_RATE=20000
if [ "$QUICK" = 1 ]; then
	DUR=1 WARM=0.3 IPERF_T=1 IPERF_OMIT=0 BUDGET=180 PERF_RUN=2 ROUNDS=1
	C100K_T=2 C100K_WARM=1 C100K_DEFAULT=1000
	SCENARIOS="c50 lat1 bulk1 c100k"
else
	DUR=5 WARM=1 IPERF_T=5 IPERF_OMIT=1 BUDGET=2040 PERF_RUN=3 ROUNDS=3
	C100K_T=10 C100K_WARM=2 C100K_DEFAULT=$C100K_WANT
	SCENARIOS="c50 lat1 c1000 depth16 kib4 bulk1 bulk10 open50 c100k"
fi
DUR=$(knob BENCH_DUR "$DUR")
ROUNDS=$(knob BENCH_ROUNDS "$ROUNDS")
BUDGET=$(knob BENCH_BUDGET "$BUDGET")
if [ -n "$ONLY_SCENARIOS" ]; then
	for s in $ONLY_SCENARIOS; do
		case " $ALL_SCENARIOS " in *" $s "*) ;; *) echo "bench: $s: no such scenario ($ALL_SCENARIOS)" >&2; exit 2 ;; esac
	done
	SCENARIOS=$ONLY_SCENARIOS
fi
# The perf runs: echo-bench measures PERF_RUN s after 1 s of warm-up; perf counts from
# PERF_LEAD s after the warm-up ends for PERF_WIN s, inside the measured window.
PERF_LEAD=0.1
PERF_WIN=$(awk -v r="$PERF_RUN" 'BEGIN { printf "%.1f", r - 0.3 }')
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

# The 1, 5 and 15 minute load averages before the run: above 0 means other work was running.
# (After it they count the forking servers' own processes: 1000 at 1000 connections.)
loadavg() { cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || true; }

# "STEAL TOTAL": jiffies all CPUs lost to the hypervisor (other guests ran on them) and all
# jiffies, from /proc/stat; steal_pct A B: the share stolen between two such readings. On a
# VM this is the one disturbance the pinning cannot keep out, so each run records it.
cpu_jiffies() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i; print $9, t; exit }' /proc/stat 2>/dev/null || true; }
steal_pct() {
	# shellcheck disable=SC2086 # two readings of two numbers each
	set -- $1 $2
	if [ $# -eq 4 ]; then
		awk -v s="$(($3 - $1))" -v t="$(($4 - $2))" \
			'BEGIN { printf "%.2f", (t > 0 ? 100 * s / t : 0) }'
	fi
}

# --- machine and pinning --------------------------------------------------------------
# 1000 connections: the server and the load need the descriptors (dash and bash have -n, -H).
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# C100K: as many connections as both the server and echo-bench can open under the hard limit
# on descriptors (each holds one per connection, plus its own few: the margin).
# shellcheck disable=SC3045
HARD_NOFILE=$(ulimit -Hn)
if is_num "$HARD_NOFILE"; then
	C100K_N=$((HARD_NOFILE - C100K_MARGIN))
	[ "$C100K_N" -le "$C100K_WANT" ] || C100K_N=$C100K_WANT
else
	C100K_N=$C100K_WANT # unlimited
fi
C100K_ASKED=$(knob BENCH_C100K_N "$C100K_DEFAULT")
[ "$C100K_ASKED" -ge "$C100K_N" ] || C100K_N=$C100K_ASKED
[ "$C100K_N" -ge 1 ] || C100K_N=1
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
	CMD="sh bench/run.sh"
	[ "$QUICK" = 0 ] || CMD="$CMD --quick"
fi
[ -z "$ONLY" ] || CMD="$CMD --targets '$ONLY'"
[ -z "$ONLY_SCENARIOS" ] || CMD="$CMD --scenarios '$ONLY_SCENARIOS'"
for k in BENCH_DUR BENCH_ROUNDS BENCH_BUDGET BENCH_C100K_N; do
	eval "v=\${$k:-}"
	[ -z "$v" ] || CMD="$k=$v $CMD"
done
C100K_JSON="\"wanted\":$C100K_WANT,\"n\":$C100K_N,\"hard_limit\":$(jstr "$HARD_NOFILE")"
C100K_JSON="$C100K_JSON,\"margin\":$C100K_MARGIN,\"asked\":$C100K_ASKED,\"seconds\":$C100K_T"
C100K_JSON="$C100K_JSON,\"warmup\":$C100K_WARM,\"connect_rate\":$C100K_RATE"
C100K_JSON="$C100K_JSON,\"targets\":$(jstr "$C100K_TARGETS")"
record meta "\"mode\":\"$([ "$QUICK" = 1 ] && echo quick || echo full)\"" \
	"\"command\":$(jstr "$CMD")" "\"started\":$START" "\"duration\":$DUR" "\"warmup\":$WARM" \
	"\"server_cpu\":$(jstr "${PIN_SERVER#taskset -c }")" "\"load_cpu\":$(jstr "${PIN_LOAD#taskset -c }")" \
	"\"scenarios\":$(jstr "$SCENARIOS")" "\"rounds\":$ROUNDS" "\"round_targets\":$(jstr "$ROUND_TARGETS")" \
	"\"forking\":$(jstr "$FORKING")" "\"budget\":$BUDGET" "\"loadavg\":$(jstr "$(loadavg)")" \
	"\"perf_run\":$PERF_RUN" "\"perf_window\":$PERF_WIN" \
	"\"c100k\":{$C100K_JSON}" "\"jiffies\":$(jstr "$(cpu_jiffies)")" \
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
	c100k) echo "-c $C100K_N -r $C100K_N -s 64 --connect-rate $C100K_RATE" ;;
	esac
}

# Half the msgs/s target $1 reached in the c50 scenario, or nothing.
open_rate() {
	line=$(grep "\"target\":\"$1\",\"scenario\":\"c50\"" "$RUNS" | grep '"status":"ok"' | tail -n 1)
	printf '%s' "$line" | sed -n 's/.*"msgs_per_s":\([0-9.]*\).*/\1/p' |
		awk '{ r = int($1 / 2); if (r >= 1) print r }'
}

# The server's VmRSS or VmHWM ($1) in KiB from /proc, or null.
status_kib() {
	v=$(awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true)
	if is_num "$v"; then echo "$v"; else echo null; fi
}

# Runs scenario $2 against target $1 and records the outcome.
run_one() {
	t=$1
	s=$2
	args=$(scenario_args "$s")
	base="\"target\":\"$t\",\"scenario\":\"$s\",\"round\":$ROUND"
	if [ "$(elapsed)" -ge "$DEADLINE" ]; then
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
	case $s in bulk*) ;; *) hist="hist/${t}_${s}_r$ROUND.txt" ;; esac
	if ! start_target "$t" && ! { stop_target && start_target "$t"; }; then
		stop_target
		DEAD="$DEAD $t" # twice it did not echo: not tried again
		record run "$base" "\"args\":$(jstr "$args")" '"status":"failed"' \
			'"note":"the server did not start or did not echo within 5 s"'
		say "$t $s: the server did not start or did not echo within 5 s"
		return 0
	fi
	dur=$DUR warm=$WARM limit=$((DUR + SLACK)) extra=""
	if [ "$s" = c100k ]; then
		dur=$C100K_T warm=$C100K_WARM
		limit=$((C100K_T + C100K_WARM + C100K_N / C100K_RATE + 2 * SLACK))
		# shellcheck disable=SC2089 # JSON, printed as it is
		extra="\"server_status_kib\":{\"rss_start\":$(status_kib VmRSS)"
	fi
	j0=$(cpu_jiffies)
	set +e
	# shellcheck disable=SC2086
	timeout --foreground -k 5 "$limit" $PIN_LOAD "$BENCH" $args -t "$dur" -w "$warm" \
		-T 1 --timeout 10 -q --json ${hist:+--hist "$RESULTS/$hist"} \
		--server-pid "$SERVER_PID" 127.0.0.1 "$PORT" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	steal=$(steal_pct "$j0" "$(cpu_jiffies)")
	[ -z "$extra" ] || extra="$extra,\"hwm_end\":$(status_kib VmHWM)}"
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
	# shellcheck disable=SC2090
	record run "$base" "\"args\":$(jstr "$args")" "\"rc\":$rc" "\"status\":\"$status\"" \
		"\"hist\":$(jstr "$hist")" "\"note\":$(jstr "$note")" ${extra:+"$extra"} \
		${steal:+"\"steal_pct\":$steal"} "\"result\":$result"
	rate=$(printf '%s' "$result" | sed -n 's/.*"msgs_per_s":\([0-9.]*\),"mb_per_s_out":[0-9.]*,"mb_per_s_in":\([0-9.]*\).*/\1 msgs\/s, \2 MB\/s/p')
	say "[$(elapsed)s] $t $s: $status${rate:+, $rate}"
}

# --- syscalls and instructions per message ----------------------------------------------
# A separate short run per target and 64 B scenario (not timed with the figures above):
# echo-bench measures PERF_RUN s after 1 s of warm-up, and `perf stat -p SERVER` counts the
# server's system calls (the raw_syscalls:sys_enter tracepoint) and its instructions, in user
# space and in the kernel, from PERF_LEAD s after the warm-up ends, for PERF_WIN s: inside the
# measured window. The window's own start and end are taken by perf's workload (`date`, run
# once the counters are on) and recorded beside when echo-bench was started; report.py divides
# by the messages echoed in the window (the run's msgs/s times the window) and flags a window
# that strayed out of the measured one. Every thread the server has when perf attaches is
# counted (all connections are up by then). Servers that fork per connection are left out:
# perf attached to the parent would not see the children that echo.
PERF_SCENARIOS="c50 c1000 depth16"
PERF_EVENTS="raw_syscalls:sys_enter,instructions:u,instructions:k"

now() { date +%s.%N; }

run_perf() {
	t=$1
	s=$2
	base="\"target\":\"$t\",\"scenario\":\"$s\""
	if ! start_target "$t"; then
		stop_target
		record perf "$base" '"status":"failed"' '"note":"the server did not start or did not echo"'
		return 0
	fi
	t0=$(now)
	pargs=$(scenario_args "$s")
	# shellcheck disable=SC2086
	timeout --foreground -k 5 $((PERF_RUN + SLACK)) $PIN_LOAD "$BENCH" $pargs \
		-t "$PERF_RUN" -w 1 -T 1 --timeout 10 -q --json 127.0.0.1 "$PORT" \
		>"$TMP/pout" 2>/dev/null &
	bpid=$!
	sleep "$(awk -v t0="$t0" -v now="$(now)" -v lead="$PERF_LEAD" \
		'BEGIN { d = t0 + 1 + lead - now; printf "%.3f", (d > 0 ? d : 0) }')"
	# shellcheck disable=SC2016
	perf stat -x, -e "$PERF_EVENTS" -p "$SERVER_PID" -- \
		sh -c 'date +%s.%N; sleep "$1"; date +%s.%N' sh "$PERF_WIN" >"$TMP/pwin" 2>"$TMP/perf" || true
	wait "$bpid" || true
	stop_target
	result=$(head -n 1 "$TMP/pout")
	case $result in "{"*"}") ;; *) result=null ;; esac
	counts=$(awk -F, '$1 ~ /^[0-9]+$/ { printf "%s\"%s\":%s", sep, $3, $1; sep = "," }' "$TMP/perf")
	window=$(awk -v t0="$t0" 'NR <= 2 { w[NR] = $1 - t0 } END { if (NR >= 2) printf "%.3f,%.3f", w[1], w[2] }' "$TMP/pwin")
	if [ -z "$counts" ] || [ -z "$window" ] || [ "$result" = null ]; then
		note=$(tr '\n' ' ' <"$TMP/perf" | cut -c 1-200)
		record perf "$base" '"status":"failed"' "\"note\":$(jstr "perf or echo-bench gave nothing: $note")"
		say "[$(elapsed)s] $t $s: perf: nothing counted"
		return 0
	fi
	record perf "$base" '"status":"ok"' "\"window\":[$window]" \
		"\"seconds\":$(echo "$window" | awk -F, '{ printf "%.3f", $2 - $1 }')" \
		"\"counts\":{$counts}" "\"result\":$result"
	say "[$(elapsed)s] $t $s: perf counted over [$window] s"
}

# --- C100K ------------------------------------------------------------------------------
# Once per target that can hold that many connections in one process: C100K_N connections
# opened at C100K_RATE a second, each echoing 64 B once a second (open loop, every byte
# checked), measured for C100K_T s after C100K_WARM s; echo-bench reads the server's RSS
# before, with every connection up and idle, and at the end.
run_c100k() {
	for t in $TARGETS; do
		case " $C100K_TARGETS " in *" $t "*) ;; *) continue ;; esac
		ROUND=1
		run_one "$t" c100k
	done
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

# --- the plan: how long each phase should take, and the time budget -----------------------
# A run costs its warm-up and duration plus about 0.6 s to start, check and stop the server.
# The phases after the rounds (c100k, perf, iperf3) have their time reserved: the rounds stop
# starting runs at BUDGET less that reserve, the later phases at BUDGET. Runs not started for
# want of time are recorded as skipped, and the report says so.
# shellcheck disable=SC2086
count() { set -f; set -- $1; set +f; echo $#; }
inter() { # the words of $1 that are in $2
	for w in $1; do case " $2 " in *" $w "*) printf '%s ' "$w" ;; esac; done
}
minus() { # the words of $1 that are not in $2
	for w in $1; do case " $2 " in *" $w "*) ;; *) printf '%s ' "$w" ;; esac; done
}
MAIN_SCENARIOS=$(minus "$SCENARIOS" c100k)
PERF_TARGETS=$(minus "$TARGETS" "$FORKING")
HAVE_PERF=0
if have perf && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then HAVE_PERF=1; fi
n_runs=$(($(count "$MAIN_SCENARIOS") * ($(count "$TARGETS") + (ROUNDS - 1) * $(count "$(inter "$TARGETS" "$ROUND_TARGETS")"))))
n_perf=0
[ "$HAVE_PERF" = 0 ] || n_perf=$(($(count "$(inter "$PERF_SCENARIOS" "$SCENARIOS")") * $(count "$PERF_TARGETS")))
n_c100k=0
case " $SCENARIOS " in *" c100k "*) n_c100k=$(count "$(inter "$TARGETS" "$C100K_TARGETS")") ;; esac
PLAN=$(awk -v runs="$n_runs" -v dur="$DUR" -v warm="$WARM" -v perf="$n_perf" -v prun="$PERF_RUN" \
	-v c="$n_c100k" -v ct="$C100K_T" -v cw="$C100K_WARM" -v cn="$C100K_N" -v cr="$C100K_RATE" \
	-v it="$IPERF_T" -v setup="$(elapsed)" 'BEGIN {
		main = runs * (dur + warm + 0.6); p = perf * (prun + 1.6); k = c * (ct + cw + cn / cr + 3)
		i = 2 * (it + 1) + 1
		printf "%d %d %d %d %d", main, p, k, i, setup + main + p + k + i + 3 }')
set -f
# shellcheck disable=SC2086
set -- $PLAN
set +f
RESERVE=$(($2 + $3 + $4))
MAIN_DEADLINE=$((BUDGET - RESERVE))
record plan "\"runs\":$n_runs" "\"perf_runs\":$n_perf" "\"c100k_runs\":$n_c100k" \
	"\"main_s\":$1" "\"perf_s\":$2" "\"c100k_s\":$3" "\"iperf3_s\":$4" "\"estimate_s\":$5" \
	"\"budget_s\":$BUDGET" "\"main_deadline_s\":$MAIN_DEADLINE"
say "plan: $n_runs runs (~$1 s), c100k $n_c100k (~$3 s), perf $n_perf (~$2 s), iperf3 (~$4 s): about $5 s in all; budget $BUDGET s"

# --- (1) rounds, interleaved ----------------------------------------------------------------
# Every scenario of every target once, then again, so that the machine's drift over the run (a
# shared VM's CPUs) falls on every target alike; report.py takes each figure's median over the
# rounds. The rounds after the first are for the targets that contend for first place
# (ROUND_TARGETS); the others, clearly behind, run once, to keep the run short.
DEADLINE=$MAIN_DEADLINE
ROUND=1
while [ "$ROUND" -le "$ROUNDS" ]; do
	for s in $MAIN_SCENARIOS; do
		for t in $TARGETS; do
			if [ "$ROUND" -gt 1 ]; then
				case " $ROUND_TARGETS " in *" $t "*) ;; *) continue ;; esac
			fi
			run_one "$t" "$s"
		done
	done
	ROUND=$((ROUND + 1))
done

# --- (2) C100K --------------------------------------------------------------------------------
DEADLINE=$BUDGET
case " $SCENARIOS " in *" c100k "*) run_c100k ;; esac

# --- (3) perf ---------------------------------------------------------------------------------
if [ "$HAVE_PERF" = 1 ]; then
	for s in $(inter "$PERF_SCENARIOS" "$SCENARIOS"); do
		for t in $PERF_TARGETS; do
			case " $DEAD " in *" $t "*) continue ;; esac
			if [ "$(elapsed)" -ge "$BUDGET" ]; then
				record perf "\"target\":\"$t\",\"scenario\":\"$s\"" '"status":"skipped"' '"note":"time budget spent"'
				continue
			fi
			run_perf "$t" "$s"
		done
	done
elif [ -n "$(inter "$PERF_SCENARIOS" "$SCENARIOS")" ]; then
	record skip '"target":"perf"' '"kind":"counter"' '"reason":"perf cannot count system calls here (Debian package linux-perf)"'
fi

# --- (4) iperf3 -------------------------------------------------------------------------------
run_iperf3
record end "\"finished\":$(date +%s)" "\"loadavg\":$(jstr "$(loadavg)")" \
	"\"jiffies\":$(jstr "$(cpu_jiffies)")"

python3 "$HERE/report" --results "$RESULTS" --out "$HERE"
say "done in $(elapsed)s: bench/RESULTS.md, bench/throughput.svg, bench/latency.svg, bench/bulk.svg"
