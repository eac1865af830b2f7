#!/bin/sh
# Benchmarks every echo-server model and the echo servers a user would pick instead (socat,
# ncat, xinetd, Node.js, uvloop, plain libuv and libevent C servers, Go) with echo-bench over
# loopback, over TCP and over UDP (the UDP peers: xinetd's echo-dgram, socat UDP-RECVFROM,
# libuv C, Go and Node.js UDP echoes), then writes bench/RESULTS.md and the SVG charts
# through bench/report/. Raw results go to bench/results/. This is the driver: the jobs are in
# bench/lib/ (targets and peers, servers, scenarios, perf, iperf3, the plan, the machine, the
# raw records).
#
# The server runs pinned to one CPU and the load to another (taskset, when there are two);
# every server is started on 127.0.0.1 afresh for each run, and only the processes this
# script started (and their children) are stopped, on exit, error or Ctrl-C.
#
# Phases: (1) the scenarios in interleaved rounds (round 1 of every scenario and target, then
# round 2, ...: slow drift of a shared machine falls on every target alike; the report takes
# the median of each figure over the rounds); (2) C100K: as many idle-ish connections as the
# descriptor limit allows, each echoing 64 B once a second; (3) perf: system calls and
# instructions per message, in separate short runs; (4) iperf3, the loopback bulk ceiling.
set -eu

