#!/usr/bin/env bash
# All tests: set-up (idempotent), build both variants, host C unit tests, pytest, Robot suites.
#   bash tools/test.sh                 everything
#   bash tools/test.sh host pytest     chosen stages (build, host, pytest, robot)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/setup.sh"
# shellcheck disable=SC1091
. "$top/.venv/bin/activate"
cd "$top"
exec python tools/run_tests.py "$@"
