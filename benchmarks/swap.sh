#!/usr/bin/env bash
# What a model swap costs the line: the appliance on a clip paced like a camera, the bundled model shipped to it over
# MQTT under new versions SWAPS times; the largest pause between processed frames and the drops in the 10 s holding
# each swap against the 10 s before it. Usage: benchmarks/swap.sh [CLIP] [SWAPS] [FPS]
# (defaults: test-videos/mixed-defects.mp4, 5, the clip's rate; with FPS the clip is re-encoded at that rate first).
set -euo pipefail
cd "$(dirname "$0")/.."
clip="${1:-test-videos/mixed-defects.mp4}"
swaps="${2:-5}"
fps="${3:-}"
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
if [ -n "$fps" ]; then
  slow=$(mktemp --suffix=.mp4)
  ffmpeg -v error -y -i "$clip" -vf "fps=$fps" -c:v libx264 -preset ultrafast -g "$fps" "$slow"
  clip="$slow"
fi
out=$(bench SwapBenchmark "$clip" "$swaps")
interval=$(echo "1000 / $(val source_fps)" | bc -l)
echo
echo "| input fps | swaps | rollout s (offer to active) | largest gap before ms (frame intervals) | largest gap with swap ms (frame intervals) | drops before / with swap |"
echo "|---|---|---|---|---|---|"
printf '| %s | %s | %s | %s (%.2f) | %s (%.2f) | %s / %s |\n' "$(val source_fps)" "$swaps" "$(val rollout_s)" \
  "$(val gap_before_ms)" "$(echo "$(val gap_before_ms) / $interval" | bc -l)" "$(val gap_swap_ms)" \
  "$(echo "$(val gap_swap_ms) / $interval" | bc -l)" "$(val drops_before)" "$(val drops_swap)"
