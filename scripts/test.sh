#!/usr/bin/env bash
# The test suite; ends with one line `N passed, N failed`.
#   scripts/test.sh [VITEST ARGS]          everything: provides the servers and programs the tests need
#                                          (scripts/test-services.sh), checks lint, format and types, runs
#                                          every test, stops what it started
#   scripts/test.sh --unit [VITEST ARGS]   only the tests that need no service (TEST_NO_SERVICES=1, see
#                                          vitest.config.ts): no PostgreSQL, mosquitto, VictoriaMetrics,
#                                          Chromium, promtool, root or apt
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
report=test-artifacts/vitest.json
rm -f "$report"

# The last line, from vitest's JSON report: a failed check besides the tests (lint, types, a file that
# did not load, services that could not be provided) counts as one more failure.
summary() {
  node -e '
    const [file, status] = process.argv.slice(1);
    let r;
    try {
      r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    } catch {
      r = { numPassedTests: 0, numFailedTests: 0 };
    }
    const extra = status !== "0" && r.numFailedTests === 0 ? 1 : 0;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + extra} failed`);
  ' "$report" "$1"
}

vitest() { npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"; }

if [ "${1:-}" = --unit ]; then
  shift
  echo "== tests that need no service (vitest, TEST_NO_SERVICES=1)"
  TEST_NO_SERVICES=1 vitest "$@"
  status=$?
  summary $status
  exit $status
fi

scripts/test-services.sh start || { summary 1; exit 1; }
trap 'scripts/test-services.sh stop' EXIT
# shellcheck disable=SC1091
source .test-services/env

status=0
echo "== lint and format (biome)"; npx biome check . || status=1
echo "== types (tsc)"; npx tsc --noEmit -p . || status=1
echo "== types (console app)"; npx tsc --noEmit -p console/app || status=1
echo "== tests (vitest)"
vitest "$@" || status=1
summary $status
exit $status
