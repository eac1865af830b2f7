# shellcheck shell=sh
# System calls and instructions per message: a separate short run per target and 64 B
# scenario (not timed with the figures of the rounds). echo-bench measures PERF_RUN s after
# 1 s of warm-up, and `perf stat -p SERVER` counts the server's system calls (the
# raw_syscalls:sys_enter tracepoint) and its instructions, in user space and in the kernel,
# from PERF_LEAD s after the warm-up ends, for PERF_WIN s: inside the measured window. The
# window's own start and end are taken by perf's workload (`date`, run once the counters are
# on) and recorded beside when echo-bench was started; the report divides by the messages
# echoed in the window (the run's msgs/s times the window) and flags a window that strayed out
# of the measured one. Every thread the server has when perf attaches is counted (all
# connections are up by then). Servers that fork per connection are left out: perf attached
# to the parent would not see the children that echo. Sourced by bench/run.sh.

PERF_SCENARIOS="c50 c1000 depth16"
PERF_EVENTS="raw_syscalls:sys_enter,instructions:u,instructions:k"
PERF_LEAD=0.1

# True when perf can count system calls here (installed, and the tracepoint readable).
perf_works() {
	have perf && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1
}

run_perf() {
	t=$1
	s=$2
	base="\"target\":\"$t\",\"scenario\":\"$s\""
	PROTO=tcp
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
	perf_record "$t" "$s"
}

# Records the perf run of target $1 in scenario $2 from what run_perf left in $TMP.
perf_record() {
	result=$(head -n 1 "$TMP/pout")
	case $result in "{"*"}") ;; *) result=null ;; esac
	counts=$(awk -F, '$1 ~ /^[0-9]+$/ { printf "%s\"%s\":%s", sep, $3, $1; sep = "," }' "$TMP/perf")
	window=$(awk -v t0="$t0" 'NR <= 2 { w[NR] = $1 - t0 } END { if (NR >= 2) printf "%.3f,%.3f", w[1], w[2] }' "$TMP/pwin")
	if [ -z "$counts" ] || [ -z "$window" ] || [ "$result" = null ]; then
		note=$(tr '\n' ' ' <"$TMP/perf" | cut -c 1-200)
		record perf "$base" '"status":"failed"' "\"note\":$(jstr "perf or echo-bench gave nothing: $note")"
		say "[$(elapsed)s] $1 $2: perf: nothing counted"
		return 0
	fi
	record perf "$base" '"status":"ok"' "\"window\":[$window]" \
		"\"seconds\":$(echo "$window" | awk -F, '{ printf "%.3f", $2 - $1 }')" \
		"\"counts\":{$counts}" "\"result\":$result"
	say "[$(elapsed)s] $1 $2: perf counted over [$window] s"
}

# Every perf scenario of this run for every single-process target that did not die before,
# until the time budget is spent; without perf, a note saying so.
run_perf_all() {
	if [ "$HAVE_PERF" = 1 ]; then
		for s in $(inter "$PERF_SCENARIOS" "$SCENARIOS"); do
			for t in $PERF_TARGETS; do
				case " $DEAD " in *" $t/tcp "*) continue ;; esac
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
}
