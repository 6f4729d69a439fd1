#!/usr/bin/env bash
# A student cut from the teacher: the teacher pruned to SHAPE (trainer distill --from-teacher, as the structure search
# starts its candidates) and distilled for STEPS, beside the same shape trained for the same steps on hard labels
# alone from scratch (--weights 1,0,0,0: no teacher term; --depth teacher, as the pruned one has), on the data and
# teacher of benchmarks/train-eval.sh (run that first, same WORKDIR). Both scored on the committed test clips; the
# teacher and both students timed round robin in one run; `trainer export` prints each one's GMAC per frame. About an
# hour on 2 cores at 4000 steps.
# HARD=0 skips the hard-labels network (when its shape was measured before), halving the time. TRAIN_ARGS: more
# options for both trainings (e.g. --average-decay 0.9995).
# Usage: benchmarks/pruned-student.sh [WORKDIR] [SHAPE] [STEPS]   (defaults: work/bench, 16,32,64,96/24, 4000)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
shape="${2:-16,32,64,96/24}"
steps="${3:-4000}"
t=./trainer/trainer
r="$work/runs"
tag=$(echo "$shape" | tr ',/' '--')-$steps
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
# shellcheck disable=SC2206 # the options are meant to split into words
common=(--videos "$videos" "${samples[@]}" --teacher "$r/teacher" --steps "$steps" --shape "$shape" ${TRAIN_ARGS:-})
runs=("pruned-$tag")
$t distill "${common[@]}" --from-teacher --out "$r/pruned-$tag"
if [ "${HARD:-1}" != 0 ]; then
  runs+=("hard-$tag")
  $t distill "${common[@]}" --weights 1,0,0,0 --depth teacher --out "$r/hard-$tag"
fi
[ -f "$r/teacher-eval.json" ] || score "$r/teacher"
for m in "${runs[@]}"; do score "$r/$m"; done
models=$(printf "%s.onnx," "$r/teacher" "${runs[@]/#/$r/}")
$t latency --models "${models%,}" --rounds 30
for m in teacher "${runs[@]}"; do
  echo "$m: mAP@0.5 | mAP@0.5:0.95 = $(map "$r/$m-eval.json")"
done
