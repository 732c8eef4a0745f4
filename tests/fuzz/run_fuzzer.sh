#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SEED_CORPUS WORK_CORPUS SECONDS — fuzz for a bounded time on a copy of the
# seeds (libFuzzer adds new inputs to its first corpus folder; the source tree stays untouched).
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work"
if [ -d "$seeds" ]; then cp -n "$seeds"/* "$work"/ 2>/dev/null || true; fi
cd "$work/.."
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/../" "$work"
