#!/bin/sh
# Builds the compiled peers of the benchmark into OUTDIR: echo-libuv (a plain libuv C server,
# bench/peers/echo_libuv.c). Installs libuv's Debian package when it is missing and this runs
# as root. Prints "NAME VERSION" for each peer built; a peer that cannot be built is skipped
# with a note on stderr, and the exit status stays 0 (the benchmark records it as skipped).
# Usage: sh bench/peers/build.sh OUTDIR
set -u
[ $# -eq 1 ] || { echo "usage: sh bench/peers/build.sh OUTDIR" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

# Installs Debian package $1 if pkg-config does not know library $2 and we may.
need() {
	pkg-config --exists "$2" 2>/dev/null && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 apt-get install -y -q --no-install-recommends "$1" pkg-config >/dev/null 2>&1 ||
		{ timeout 300 apt-get update -q >/dev/null 2>&1 &&
			timeout 300 apt-get install -y -q --no-install-recommends "$1" pkg-config >/dev/null 2>&1; }
	pkg-config --exists "$2" 2>/dev/null
}

if ! need libuv1-dev libuv; then
	echo "build.sh: skipping echo-libuv: libuv is not installed (Debian package libuv1-dev)" >&2
elif ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror $(pkg-config --cflags libuv) \
	"$here/echo_libuv.c" -o "$out/echo-libuv" $(pkg-config --libs libuv); then
	echo "echo-libuv libuv $(pkg-config --modversion libuv)"
else
	echo "build.sh: skipping echo-libuv: it did not compile" >&2
fi
exit 0
