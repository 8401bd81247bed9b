#!/usr/bin/env bash
# Installs everything h7voice needs on Debian 12; safe to run again (each step is skipped
# when already done). Used by tools/demo.sh and tools/test.sh, so users never call it.
#   - Debian packages: Arm toolchain, speech synthesizers, sox, gdb-multiarch
#   - .venv with the pinned Python packages of tools/requirements.txt
#   - third-party sources fetched with pip into a cache outside git (~/.cache/h7voice):
#     CMSIS-DSP (the cmsisdsp==1.9.5 sdist) and the pocketsphinx sdist's real recordings
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${H7_CACHE:-$HOME/.cache/h7voice}
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

APT_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi python3-venv python3-dev
              espeak-ng libespeak-ng-dev flite sox gdb-multiarch
              festival festvox-kdlpc16k festvox-us-slt-hts clang libclang-rt-14-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

venv="$top/.venv"
stamp="$venv/.requirements.sha256"
want=$(cat "$top/tools/requirements.txt" "$top/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ ! -x "$venv/bin/h7voice" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "Python packages into .venv (pinned in tools/requirements.txt) and h7voice (editable)"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip wheel setuptools
    "$venv/bin/pip" install -q --pre -r "$top/tools/requirements.txt"
    # the project itself, editable: .venv/bin/h7voice runs the tools of this checkout
    "$venv/bin/pip" install -q --no-deps --no-build-isolation -e "$top"
    echo "$want" > "$stamp"
fi

fetch_sdist() {  # name version [pip options]: unpack the sdist into $cache/name-version
    local name=$1 version=$2 dest="$cache/$1-$2"; shift 2
    [ -f "$dest/.complete" ] && return 0
    step "fetching $name==$version sources (pip download)"
    local tmp; tmp=$(mktemp -d)
    "$venv/bin/pip" download -q --no-deps --no-binary "$name" "$@" "$name==$version" -d "$tmp" \
        2> >(grep -v '^WARNING: Location' >&2)
    rm -rf "$dest" && mkdir -p "$cache"
    tar xzf "$tmp/$name-$version.tar.gz" -C "$cache"
    touch "$dest/.complete"
    rm -rf "$tmp"
}
# cmsisdsp's build isolation would try to compile an old numpy: metadata comes from our venv.
fetch_sdist cmsisdsp 1.9.5 --no-build-isolation
fetch_sdist pocketsphinx 5.1.1
