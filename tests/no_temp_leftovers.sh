#!/bin/sh
# Runs a Catch2 test binary (with its arguments) with TMPDIR set to a fresh folder, and fails when
# the run fails, runs no test, or leaves anything in that folder.
set -eu
dir=$(mktemp -d)
log="$dir.log"
status=0
TMPDIR="$dir" "$@" > "$log" 2>&1 || status=$?
left=$(ls -A "$dir")
if [ "$status" -eq 0 ] && ! grep -q "^All tests passed" "$log"; then status=2; fi
if [ "$status" -ne 0 ]; then cat "$log"; fi
rm -rf "$dir" "$log"
if [ "$status" -ne 0 ]; then echo "the tests failed ($status)"; exit 1; fi
if [ -n "$left" ]; then echo "left in TMPDIR: $left"; exit 1; fi
echo "nothing left in TMPDIR"
