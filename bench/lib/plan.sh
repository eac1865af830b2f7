# shellcheck shell=sh
# The plan: how many runs each phase has, how long each should take, and the time budget. A
# run costs its warm-up and duration plus about 0.6 s to start, check and stop the server.
# The phases after the rounds (C100K, perf, iperf3) have their time reserved: the rounds stop
# starting runs at BUDGET less that reserve, the later phases at BUDGET. Runs not started for
# want of time are recorded as skipped, and the report says so. Sourced by bench/run.sh.

# Sets MAIN_SCENARIOS, PERF_TARGETS, HAVE_PERF and MAIN_DEADLINE, records the plan and says it.
plan() {
	MAIN_SCENARIOS=$(minus "$SCENARIOS" c100k)
	PERF_TARGETS=$(minus "$TARGETS" "$FORKING")
	HAVE_PERF=0
	if perf_works; then HAVE_PERF=1; fi
	udp=""
	for s in $MAIN_SCENARIOS; do case $s in udp_*) udp="$udp $s" ;; esac; done
	n_runs=$(($(count "$(minus "$MAIN_SCENARIOS" "$udp")") * ($(count "$TARGETS") + (ROUNDS - 1) * $(count "$(inter "$TARGETS" "$ROUND_TARGETS")"))))
	n_runs=$((n_runs + $(count "$udp") * ($(count "$UDP_TARGETS") + (ROUNDS - 1) * $(count "$(inter "$UDP_TARGETS" "$UDP_ROUND_TARGETS")"))))
	n_perf=0
	[ "$HAVE_PERF" = 0 ] || n_perf=$(($(count "$(inter "$PERF_SCENARIOS" "$SCENARIOS")") * $(count "$PERF_TARGETS")))
	n_c100k=0
	case " $SCENARIOS " in *" c100k "*) n_c100k=$(count "$(inter "$TARGETS" "$C100K_TARGETS")") ;; esac
	estimate=$(awk -v runs="$n_runs" -v dur="$DUR" -v warm="$WARM" -v perf="$n_perf" -v prun="$PERF_RUN" \
		-v c="$n_c100k" -v ct="$C100K_T" -v cw="$C100K_WARM" -v cn="$C100K_N" -v cr="$C100K_RATE" \
		-v it="$IPERF_T" -v setup="$(elapsed)" 'BEGIN {
			main = runs * (dur + warm + 0.6); p = perf * (prun + 1.6); k = c * (ct + cw + cn / cr + 3)
			i = 2 * (it + 1) + 1
			printf "%d %d %d %d %d", main, p, k, i, setup + main + p + k + i + 3 }')
	set -f
	# shellcheck disable=SC2086
	set -- $estimate
	set +f
	MAIN_DEADLINE=$((BUDGET - ($2 + $3 + $4)))
	record plan "\"runs\":$n_runs" "\"perf_runs\":$n_perf" "\"c100k_runs\":$n_c100k" \
		"\"main_s\":$1" "\"perf_s\":$2" "\"c100k_s\":$3" "\"iperf3_s\":$4" "\"estimate_s\":$5" \
		"\"budget_s\":$BUDGET" "\"main_deadline_s\":$MAIN_DEADLINE"
	say "plan: $n_runs runs (~$1 s), c100k $n_c100k (~$3 s), perf $n_perf (~$2 s), iperf3 (~$4 s): about $5 s in all; budget $BUDGET s"
}
