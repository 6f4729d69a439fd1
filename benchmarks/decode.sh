#!/usr/bin/env bash
# Decode speed of the appliance's two frame sources on one clip (FFmpeg through JavaCV; GStreamer with avdec_h264,
# the software stand-in for the Jetson's nvv4l2decoder), unpaced, into the BGR hand-off buffer, round robin over
# PASSES passes; beside them FFmpeg's own decode-only speed (ffmpeg -threads 2 -f null) on the same clip.
# Usage: benchmarks/decode.sh [CLIP] [PASSES]   (defaults: test-videos/mixed-defects.mp4, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
clip="${1:-test-videos/mixed-defects.mp4}"
passes="${2:-5}"
jar=appliance/service/target/edgeinspect-appliance.jar
[ -f "$jar" ] || ./mvnw -q -B -pl appliance/service -am package -DskipTests
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip")
t0=$(date +%s.%N)
ffmpeg -v error -threads 2 -stream_loop $((passes - 1)) -i "$clip" -f null -
t1=$(date +%s.%N)
out=$(java -Dlogback.configurationFile=appliance-logback.xml -Droot.level=WARN -cp "$jar" \
  com.edgeinspect.appliance.bench.DecodeBenchmark "$clip" "$passes" ffmpeg avdec_h264 | grep '^RESULT')
val() { echo "$out" | grep "decoder=$1 " | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
echo "| clip | ffmpeg -f null fps | FfmpegSource fps (median, min-max) | GstSource avdec_h264 fps (median, min-max) |"
echo "|---|---|---|---|"
printf '| %s | %.1f | %s (%s-%s) | %s (%s-%s) |\n' "$(basename "$clip")" "$(echo "$passes * $frames / ($t1 - $t0)" | bc -l)" \
  "$(val ffmpeg median_fps)" "$(val ffmpeg min_fps)" "$(val ffmpeg max_fps)" \
  "$(val avdec_h264 median_fps)" "$(val avdec_h264 min_fps)" "$(val avdec_h264 max_fps)"
