# shellcheck shell=sh
# The raw results: one JSON record a line in $RUNS (bench/results/runs.jsonl), which
# bench/report reads. Sourced by bench/run.sh.

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

# The command that started this run, as a user would type it again (make's or the script's,
# with the knobs given in the environment).
run_command() {
	if [ -n "${MAKELEVEL:-}" ]; then
		if [ "$QUICK" = 1 ]; then cmd="make bench-quick"; else cmd="make bench"; fi
	else
		cmd="sh bench/run.sh"
		[ "$QUICK" = 0 ] || cmd="$cmd --quick"
	fi
	[ -z "$ONLY" ] || cmd="$cmd --targets '$ONLY'"
	[ -z "$ONLY_SCENARIOS" ] || cmd="$cmd --scenarios '$ONLY_SCENARIOS'"
	for k in BENCH_DUR BENCH_ROUNDS BENCH_BUDGET BENCH_C100K_N; do
		eval "v=\${$k:-}"
		[ -z "$v" ] || cmd="$k=$v $cmd"
	done
	printf '%s\n' "$cmd"
}

# The run's first record: its settings, the machine's state, and the lists of targets the
# report needs (the models, the servers that fork, which run in rounds, in C100K and over UDP).
record_meta() {
	c100k="\"wanted\":$C100K_WANT,\"n\":$C100K_N,\"hard_limit\":$(jstr "$HARD_NOFILE")"
	c100k="$c100k,\"margin\":$C100K_MARGIN,\"asked\":$C100K_ASKED,\"seconds\":$C100K_T"
	c100k="$c100k,\"warmup\":$C100K_WARM,\"connect_rate\":$C100K_RATE"
	c100k="$c100k,\"targets\":$(jstr "$C100K_TARGETS")"
	record meta "\"mode\":\"$([ "$QUICK" = 1 ] && echo quick || echo full)\"" \
		"\"command\":$(jstr "$(run_command)")" "\"started\":$START" "\"duration\":$DUR" \
		"\"warmup\":$WARM" "\"server_cpu\":$(jstr "${PIN_SERVER#taskset -c }")" \
		"\"load_cpu\":$(jstr "${PIN_LOAD#taskset -c }")" \
		"\"scenarios\":$(jstr "$SCENARIOS")" "\"rounds\":$ROUNDS" \
		"\"round_targets\":$(jstr "$ROUND_TARGETS")" "\"forking\":$(jstr "$FORKING")" \
		"\"models\":$(jstr "$MODELS")" "\"perf_scenarios\":$(jstr "$PERF_SCENARIOS")" \
		"\"udp_targets\":$(jstr "$UDP_MODELS $UDP_PEERS")" "\"udp_forking\":$(jstr "$UDP_FORKING")" \
		"\"udp_round_targets\":$(jstr "$UDP_ROUND_TARGETS")" \
		"\"budget\":$BUDGET" "\"loadavg\":$(jstr "$(loadavg)")" \
		"\"perf_run\":$PERF_RUN" "\"perf_window\":$PERF_WIN" \
		"\"c100k\":{$c100k}" "\"jiffies\":$(jstr "$(cpu_jiffies)")" \
		"\"server_version\":$(jstr "$("$SERVER" -V 2>&1 | head -n 1)")"
}
