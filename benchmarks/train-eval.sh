#!/usr/bin/env bash
# The trainer's core pipeline end to end, as measured in BENCHMARKS.md: generates the training clips (seeds disjoint
# from the committed test clips), trains the teacher, distils the student, trains the same student without
# distillation for the same steps, exports all three to ONNX and scores them on the committed test clips through the
# appliance's inference code. About 75 minutes on 2 cores (the teacher alone, STUDENTS=0: about an hour).
# Usage: benchmarks/train-eval.sh [WORKDIR]
# STEPS (default 12000): each training's steps; TRAIN_ARGS: more options for every training (e.g. --average-decay 0.9995).
#
# The training clips: see benchmarks/train-clips.sh.
#
# Runs one training at a time: two libtorch trainings on 2 cores slow each other down tenfold.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
steps="${STEPS:-12000}"
mkdir -p "$work/runs"
t=./trainer/trainer
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
# shellcheck disable=SC2206 # the options are meant to split into words
common=(--videos "$videos" "${samples[@]}" ${TRAIN_ARGS:-})
[ -f "$work/runs/teacher/done" ] || { $t train-teacher "${common[@]}" --out "$work/runs/teacher" --steps "$steps" && touch "$work/runs/teacher/done"; }
runs=(teacher)
if [ "${STUDENTS:-1}" != 0 ]; then
  runs+=(student-kd student-base)
  [ -f "$work/runs/student-kd/done" ] || { $t distill "${common[@]}" --teacher "$work/runs/teacher" --out "$work/runs/student-kd" --steps "$steps" && touch "$work/runs/student-kd/done"; }
  [ -f "$work/runs/student-base/done" ] || { $t train-teacher "${common[@]}" --model student --out "$work/runs/student-base" --steps "$steps" && touch "$work/runs/student-base/done"; }
fi
for r in "${runs[@]}"; do
  score "$work/runs/$r"
  echo "$r: mAP@0.5 | mAP@0.5:0.95 = $(map "$work/runs/$r-eval.json")"
done
