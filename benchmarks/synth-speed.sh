#!/usr/bin/env bash
# Generator speed: renders and encodes a 10 s 1080p clip per preset and prints a Markdown table
# (frames/s of the whole job: rendering on one thread, H.264 encoding on another). Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "| preset | frames | wall s | frames/s | MB |"
echo "|---|---|---|---|---|"
for preset in easy normal hard; do
  start=$(date +%s.%N)
  ./trainer/trainer synth -o "$out/$preset.mp4" --seed 7 --preset "$preset" --duration 10 >/dev/null 2>&1
  end=$(date +%s.%N)
  frames=$(grep -o '"frames":[0-9]*' "$out/$preset.json" | head -1 | cut -d: -f2)
  awk -v p="$preset" -v f="$frames" -v s="$start" -v e="$end" -v b="$(stat -c %s "$out/$preset.mp4")" \
    'BEGIN { printf "| %s | %d | %.1f | %.1f | %.1f |\n", p, f, e - s, f / (e - s), b / 1e6 }'
done
