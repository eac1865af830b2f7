# shellcheck shell=sh
# The machine: descriptor limits (how many C100K connections fit), CPU pinning of server and
# load, and the readings that tell whether something else ran (load average, CPU steal).
# Sourced by bench/run.sh.

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

# Raises the descriptor limit to its hard limit and sets HARD_NOFILE, C100K_ASKED and
# C100K_N: as many connections as both the server and echo-bench can open under the hard
# limit (each holds one per connection, plus its own few: the margin), at most what was asked.
machine_limits() {
	# 1000 connections: the server and the load need the descriptors (dash and bash have -n, -H).
	# shellcheck disable=SC3045
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
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
}

# Sets PIN_SERVER and PIN_LOAD: taskset commands for the first two CPUs this process may use,
# or nothing with fewer than two or without taskset.
machine_pin() {
	cpus=$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
	PIN_SERVER=""
	PIN_LOAD=""
	# shellcheck disable=SC2086
	set -- $cpus
	if [ $# -ge 2 ] && command -v taskset >/dev/null 2>&1; then
		PIN_SERVER="taskset -c $1"
		PIN_LOAD="taskset -c $2"
	fi
}
