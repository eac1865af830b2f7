#!/bin/sh
# Installs the Debian packages given as arguments when they are missing: with apt-get when
# run as root, otherwise by printing the exact command to run and failing.
set -eu
missing=""
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages:$missing" >&2
    echo "deps: run: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; update once, then install.
apt-get update -qq >&2
# shellcheck disable=SC2086 # the package names, one word each
apt-get install -y -qq --no-install-recommends $missing >&2
