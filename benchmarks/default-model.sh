#!/usr/bin/env bash
# Reproduces models/default.vimodel: the distilled student of benchmarks/train-eval.sh (teacher and student trained
# on its 40 generated clips), scored on the test clips and bundled, signed with SIGNING_KEY. About 75 min on 2 cores
# when train-eval.sh has not run yet in WORK_DIR, a minute when it has.
# Usage: benchmarks/default-model.sh SIGNING_KEY [WORK_DIR] [VERSION]   (make a key with: trainer/trainer keys --out keys)
set -euo pipefail
cd "$(dirname "$0")/.."
key="$1"
work="${2:-work/bench}"
version="${3:-0.4.0}"
t=./trainer/trainer
run="$work/runs/student-kd"
[ -f "$run.onnx" ] || benchmarks/train-eval.sh "$work"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
# With a gate (benchmarks/early-exit.sh trains it), the export and the bundle carry the early-exit form too.
score "$run"
$t bundle --run "$run" --model "$run.onnx" --key "$key" --name defect-student --version "$version" \
  --metrics "$run-eval.json" --golden-clip test-videos/mixed-defects.mp4 --detection-threshold 0.3 \
  --alert-threshold 0.3 --out models/default.vimodel
