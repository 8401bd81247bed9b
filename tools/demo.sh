#!/usr/bin/env bash
# The main job: set up, build the firmware with the default model and the simulator core,
# run the image on the simulated board with the bundled recording and print what it heard.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/setup.sh"
exec "$top/.venv/bin/h7voice" demo "$@"
