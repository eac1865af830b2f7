# shellcheck shell=sh
# The scenarios: echo-bench's arguments for each, one measured run of a target in a scenario
# (recorded with its outcome), the interleaved rounds, and C100K. Sourced by bench/run.sh.

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
	udp_lat1) echo "-u -c 1 -s 64" ;;
	udp_c50) echo "-u -c 50 -s 64" ;;
	udp_depth16) echo "-u -c 50 -s 64 -d 16" ;;
	udp_open) echo "-u -c 50 -s 64 -r" ;; # the rate follows: half this target's udp_c50 rate
	udp_1472) echo "-u -c 1 -s 1472" ;;
	esac
}

# The scenario whose peak sets the rate of open-loop scenario $1.
peak_scenario() {
	case $1 in udp_open) echo udp_c50 ;; *) echo c50 ;; esac
}

# Half the msgs/s target $1 reached in scenario $2 (c50, udp_c50), or nothing. A UDP run
# with datagrams lost is "ok" too: echo-bench reports loss, it is not an error.
open_rate() {
	line=$(grep "\"target\":\"$1\",\"scenario\":\"$2\"" "$RUNS" | grep '"status":"ok"' | tail -n 1)
	printf '%s' "$line" | sed -n 's/.*"msgs_per_s":\([0-9.]*\).*/\1/p' |
		awk '{ r = int($1 / 2); if (r >= 1) print r }'
}

# The server's VmRSS or VmHWM ($1) in KiB from /proc, or null.
status_kib() {
	v=$(awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true)
	if is_num "$v"; then echo "$v"; else echo null; fi
}

# Prints the extra arguments of scenario $2 for target $1 (open50, udp_open: the rate), or
# fails after recording why the run is skipped (the time budget spent, no rate, the target
# dead, a UDP peer missing).
run_args() {
	if [ "$(elapsed)" -ge "$DEADLINE" ]; then
		record run "$base" '"status":"skipped"' '"note":"time budget spent"'
		return 1
	fi
	why=""
	[ "$PROTO" = tcp ] || why=$(udp_peer_missing "$1")
	if [ -n "$why" ]; then
		record run "$base" '"status":"skipped"' "\"note\":$(jstr "$why")"
		return 1
	fi
	case $2 in open50 | udp_open)
		rate=$(open_rate "$1" "$(peak_scenario "$2")")
		if [ -z "$rate" ]; then
			record run "$base" '"status":"skipped"' "\"note\":\"no peak from the $(peak_scenario "$2") run\""
			return 1
		fi
		echo "$rate"
		;;
	esac
	case " $DEAD " in *" $1/$PROTO "*)
		record run "$base" '"status":"skipped"' '"note":"it did not start or echo before"'
		return 1
		;;
	esac
}

# Runs scenario $2 against target $1 and records the outcome. Sets PROTO, udp in the udp_
# scenarios and tcp in the others: start_target serves that.
run_one() {
	t=$1
	s=$2
	case $s in udp_*) PROTO=udp ;; *) PROTO=tcp ;; esac
	args=$(scenario_args "$s")
	base="\"target\":\"$t\",\"scenario\":\"$s\",\"round\":$ROUND"
	more=$(run_args "$t" "$s") || return 0
	args="$args${more:+ $more}"
	hist=""
	case $s in bulk*) ;; *) hist="hist/${t}_${s}_r$ROUND.txt" ;; esac
	if ! start_target "$t" && ! { stop_target && start_target "$t"; }; then
		stop_target
		DEAD="$DEAD $t/$PROTO" # twice it did not echo: not tried again over that protocol
		record run "$base" "\"args\":$(jstr "$args")" '"status":"failed"' \
			'"note":"the server did not start or did not echo within 5 s"'
		say "$t $s: the server did not start or did not echo within 5 s"
		return 0
	fi
	measure "$t" "$s"
}

# Measures target $1, started, in scenario $2 with echo-bench $args (run_one sets it, $hist
# and $base), stops the target, and records the outcome.
measure() {
	dur=$DUR warm=$WARM limit=$((DUR + SLACK)) extra="" opts="--timeout 10"
	# UDP: no connection to wait for; a datagram not back within 1 s is lost (the default, said).
	[ "$PROTO" = tcp ] || opts="--lost-after 1000"
	if [ "$2" = c100k ]; then
		dur=$C100K_T warm=$C100K_WARM
		limit=$((C100K_T + C100K_WARM + C100K_N / C100K_RATE + 2 * SLACK))
		# shellcheck disable=SC2089 # JSON, printed as it is
		extra="\"server_status_kib\":{\"rss_start\":$(status_kib VmRSS)"
	fi
	j0=$(cpu_jiffies)
	set +e
	# shellcheck disable=SC2086
	timeout --foreground -k 5 "$limit" $PIN_LOAD "$BENCH" $args -t "$dur" -w "$warm" \
		-T 1 $opts -q --json ${hist:+--hist "$RESULTS/$hist"} \
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
	[ "$PROTO" = tcp ] || rate=$(printf '%s' "$result" | sed -n 's/.*"msgs_per_s":\([0-9.]*\).*/\1 datagrams\/s/p')$(printf '%s' "$result" | sed -n 's/.*"loss_pct":\([0-9.]*\).*/, \1 % lost/p')
	say "[$(elapsed)s] $1 $2: $status${rate:+, $rate}"
}

# Every scenario of every target once, then again, so that the machine's drift over the run (a
# shared VM's CPUs) falls on every target alike; the report takes each figure's median over
# the rounds. The rounds after the first are for the targets that contend for first place
# (ROUND_TARGETS; UDP_ROUND_TARGETS in the UDP scenarios); the others, clearly behind, run
# once, to keep the run short.
run_rounds() {
	ROUND=1
	while [ "$ROUND" -le "$ROUNDS" ]; do
		for s in $MAIN_SCENARIOS; do
			rt=$ROUND_TARGETS
			for t in $TARGETS; do
				case $s in udp_*)
					case " $UDP_TARGETS " in *" $t "*) ;; *) continue ;; esac
					rt=$UDP_ROUND_TARGETS
					;;
				esac
				if [ "$ROUND" -gt 1 ]; then
					case " $rt " in *" $t "*) ;; *) continue ;; esac
				fi
				run_one "$t" "$s"
			done
		done
		ROUND=$((ROUND + 1))
	done
}

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
