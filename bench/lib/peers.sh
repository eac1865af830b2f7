# shellcheck shell=sh
# The peers: the echo servers a user would pick instead of tcpecho. Installs the missing ones
# (as root, from Debian), finds them, says why one cannot run, and gives each one's version.
# Sourced by bench/run.sh; the peers' servers are in bench/peers/.

PEERS="socat ncat xinetd node uvloop libuv libevent go"
# The peers of the UDP scenarios, under the same names: xinetd's internal echo-dgram, socat
# UDP-RECVFROM with fork, and the libuv C, Go and Node.js UDP echoes of bench/peers/.
UDP_PEERS="xinetd socat libuv go node"

uvloop_python() {
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import uvloop' 2>/dev/null; then
			"$py" -c 'import sys; print(sys.executable)'
			return 0
		fi
	done
	return 1
}

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

# Sets UVPY, PEER_BIN, PEER_VERSIONS, NODE and XINETD: where each peer is, empty when it is
# not. The compiled peers (libuv C, libevent C, Go, and the UDP libuv C and Go) are built from
# bench/peers/ into the build dir.
find_peers() {
	UVPY=$(uvloop_python || true)
	PEER_BIN=$BIN/peers
	PEER_VERSIONS=$(sh "$HERE/peers/build.sh" "$PEER_BIN" 2>>"$RESULTS/logs/peers-build.log" || true)
	NODE=$(command -v node || command -v nodejs || true)
	XINETD=$(command -v xinetd || { [ -x /usr/sbin/xinetd ] && echo /usr/sbin/xinetd; } || true)
}

# Prints why peer $1 cannot run here, or nothing when it can.
peer_missing() {
	case $1 in
	socat) have socat || echo "socat is not installed (Debian package socat)" ;;
	ncat) have ncat || echo "ncat is not installed (Debian package ncat)" ;;
	xinetd) [ -n "$XINETD" ] || echo "xinetd is not installed (Debian package xinetd)" ;;
	node) [ -n "$NODE" ] || echo "node is not installed (Debian package nodejs)" ;;
	uvloop) [ -n "$UVPY" ] || echo "uvloop is not importable (Debian package python3-uvloop)" ;;
	libuv | libevent | go)
		[ -x "$PEER_BIN/echo-$1" ] || echo "echo-$1 did not build (see results/logs/peers-build.log)"
		;;
	esac
	return 0
}

# Prints why peer $1 cannot serve UDP here, or nothing when it can: the compiled ones have a
# UDP program of their own, the others are the same program.
udp_peer_missing() {
	case $1 in
	libuv | go)
		[ -x "$PEER_BIN/udp-echo-$1" ] || echo "udp-echo-$1 did not build (see results/logs/peers-build.log)"
		;;
	*) peer_missing "$1" ;;
	esac
}

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
