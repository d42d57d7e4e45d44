#!/usr/bin/env bash
# Runs every test suite and ends with one closing line "N passed, N failed"
# summed over all suites. Exits non-zero if any test failed, if a suite
# could not run, or if no test ran at all.
#
#   scripts/run-tests.sh              unit + sigv4 vectors + integration + browser
#   scripts/run-tests.sh --unit-only  unit + sigv4 vectors (used by make asan / valgrind)
#
# BUILD picks the build tree (build, build-asan); VALGRIND=1 runs the unit
# binaries under valgrind; ONLY=name runs only the suites whose name matches.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-python3}
export BUILD PYTHON BUCKETLIST_ROOT="$root"
unit_only=0
browser=1
case "${1:-}" in
  --unit-only) unit_only=1 ;;
  --no-browser) browser=0 ;;
esac

total_pass=0
total_fail=0
broken=()
log_dir="$root/$BUILD/test-logs"
mkdir -p "$log_dir"

# Adds one suite's counts; a suite that printed no count and exited non-zero counts as one failure.
tally() {  # name pass fail rc
  local name=$1 pass=$2 fail=$3 rc=$4
  if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
    fail=1
    broken+=("$name (exit $rc)")
  fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  printf 'suite %-28s %d passed / %d failed\n' "$name" "$pass" "$fail"
}

# Reads "N passed, N failed" from the last such line of a log.
counts_from_plain() {
  local line
  line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -n "$line" ]; then
    echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/'
  else
    echo "0 0"
  fi
}

run_unit() {
  local bin name log rc pass fail
  for bin in "$BUILD"/tests/test_*; do
    [ -x "$bin" ] || continue
    name=unit/$(basename "$bin")
    log="$log_dir/$(basename "$bin").log"
    if [ "${VALGRIND:-0}" = 1 ]; then
      valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        "$bin" >"$log" 2>&1
    else
      "$bin" >"$log" 2>&1
    fi
    rc=$?
    pass=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$log" | tail -n 1)
    fail=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$log" | tail -n 1)
    pass=${pass:-0}
    fail=${fail:-0}
    if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ]; then cat "$log"; fi
    tally "$name" "$pass" "$fail" "$rc"
  done
}

run_suite() {  # name command...
  local name=$1; shift
  local log="$log_dir/${name//\//_}.log" rc pass fail
  "$@" >"$log" 2>&1
  rc=$?
  read -r pass fail < <(counts_from_plain "$log")
  if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ]; then
    echo "---- $name output (last 80 lines; full log $log)"
    tail -n 80 "$log"
    echo "----"
  fi
  tally "$name" "$pass" "$fail" "$rc"
}

wants() { [ -z "${ONLY:-}" ] || [[ "$1" == *"$ONLY"* ]]; }

wants unit && run_unit
if wants sigv4; then
  suite_cmd=(tests/sigv4-suite)
  [ "${VALGRIND:-0}" = 1 ] && suite_cmd=(valgrind -q --error-exitcode=99 --leak-check=full tests/sigv4-suite)
  [ "$BUILD" = build-asan ] && suite_cmd=("$BUILD/sigv4-suite")
  run_suite sigv4-vectors "${suite_cmd[@]}" tests/data/sigv4/*/ tests/data/sigv4-extra/*/
fi

if [ "$unit_only" = 0 ]; then
  wants integration && run_suite integration "$PYTHON" tests/integration/run.py
  if [ "$browser" = 1 ] && wants browser; then
    run_suite browser node tests/browser/page.test.mjs
  fi
fi

if [ ${#broken[@]} -gt 0 ]; then
  echo "suites that exited non-zero: ${broken[*]}"
fi
if [ $((total_pass + total_fail)) -eq 0 ]; then
  echo "no test ran: the build is missing tests or every suite was skipped"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
