#!/usr/bin/env bash
# Decode speed of the appliance's two frame sources on one clip (FFmpeg through JavaCV; GStreamer with avdec_h264,
# the software stand-in for the Jetson's nvv4l2decoder), unpaced, into the BGR hand-off buffer, round robin over
# PASSES passes; beside them FFmpeg's own decode-only speed (ffmpeg -threads 2 -f null) on the same clip. Then how many
# frames the H.264 decoder holds back with FFmpeg's default threading and with the FFmpeg source's (DecoderDelay).
# Usage: benchmarks/decode.sh [CLIP] [PASSES]   (defaults: test-videos/mixed-defects.mp4, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
clip="${1:-test-videos/mixed-defects.mp4}"
passes="${2:-5}"
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
ffmpeg_cli=$(ffmpeg_fps "$clip" "$passes")
out=$(bench DecodeBenchmark "$clip" "$passes" ffmpeg avdec_h264)
echo "| clip | ffmpeg -f null fps | FfmpegSource fps (median, min-max) | GstSource avdec_h264 fps (median, min-max) |"
echo "|---|---|---|---|"
printf '| %s | %.1f | %s (%s-%s) | %s (%s-%s) |\n' "$(basename "$clip")" "$ffmpeg_cli" \
  "$(val median_fps 'decoder=ffmpeg ')" "$(val min_fps 'decoder=ffmpeg ')" "$(val max_fps 'decoder=ffmpeg ')" \
  "$(val median_fps 'decoder=avdec_h264 ')" "$(val min_fps 'decoder=avdec_h264 ')" "$(val max_fps 'decoder=avdec_h264 ')"
delay=$(bench DecoderDelay "$clip")
echo
echo "| decoder settings | threads | threading | frames held back (a live camera's latency, in frame intervals) |"
echo "|---|---|---|---|"
echo "$delay" | while read -r line; do
  v() { echo "$line" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2; }
  printf '| %s | %s | %s | %s |\n' "$(v decoder)" "$(v threads)" "$(v thread_type)" "$(v held_back)"
done
