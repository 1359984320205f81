#!/usr/bin/env bash
# Runs one FieldSync fuzz target under libFuzzer.
#
#   Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
#   Fuzz/run.sh bundle 600                 # the documented long run (README, "Fuzzing")
#   Fuzz/run.sh enrollment 600 -len_control=0   # extra flags go to libFuzzer
#
# TARGET is a FuzzTarget case (bundle, enrollment, …). The fuzzer is built once, in
# release mode with -sanitize=fuzzer,address, in its own scratch folder .build-fuzz (the
# normal .build is left alone). It starts from the committed seeds Fuzz/corpus/TARGET and
# the past findings Fuzz/regressions/TARGET, read only; what it learns goes to
# .build-fuzz/corpus/TARGET and any crash, hang or memory blow-up to
# .build-fuzz/findings/TARGET/ — copy such a file to Fuzz/regressions/TARGET/ and make it a
# named unit test. Exits non-zero when the fuzzer found something.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
fi
target=$1
seconds=$2
shift 2
[ -d "Fuzz/corpus/$target" ] || { echo "no corpus for target '$target' (Fuzz/corpus/$target)" >&2; exit 64; }

scratch=.build-fuzz
sanitizers=${FIELDSYNC_FUZZ_SANITIZERS:-fuzzer,address}
start=$(date +%s)
swift build -c release --product fieldsync-fuzz --scratch-path "$scratch" \
  -Xswiftc "-sanitize=$sanitizers" -Xswiftc -parse-as-library -Xswiftc -DFUZZING 2>&1 \
  | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking|Planning|Building)' || true
binary="$scratch/release/fieldsync-fuzz"
[ -x "$binary" ] || { echo "the fuzzer did not build" >&2; exit 1; }
echo "fuzz build: $(( $(date +%s) - start )) s"

work="$scratch/corpus/$target"
findings="$scratch/findings/$target"
mkdir -p "$work" "$findings" "Fuzz/regressions/$target"
# 64 KiB inputs reach several frames of up to 1 MiB of records each once inflated; the RSS
# limit turns a reader that holds more than it should into a finding.
FIELDSYNC_FUZZ_TARGET=$target "$binary" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$findings/" "$@" \
  "$work" "Fuzz/corpus/$target" "Fuzz/regressions/$target"
