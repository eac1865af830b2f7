# shellcheck shell=sh
# Small helpers of the bench harness: messages, numbers, word lists, clocks, and stopping the
# processes it started. Sourced by bench/run.sh.

say() { printf 'bench: %s\n' "$*" >&2; }

is_num() { case $1 in '' | *[!0-9]*) return 1 ;; esac }

knob() { # knob NAME DEFAULT: $NAME when it is a positive whole number, else DEFAULT
	eval "v=\${$1:-}"
	# shellcheck disable=SC2154
	if is_num "$v" && [ "$v" -gt 0 ]; then echo "$v"; else echo "$2"; fi
}

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

# shellcheck disable=SC2086
count() { set -f; set -- $1; set +f; echo $#; }
inter() { # the words of $1 that are in $2
	for w in $1; do case " $2 " in *" $w "*) printf '%s ' "$w" ;; esac; done
}
minus() { # the words of $1 that are not in $2
	for w in $1; do case " $2 " in *" $w "*) ;; *) printf '%s ' "$w" ;; esac; done
}

elapsed() { echo $(($(date +%s) - START)); }
now() { date +%s.%N; }

# True while process $1 runs (a zombie, exited but not yet waited for, does not count).
alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	[ -n "$st" ]
}

# Stops process $1, which this script started, and then the children it had forked
# (fork-per-connection servers: socat, ncat, xinetd, the fork model); bounded waits.
stop_pid() {
	pid=$1
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while alive "$pid" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$kids" ] || return 0
	for k in $kids; do kill -TERM "$k" 2>/dev/null || true; done
	i=0
	for k in $kids; do
		while alive "$k" && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$k" 2>/dev/null || true
	done
}

# Prints a free TCP port on 127.0.0.1 (a UDP one with "udp"): bound to port 0, then released.
free_port() {
	python3 -c 'import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1:] == ["udp"] else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$@"
}
