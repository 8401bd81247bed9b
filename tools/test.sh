#!/usr/bin/env bash
# All tests: set-up (idempotent), build both variants, host C unit tests, pytest, Robot suites.
#   bash tools/test.sh                 everything
#   bash tools/test.sh host pytest     chosen stages (build, host, pytest, robot)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/setup.sh"
exec "$top/.venv/bin/h7voice" test "$@"
