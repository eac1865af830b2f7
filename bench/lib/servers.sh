# shellcheck shell=sh
# Starting and stopping the server under test: every target started afresh on 127.0.0.1 for
# each run, pinned to the server CPU, and waited for until it echoes; its output kept in
# bench/results/logs/. Sourced by bench/run.sh.

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

# Waits up to about 5 s until the UDP server on $PORT echoes (echo-bench -u checks every byte;
# a datagram to a port not yet bound is refused, and the next try follows).
wait_echo_udp() {
	end=$(($(date +%s) + 5))
	i=0
	while [ $i -lt 25 ] && [ "$(date +%s)" -le $end ]; do
		alive "$SERVER_PID" || return 1
		out=$(timeout 2 "$BENCH" -u -c 1 -t 0.1 -w 0 --lost-after 200 -q --json 127.0.0.1 \
			"$PORT" 2>/dev/null) && case $out in *'"msgs":0,'*) ;; *) return 0 ;; esac
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

# xinetd's configuration: its internal echo over $PROTO, on 127.0.0.1:$PORT. Over UDP it is
# echo-dgram, which xinetd answers itself, one datagram at a time (wait = yes).
xinetd_conf() {
	user=""
	[ "$(id -u)" != 0 ] || user="user = root"
	if [ "$PROTO" = udp ]; then
		kind="id = echo-dgram
	socket_type = dgram
	protocol = udp
	wait = yes"
	else
		kind="id = echo-stream
	socket_type = stream
	protocol = tcp
	wait = no"
	fi
	cat >"$TMP/xinetd.conf" <<EOC
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
	$kind
	$user
	bind = 127.0.0.1
	port = $PORT
}
EOC
}

# Starts target $1 on 127.0.0.1 and waits until it echoes; sets SERVER_PID and PORT. A model
# runs with one event loop (-t 1: epoll's and uring's; the other models have none to set).
# PROTO says which echo: tcp, or udp (start_udp_target).
start_target() {
	LOG=$TMP/server.log
	KEEP=$RESULTS/logs/$1.log
	: >"$LOG"
	PORT=""
	if [ "$PROTO" = udp ]; then
		start_udp_target "$1"
		return
	fi
	case $1 in
	socat | ncat | xinetd) PORT=$(free_port) || return 1 ;;
	esac
	case $1 in
	socat) launch socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork,backlog=4096" PIPE ;;
	ncat) launch ncat -l 127.0.0.1 "$PORT" --keep-open --max-conns 2000 --exec /bin/cat ;;
	xinetd)
		xinetd_conf
		launch "$XINETD" -dontfork -f "$TMP/xinetd.conf" -pidfile "$TMP/xinetd.pid"
		;;
	node) launch "$NODE" "$HERE/peers/echo.js" 0 127.0.0.1 ;;
	uvloop) launch "$UVPY" "$HERE/peers/echo_uvloop.py" 0 127.0.0.1 ;;
	libuv | libevent | go) launch "$PEER_BIN/echo-$1" 0 127.0.0.1 ;;
	*) launch "$SERVER" -m "$1" -t 1 -b 127.0.0.1 -p 0 -q --drain-timeout 1 ;;
	esac
	[ -n "$PORT" ] || PORT=$(listening_port) || return 1
	wait_echo
}

# start_target's UDP half: the peer's UDP echo, or the model with -u and the server's
# per-source and total rate limits off (a load test sends far more than the 1000 datagrams/s
# per source the default allows). The log keeps UDP runs apart from TCP ones.
start_udp_target() {
	KEEP=$RESULTS/logs/$1-udp.log
	case $1 in
	socat | xinetd) PORT=$(free_port udp) || return 1 ;;
	esac
	case $1 in
	socat) launch socat "UDP-RECVFROM:$PORT,bind=127.0.0.1,fork" PIPE ;;
	xinetd)
		xinetd_conf
		launch "$XINETD" -dontfork -f "$TMP/xinetd.conf" -pidfile "$TMP/xinetd.pid"
		;;
	node) launch "$NODE" "$HERE/peers/udp_echo.js" 0 127.0.0.1 ;;
	libuv | go) launch "$PEER_BIN/udp-echo-$1" 0 127.0.0.1 ;;
	*)
		launch "$SERVER" -m "$1" -t 1 -u --rate-limit 0 --rate-limit-total 0 -b 127.0.0.1 \
			-p 0 -q --drain-timeout 1
		;;
	esac
	[ -n "$PORT" ] || PORT=$(listening_port) || return 1
	wait_echo_udp
}

stop_target() {
	[ -z "$SERVER_PID" ] || stop_pid "$SERVER_PID"
	SERVER_PID=""
	{ echo "--- $(date -u +%H:%M:%S) port $PORT"; cat "$LOG"; } >>"$KEEP" 2>/dev/null || true
}
