#!/usr/bin/env bash
# Regenerates the committed test clips and their annotations, bit for bit from their seeds, then prints the table
# that test-videos/README.md shows. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
./trainer/trainer synth -o test-videos/clean-line.mp4 --seed 101 --preset easy --defect-rate 0 --duration 10
./trainer/trainer synth -o test-videos/mixed-defects.mp4 --seed 206 --preset normal --defect-rate 0.6 --duration 10
./trainer/trainer synth -o test-videos/hard-conditions.mp4 --seed 303 --preset hard --defect-rate 0.5 --duration 10
./trainer/trainer synth -o test-videos/burst.mp4 --seed 404 --preset easy --lanes 3 --belt-speed 60 --defect-rate 1 \
  --duration 6 --bitrate 2500
./trainer/trainer stats test-videos/clean-line.mp4 test-videos/mixed-defects.mp4 test-videos/hard-conditions.mp4 \
  test-videos/burst.mp4
