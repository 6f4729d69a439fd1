#!/usr/bin/env bash
# Reproduces models/default.vimodel: a student cut from the teacher of benchmarks/train-eval.sh (the 160 clips of
# CLIP_SETS=4, 48000 steps, weights averaged at 0.9995) to stage widths 16-32-64-96, depth 2, neck 28 (the teacher's
# own channels with the largest BatchNorm scales), distilled DISTILL_STEPS (benchmarks/pruned-student.sh), given its
# early-exit gate, scored on the test clips and bundled with a detection threshold of 0.4 and an alert threshold of
# 0.45 (chosen on five fresh clips: BENCHMARKS.md, "The bundled model 0.6.0"), signed with SIGNING_KEY, whose public
# half (beside it, as trainer keys writes it) becomes models/demo-signing.pub, the key the demo trusts. Then the same
# student in int8 for ONNX Runtime's CPU kernels (quantisation-aware distillation, 1500 steps, the CPU form;
# BENCHMARKS.md "The bundled student in int8" says why this one) as models/default-int8-cpu.vimodel, the bundle the
# demo runs. Each stage is skipped when WORK_DIR already holds it.
# From nothing on 2 cores: about 4 hours with TRAIN_ARGS=--bf16 on a CPU with AMX (the teacher 2.2 h at 6 steps/s),
# twice that in float. DISTILL_STEPS (default 16000): the student's distillation steps; TEACHER_STEPS (default 48000);
# CLIP_SETS (default 4); TRAIN_ARGS: more options for every training (e.g. --bf16 where the CPU has AMX).
# Usage: benchmarks/default-model.sh SIGNING_KEY [WORK_DIR] [VERSION]   (make a key with: trainer/trainer keys --out keys)
set -euo pipefail
cd "$(dirname "$0")/.."
key="$1"
work="${2:-work/bench}"
version="${3:-0.6.1}"
t=./trainer/trainer
steps="${DISTILL_STEPS:-16000}"
export CLIP_SETS="${CLIP_SETS:-4}"
run="$work/runs/pruned-16-32-64-96-28-$steps"
# What both bundles carry besides their model: the golden cases' clip and the thresholds.
shared=(--key "$key" --version "$version" --golden-clip test-videos/mixed-defects.mp4 --detection-threshold 0.4
  --alert-threshold 0.45)
[ -f "$work/runs/teacher/done" ] || STUDENTS=0 STEPS="${TEACHER_STEPS:-48000}" \
  TRAIN_ARGS="--average-decay 0.9995 ${TRAIN_ARGS:-}" benchmarks/train-eval.sh "$work"
[ -f "$run.onnx" ] || HARD=0 benchmarks/pruned-student.sh "$work" 16,32,64,96/28 "$steps"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
gate "$run"
score "$run" # the export and the bundle carry the early-exit form too
$t bundle --run "$run" --model "$run.onnx" --name defect-student --metrics "$run-eval.json" "${shared[@]}" \
  --out models/default.vimodel
cp "${key%.key}.pub" models/demo-signing.pub
$t quantize --videos "$videos" "${samples[@]}" --student "$run" --teacher "$work/runs/teacher" --steps 1500 \
  --out "$run-qat" # resumes an interrupted run
$t export --run "$run-qat" --target cpu --out "$run-qat-cpu.onnx"
evaluate "$run-qat-cpu"
$t bundle --run "$run-qat" --model "$run-qat-cpu.onnx" --name defect-student-cpu --metrics "$run-qat-cpu-eval.json" \
  "${shared[@]}" --out models/default-int8-cpu.vimodel