usage() {
	cat <<'EOF'
Usage: sh bench/run.sh [--quick] [--no-install] [--targets 'NAME ...']
                       [--scenarios 'NAME ...']
Benchmark every echo-server model and the peers (socat, ncat, xinetd, node,
uvloop, libuv, libevent, go) with echo-bench over TCP and UDP, count each
server's system calls and instructions per message with perf, hold C100K
connections, and write bench/RESULTS.md and bench/*.svg.

  --quick        a subset (1 and 50 connections of 64 B, bulk over 1
                 connection, 1 and 50 UDP flows of 64 B, 1 s each; c100k
                 with 1000 connections; one round): about 3.5 minutes
                 (the full run: 8 TCP and 5 UDP scenarios, 5 s each, median
                 of 3 rounds for the event loops, 1 round for the others,
                 then c100k and perf: about 46 minutes, never more than
                 about 49)
  --no-install   do not apt-get install missing peers (done only as root)
  --targets L    only these targets, e.g. 'epoll uring socat'
  --scenarios L  only these scenarios, e.g. 'c50 c100k'
  -h, --help     show this help

Scenarios: lat1 (1 connection, 64 B), c50, c1000 (50 and 1000 connections,
64 B), depth16 (50 connections, 16 messages in flight on each), kib4 (1
connection, 4 KiB), bulk1, bulk10 (streaming over 1 and 10 connections),
open50 (50 connections at half the target's own c50 peak), c100k (N
connections each echoing 64 B once a second, N = 100000 or what the
descriptor hard limit allows, less 1000). Over UDP (echo-bench -u, one
connected socket per flow): udp_lat1 (1 flow, 64 B), udp_c50 (50 flows, 64 B),
udp_depth16 (50 flows, 16 datagrams in flight on each), udp_open (50 flows at
half the target's own udp_c50 rate: loss and p99), udp_1472 (1 flow, 1472 B).

Targets: the models 'echo-server --list-models' lists, then socat ncat xinetd node
uvloop libuv libevent go (bench/peers/; the compiled ones are built by
bench/peers/build.sh). Over UDP: the models (with -u --rate-limit 0
--rate-limit-total 0: the per-source limit off), then xinetd (internal
echo-dgram), socat (UDP-RECVFROM,fork PIPE), libuv, go and node. A peer that is not installed and cannot be installed
is skipped with a note in RESULTS.md. iperf3's loopback figure is the bulk
ceiling.

Environment (for development runs; the defaults are the documented run):
  BENCH_DUR=S       seconds measured per run [5; quick 1]
  BENCH_ROUNDS=N    rounds of the event-loop targets [3; quick 1]
  BENCH_BUDGET=S    stop starting runs after S seconds [2940; quick 240]
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
# The jobs, one file each (shellcheck -x follows them from here).
# shellcheck source=SCRIPTDIR/lib/util.sh
. "$HERE/lib/util.sh"
# shellcheck source=SCRIPTDIR/lib/record.sh
. "$HERE/lib/record.sh"
# shellcheck source=SCRIPTDIR/lib/machine.sh
. "$HERE/lib/machine.sh"
# shellcheck source=SCRIPTDIR/lib/peers.sh
. "$HERE/lib/peers.sh"
# shellcheck source=SCRIPTDIR/lib/targets.sh
. "$HERE/lib/targets.sh"
# shellcheck source=SCRIPTDIR/lib/servers.sh
. "$HERE/lib/servers.sh"
# shellcheck source=SCRIPTDIR/lib/scenarios.sh
. "$HERE/lib/scenarios.sh"
# shellcheck source=SCRIPTDIR/lib/perf.sh
. "$HERE/lib/perf.sh"
# shellcheck source=SCRIPTDIR/lib/iperf3.sh
. "$HERE/lib/iperf3.sh"
# shellcheck source=SCRIPTDIR/lib/plan.sh
. "$HERE/lib/plan.sh"
ALL_SCENARIOS="c50 lat1 c1000 depth16 kib4 bulk1 bulk10 open50 udp_c50 udp_lat1 udp_depth16 udp_1472 udp_open c100k"

# C100K: each echo once a second, opened at CONNECT_RATE a second, measured for C100K_T s
# after C100K_WARM s.
C100K_WANT=100000
C100K_MARGIN=1000
C100K_RATE=20000
if [ "$QUICK" = 1 ]; then
	DUR=1 WARM=0.3 IPERF_T=1 IPERF_OMIT=0 BUDGET=240 PERF_RUN=2 ROUNDS=1
	C100K_T=2 C100K_WARM=1 C100K_DEFAULT=1000
	SCENARIOS="c50 lat1 bulk1 udp_c50 udp_lat1 c100k"
else
	DUR=5 WARM=1 IPERF_T=5 IPERF_OMIT=1 BUDGET=2940 PERF_RUN=3 ROUNDS=3
	C100K_T=10 C100K_WARM=2 C100K_DEFAULT=$C100K_WANT
	# udp_open after udp_c50: its rate is half the udp_c50 figure.
	SCENARIOS="c50 lat1 c1000 depth16 kib4 bulk1 bulk10 open50 udp_c50 udp_lat1 udp_depth16 udp_1472 udp_open c100k"
fi
DUR=$(knob BENCH_DUR "$DUR")
ROUNDS=$(knob BENCH_ROUNDS "$ROUNDS")
BUDGET=$(knob BENCH_BUDGET "$BUDGET")
if [ -n "$ONLY_SCENARIOS" ]; then
	for s in $ONLY_SCENARIOS; do
		case " $ALL_SCENARIOS " in *" $s "*) ;; *) echo "bench: $s: no such scenario ($ALL_SCENARIOS)" >&2; exit 2 ;; esac
	done
	# In the full run's order: open50 and udp_open take their rate from c50 and udp_c50.
	SCENARIOS=$(inter "$ALL_SCENARIOS" "$ONLY_SCENARIOS")
	SCENARIOS=${SCENARIOS% }
fi
# The perf runs: echo-bench measures PERF_RUN s after 1 s of warm-up; perf counts from
# PERF_LEAD s after the warm-up ends for PERF_WIN s, inside the measured window.
PERF_WIN=$(awk -v r="$PERF_RUN" 'BEGIN { printf "%.1f", r - 0.3 }')
# An echo-bench run that outlives its duration by this much is stuck: connecting takes at
# most --timeout 10, and closing is immediate.
SLACK=25

for prog in "$SERVER" "$BENCH"; do
	[ -x "$prog" ] || { echo "bench: $prog: not built (make all)" >&2; exit 1; }
done

SERVER_PID=""
PROTO=tcp
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcpecho-bench.XXXXXX")
START=$(date +%s)

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

machine_limits
machine_pin
rm -rf "$RESULTS"
mkdir -p "$RESULTS/hist" "$RESULTS/logs"
install_peers
find_peers
target_lists
record_meta
choose_targets
DEAD=""
[ -n "$TARGETS" ] || say "no target to run${ONLY:+ among: $ONLY}"
plan

# (1) the rounds, interleaved; (2) C100K; (3) perf; (4) iperf3.
DEADLINE=$MAIN_DEADLINE
run_rounds
DEADLINE=$BUDGET
case " $SCENARIOS " in *" c100k "*) run_c100k ;; esac
run_perf_all
run_iperf3
record end "\"finished\":$(date +%s)" "\"loadavg\":$(jstr "$(loadavg)")" \
	"\"jiffies\":$(jstr "$(cpu_jiffies)")"

python3 "$HERE/report" --results "$RESULTS" --out "$HERE"
say "done in $(elapsed)s: bench/RESULTS.md, bench/throughput.svg, bench/latency.svg, bench/bulk.svg, bench/udp.svg"
