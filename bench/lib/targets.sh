# shellcheck shell=sh
# Which targets run, and how: echo-server's models (as the built server lists them) and the
# peers, which of them run in every round and in C100K, and which fork a process per
# connection. Written here once: the report reads these lists from the run's first record.
# Sourced by bench/run.sh.

# Measured in round 1 only: a process or a thread per connection, or far behind under load
# (iterative, fork, thread, socat, ncat, Node.js); the others (the event loops, and xinetd,
# whose one process per connection has the lowest 1-connection latency) contend for first
# place somewhere and run in every round. A new model runs in every round.
ROUND1_ONLY="iterative fork thread socat ncat node"
# Over UDP every model contends (iterative, fork and thread answer each datagram at once from
# one blocking thread: the lowest latency of one flow); the peers far behind run once.
UDP_ROUND1_ONLY="socat xinetd node"
# Not in C100K: the targets that cannot hold that many connections in one process.
NO_C100K="iterative fork socat ncat xinetd"
# Servers that fork a process per connection: neither --server-pid nor perf attached to the
# parent sees the children that echo.
FORKING="fork socat ncat xinetd"
# Over UDP: socat's UDP-RECVFROM with fork forks a process per datagram; xinetd answers its
# internal echo-dgram itself, and the fork model serves UDP from one process.
UDP_FORKING="socat"

# Prints the models this echo-server can run, on one line. The reasons it gives for the
# models it cannot run (not built) go to stderr as they are.
server_models() {
	if ! "$SERVER" --list-models >"$TMP/models" 2>"$TMP/models.err"; then
		say "$SERVER --list-models: $(head -n 1 "$TMP/models.err")"
		return 1
	fi
	sed 's/^/bench: /' "$TMP/models.err" >&2
	awk 'NF { printf "%s%s", sep, $1; sep = " " } END { print "" }' "$TMP/models"
}

# Prints the models that serve UDP, on one line: those whose line in the list names udp when
# some line names a protocol, else every model listed (issue 16: all of them serve UDP).
server_udp_models() {
	awk 'NF { all = all sep $1; sep = " " } /udp/ { u = u usep $1; usep = " " }
		/udp|tcp/ { named = 1 } END { print (named ? u : all) }' "$TMP/models"
}

# Sets MODELS, UDP_MODELS, ROUND_TARGETS, UDP_ROUND_TARGETS and C100K_TARGETS.
target_lists() {
	MODELS=$(server_models)
	UDP_MODELS=$(server_udp_models)
	ROUND_TARGETS=$(minus "$MODELS $PEERS" "$ROUND1_ONLY")
	ROUND_TARGETS=${ROUND_TARGETS% }
	UDP_ROUND_TARGETS=$(minus "$UDP_MODELS $UDP_PEERS" "$UDP_ROUND1_ONLY")
	UDP_ROUND_TARGETS=${UDP_ROUND_TARGETS% }
	C100K_TARGETS=$(minus "$MODELS $PEERS" "$NO_C100K")
	C100K_TARGETS=${C100K_TARGETS% }
}

# Sets TARGETS: the models, then the peers, that can run here (among --targets, if given),
# each recorded with its kind and version; the others are recorded as skipped, with why. Sets
# UDP_TARGETS: those of them that the UDP scenarios run (the UDP models, then the UDP peers).
choose_targets() {
	TARGETS=""
	for t in $MODELS $PEERS; do
		if [ -n "$ONLY" ]; then
			case " $ONLY " in *" $t "*) ;; *) continue ;; esac
		fi
		kind=model
		why=""
		case " $PEERS " in *" $t "*) kind=peer why=$(peer_missing "$t") ;; esac
		if [ -n "$why" ]; then
			record skip "\"target\":\"$t\"" "\"kind\":\"$kind\"" "\"reason\":$(jstr "$why")"
			say "skipping $t: $why"
			continue
		fi
		record target "\"target\":\"$t\"" "\"kind\":\"$kind\"" "\"version\":$(jstr "$(version_of "$t")")"
		TARGETS="$TARGETS $t"
	done
	UDP_TARGETS=$(inter "$TARGETS" "$UDP_MODELS $UDP_PEERS")
	UDP_TARGETS=${UDP_TARGETS% }
}
