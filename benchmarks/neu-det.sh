#!/usr/bin/env bash
# The trainer on real defects: NEU-DET (hot-rolled steel, 1800 grey 200x200 images, 6 classes, Pascal VOC), trained on
# its published train split and scored on its test split through the appliance's inference code: the student trained
# on hard labels alone, the teacher, and the student distilled from it, each STEPS steps of batch 8 (whole images,
# flips and light jitter), as benchmarks/train-eval.sh does on the synthetic clips. Nothing is downloaded: point
# NEU at a copy of the dataset. Usage: benchmarks/neu-det.sh [WORKDIR] [STEPS]   (defaults: work/neu, 6000)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/neu}"
steps="${2:-6000}"
neu="${NEU:-../shared/datasets/NEU-DET}"
[ -d "$neu/annotations" ] || { echo "no NEU-DET at $neu (set NEU=PATH)" >&2; exit 1; }
mkdir -p "$work"
t=./trainer/trainer
train=(--dataset "voc:$neu" --split "$neu/splits/train.txt" --batch 8 --steps "$steps")
[ -f "$work/student-base/done" ] || { $t train-teacher "${train[@]}" --model student --out "$work/student-base" && touch "$work/student-base/done"; }
[ -f "$work/teacher/done" ] || { $t train-teacher "${train[@]}" --out "$work/teacher" && touch "$work/teacher/done"; }
[ -f "$work/student-kd/done" ] || { $t distill "${train[@]}" --teacher "$work/teacher" --out "$work/student-kd" && touch "$work/student-kd/done"; }
for r in student-base teacher student-kd; do
  $t export --run "$work/$r" --out "$work/$r.onnx"
  $t eval --model "$work/$r.onnx" --dataset "voc:$neu" --split "$neu/splits/test.txt" --report "$work/$r-eval.json"
done
