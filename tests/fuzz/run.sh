#!/bin/sh
# Runs each libFuzzer target for SECONDS on a copy of its seed corpus, so that the inputs it
# finds stay in the build dir, not in tests/fuzz/corpus/. SECONDS 0 only replays the corpus.
# Fails at the first target that crashes; the crashing input is left in BUILD_DIR.
#   usage: run.sh BUILD_DIR SECONDS TARGET...
set -eu

if [ $# -lt 3 ]; then
    echo "usage: run.sh BUILD_DIR SECONDS TARGET..." >&2
    exit 2
fi
build=$1
seconds=$2
shift 2
here=$(dirname "$0")

for t in "$@"; do
    corpus=$build/corpus/$t
    mkdir -p "$corpus"
    cp "$here/corpus/$t"/* "$corpus"/
    echo "fuzz: $t for ${seconds}s on $corpus"
    if [ "$seconds" -eq 0 ]; then
        "$build/$t" -artifact_prefix="$build/$t-" "$here/corpus/$t"/*
    else
        "$build/$t" -max_total_time="$seconds" -print_final_stats=1 \
            -artifact_prefix="$build/$t-" "$corpus"
    fi || {
        echo "fuzz: $t failed; the input is in $build/$t-*" >&2
        exit 1
    }
done
