#!/usr/bin/env bash
# Builds the libFuzzer target and runs it for a fixed time (default 60 s).
# Usage: Tools/fuzz/run-fuzzer.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
swift build --scratch-path .build-fuzz -c debug --product cxledger-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
mkdir -p .build-fuzz/corpus .build-fuzz/crashes
cp -n corpus/* .build-fuzz/corpus/ 2>/dev/null || true
./.build-fuzz/debug/cxledger-fuzz -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix=.build-fuzz/crashes/ .build-fuzz/corpus 2>&1 | tail -n 25
crashes=$(ls .build-fuzz/crashes | wc -l)
echo "fuzzer crashes: $crashes"
[ "$crashes" -eq 0 ]
