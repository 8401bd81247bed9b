#!/usr/bin/env bash
# The main job: set up, build the firmware with the default model, run it on the simulated
# board with a bundled recording and print what the board heard.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/setup.sh"
# shellcheck disable=SC1091
. "$top/.venv/bin/activate"
cd "$top"
exec python tools/demo.py "$@"
