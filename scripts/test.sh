#!/usr/bin/env bash
# The whole test suite: installs and starts the servers the tests need, checks lint, format and
# types, runs every test, stops the servers, and ends with one line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts

scripts/test-services.sh start || { echo "0 passed, 1 failed"; exit 1; }
trap 'scripts/test-services.sh stop' EXIT
# shellcheck disable=SC1091
source .test-services/env

status=0
echo "== lint and format (biome)"; npx biome check . || status=1
echo "== types (tsc)"; npx tsc --noEmit -p . || status=1
echo "== types (console app)"; npx tsc --noEmit -p console/app || status=1
echo "== tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=1

if [ -f test-artifacts/vitest.json ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
    // A lint or type failure counts as one failed check on top of the tests.
    const extra = Number(process.argv[1]);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + extra} failed`);
  ' "$([ $status -ne 0 ] && [ "$(node -e 'const r=require("./test-artifacts/vitest.json");process.stdout.write(String(r.numFailedTests))')" = 0 ] && echo 1 || echo 0)"
else
  echo "0 passed, 1 failed"
fi
exit $status
