#!/bin/sh
# Builds the compiled peers of the benchmark into OUTDIR: echo-libuv (bench/peers/echo_libuv.c),
# echo-libevent (echo_libevent.c) and echo-go (echo.go), the servers a user might pick instead
# of tcpecho, and the UDP ones: udp-echo-libuv (udp_echo_libuv.c) and udp-echo-go (udp_echo.go). Run as root, it installs a missing compiler or library from Debian
# (libuv1-dev, libevent-dev, golang-go). For each peer built it prints "NAME LIBRARY VERSION"
# on stdout (e.g. "echo-libuv libuv 1.44.2"); a peer that cannot be built is skipped with
# "build.sh: skipping NAME: reason" on stderr, and the exit status stays 0.
# Usage: sh bench/peers/build.sh OUTDIR   (exit 2 without OUTDIR)
set -u
if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: sh bench/peers/build.sh OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=
mkdir -p "$1" 2>/dev/null && out=$(cd "$1" && pwd)
CC=${CC:-cc}
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror"
updated=no

skip() {
	echo "build.sh: skipping $1: $2" >&2
}

# Installs those of Debian packages "$@" not yet installed, when running as root with apt-get;
# returns 0 when it installed something. A failed install is retried once after an
# apt-get update (done at most once per run). Installed packages are left alone, so that
# apt does not mark them as manually installed.
install_pkgs() {
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	for p; do
		shift
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q ' installed$' || set -- "$@" "$p"
	done
	[ $# -gt 0 ] || return 1
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 apt-get install -y -q --no-install-recommends "$@" >&2 && return 0
	[ $updated = no ] || return 1
	updated=yes
	timeout 300 apt-get update -q >&2 || timeout 300 apt-get update -q >&2 || return 1
	timeout 300 apt-get install -y -q --no-install-recommends "$@" >&2
}

# Prints the version of pkg-config module $1, else of Debian package $2, else "unknown".
lib_version() {
	pkg-config --modversion "$1" 2>/dev/null ||
		dpkg-query -W -f '${Version}\n' "$2" 2>/dev/null ||
		echo unknown
}

# Builds C peer $1 from $2 against pkg-config module $3 (Debian package $4, fallback -l$5).
build_c() {
	name=$1 src=$2 mod=$3 pkg=$4 lib=$5
	command -v "$CC" >/dev/null 2>&1 || install_pkgs gcc libc6-dev
	command -v "$CC" >/dev/null 2>&1 || { skip "$name" "no C compiler ($CC)"; return; }
	pkg-config --exists "$mod" 2>/dev/null || install_pkgs "$pkg" pkg-config
	if pkg-config --exists "$mod" 2>/dev/null; then
		cflags=$(pkg-config --cflags "$mod") libs=$(pkg-config --libs "$mod")
	else
		cflags="" libs="-l$lib" # no pkg-config: try the usual place
	fi
	# $cflags and $libs are word lists from pkg-config, split on purpose.
	# shellcheck disable=SC2086
	if $CC $CFLAGS $cflags "$here/$src" -o "$out/$name" $libs >&2; then
		echo "$name $mod $(lib_version "$mod" "$pkg")"
	elif pkg-config --exists "$mod" 2>/dev/null; then
		skip "$name" "$CC failed on $src (see above)"
	else
		skip "$name" "$mod is not installed (Debian package $pkg)"
	fi
}

# Builds Go peer $1 from $2 with caches under OUTDIR, so it works as root without HOME and
# offline.
build_go() {
	name=$1 src=$2
	go=$(command -v go || echo /usr/lib/go/bin/go)
	[ -x "$go" ] || install_pkgs golang-go
	go=$(command -v go || echo /usr/lib/go/bin/go)
	[ -x "$go" ] || { skip "$name" "no Go toolchain (Debian package golang-go)"; return; }
	# CGO_ENABLED=0: the pure-Go resolver, so no C compiler is needed; GOTOOLCHAIN=local keeps
	# go >= 1.21 from downloading another toolchain (older versions ignore it); GOPROXY=off
	# and GOENV=off: no network and no per-user settings.
	if env GOCACHE="$out/.go/cache" GOPATH="$out/.go/path" GOENV=off GOFLAGS= \
		GOTOOLCHAIN=local GOPROXY=off GO111MODULE=auto CGO_ENABLED=0 \
		"$go" build -o "$out/$name" "$here/$src" >&2; then
		v=$("$go" version | awk '{ print $3 }') # "go version go1.19.8 linux/amd64"
		echo "$name go ${v#go}"
	else
		skip "$name" "go build failed on $src (see above)"
	fi
}

if [ -z "$out" ]; then
	for p in echo-libuv echo-libevent echo-go udp-echo-libuv udp-echo-go; do
		skip "$p" "cannot create $1"
	done
	exit 0
fi
build_c echo-libuv echo_libuv.c libuv libuv1-dev uv
build_c echo-libevent echo_libevent.c libevent libevent-dev event
build_go echo-go echo.go
build_c udp-echo-libuv udp_echo_libuv.c libuv libuv1-dev uv
build_go udp-echo-go udp_echo.go
exit 0
