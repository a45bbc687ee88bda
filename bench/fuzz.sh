#!/usr/bin/env bash
# Fuzz every parser of outside input for a bounded time each, one target
# after the other (a fuzzing run uses every core it is given).
#
#   bench/fuzz.sh 20          # CI: 20 s per target
#   bench/fuzz.sh 600         # by hand: 10 minutes per target
#   FUZZ_ALL=1 bench/fuzz.sh 60      # also the renderers and money
#   FUZZ_PARALLEL=1 bench/fuzz.sh 600  # leave the other cores alone
#   FUZZ_MINIMIZE=60s bench/fuzz.sh 60  # minimize inputs as go test does by default
#
# It prints one line per target with the executions it ran, and fails
# (printing the crash and where the failing input was saved, under the
# package's testdata/fuzz/) if any target found a problem.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
targets=(
  "./internal/csvpay FuzzParse"
  "./internal/pain001 FuzzRead"
  "./internal/pain001 FuzzTokens"
  "./internal/pain001 FuzzSchemaVerdict"
  "./internal/config FuzzParse"
  "./internal/sftpserver FuzzSession_Resolve"
)
if [ "${FUZZ_ALL:-}" = 1 ]; then
  targets+=(
    "./internal/money FuzzParse"
    "./internal/camt053 FuzzReadHeader"
    "./internal/camt053 FuzzRender"
    "./internal/pain002 FuzzRender"
    "./internal/sftpserver FuzzParseAuthorizedKeys"
  )
fi
par=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then par=(-parallel "$FUZZ_PARALLEL"); fi
status=0
for t in "${targets[@]}"; do
  read -r pkg fn <<<"$t"
  # -timeout: go test's default 10m would cut a 10-minute run short.
  # -fuzzminimizetime: the fuzzer also minimizes every new interesting
  # input, 60 s each by default; on a target with much new code to cover
  # (the pain.001 scanner) that left 349 executions of a 20 s run.
  if out=$(go test -run '^$' -fuzz "^${fn}\$" -fuzztime "${secs}s" -fuzzminimizetime "${FUZZ_MINIMIZE:-10x}" \
    -timeout "$((secs + 300))s" "${par[@]}" "$pkg" 2>&1); then
    result=ok
  else
    result=FAIL
    status=1
    printf '%s\n' "$out"
  fi
  execs=$(printf '%s\n' "$out" | grep -o 'execs: [0-9]*' | tail -1 || true)
  printf 'fuzz %-4s %-24s %-24s %5ss  %s\n' "$result" "$pkg" "$fn" "$secs" "${execs:-execs: ?}"
done
exit $status
