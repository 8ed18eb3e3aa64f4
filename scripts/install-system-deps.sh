#!/usr/bin/env bash
# Debian packages emoscore's tests and features need: FluidSynth + a General MIDI SoundFont
# (rendering), espeak-ng (generated speech for tests/examples), ffmpeg (codecs), chromium
# (browser tests). Installs only what is missing.
set -euo pipefail
want=(fluidsynth fluid-soundfont-gm espeak-ng ffmpeg sox chromium chromium-driver)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
