# shellcheck shell=sh
# iperf3 over loopback, pinned like the echo runs, one way and both ways at once: the ceiling
# for bulk echo. Sourced by bench/run.sh.

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
