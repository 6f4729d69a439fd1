#!/usr/bin/env bash
# Reproduces models/default.vimodel: the teacher of train-eval.sh (10000 steps on 7 clips), then a student distilled
# from it for 12000 steps on those 7 clips plus 10 more (4 normal, 3 hard, 3 with only scratches and cracks, 80-90%
# defective parts), exported, scored on the test clips and bundled. About 70 min on 2 cores.
# Usage: benchmarks/default-model.sh SIGNING_KEY [WORK_DIR]   (make a key with: trainer/trainer keys --out keys)
set -euo pipefail
cd "$(dirname "$0")/.."
key="$1"
work="${2:-work/bench}"
t=./trainer/trainer
d="$work/data"
benchmarks/train-eval.sh "$work" >/dev/null  # data and teacher (skips what exists; also trains the baselines)
for s in 1005 1006 1007 1008; do [ -f "$d/n$s.mp4" ] || $t synth -o "$d/n$s.mp4" --seed $s --preset normal --defect-rate 0.8 --duration 10; done
for s in 2003 2004 2005; do [ -f "$d/h$s.mp4" ] || $t synth -o "$d/h$s.mp4" --seed $s --preset hard --defect-rate 0.8 --duration 10; done
for s in 4001 4002 4003; do [ -f "$d/s$s.mp4" ] || $t synth -o "$d/s$s.mp4" --seed $s --preset normal --classes scratch,crack --defect-rate 0.9 --duration 10; done
videos=$(printf '%s,' "$d"/*.mp4)
videos="${videos%,}"
run="$work/runs/student-default"
$t distill --videos "$videos" --batch 8 --crop 192 --every 2 --teacher "$work/runs/teacher" --out "$run" --steps 12000
$t export --run "$run" --out "$run.onnx"
$t eval --model "$run.onnx" --videos test-videos/mixed-defects.mp4,test-videos/hard-conditions.mp4,test-videos/clean-line.mp4 \
  --every 10 --report "$run-eval.json"
$t bundle --run "$run" --model "$run.onnx" --key "$key" --name defect-student --version 0.2.0 --metrics "$run-eval.json" \
  --golden-clip test-videos/mixed-defects.mp4 --detection-threshold 0.3 --alert-threshold 0.3 --out models/default.vimodel
