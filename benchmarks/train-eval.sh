#!/usr/bin/env bash
# The trainer's core pipeline end to end, as measured in BENCHMARKS.md: generates 7 training clips (seeds disjoint
# from the committed test clips), trains the teacher, distils the student, trains the same student without
# distillation, exports all three to ONNX and scores them on the committed test clips through the appliance's
# inference code. About 45 minutes on 2 cores. Usage: benchmarks/train-eval.sh [WORKDIR]
# Runs one training at a time: two libtorch trainings on 2 cores slow each other down tenfold.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
mkdir -p "$work/data" "$work/runs"
t=./trainer/trainer
for s in 1001 1002 1003 1004; do [ -f "$work/data/n$s.mp4" ] || $t synth -o "$work/data/n$s.mp4" --seed $s --preset normal --defect-rate 0.7 --duration 10; done
for s in 2001 2002; do [ -f "$work/data/h$s.mp4" ] || $t synth -o "$work/data/h$s.mp4" --seed $s --preset hard --defect-rate 0.7 --duration 10; done
[ -f "$work/data/e3001.mp4" ] || $t synth -o "$work/data/e3001.mp4" --seed 3001 --preset easy --defect-rate 0.7 --duration 10
videos=$(ls "$work"/data/*.mp4 | tr '\n' ',' | sed 's/,$//')
common=(--videos "$videos" --batch 8 --crop 192 --every 2)
$t train-teacher "${common[@]}" --out "$work/runs/teacher" --steps 10000
$t distill "${common[@]}" --teacher "$work/runs/teacher" --out "$work/runs/student-kd" --steps 6000
$t train-teacher "${common[@]}" --model student --out "$work/runs/student-base" --steps 6000
tests=test-videos/mixed-defects.mp4,test-videos/hard-conditions.mp4,test-videos/clean-line.mp4
for r in teacher student-kd student-base; do
  $t export --run "$work/runs/$r" --out "$work/runs/$r.onnx"
  $t eval --model "$work/runs/$r.onnx" --videos "$tests" --every 10
done
