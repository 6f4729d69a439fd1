#!/usr/bin/env bash
# The structure search's acceptance run, on the data and teacher of benchmarks/train-eval.sh (run that first, same
# WORKDIR): the PPO search (held-out: two fresh normal-preset clips, not the test clips), then the chosen shape and
# the uniform width scalings (every group at one ratio) next in measured latency above and below the chosen one's,
# all distilled with the same recipe and steps, all scored on the committed test clips, their latency measured side
# by side. All start from the teacher pruned to their shape (trainer distill --from-teacher: per-group learning
# rates, the selection term), as the search scored them. Hours on 2 cores (the search alone: UPDATES x 8 candidates at up to
# a minute each).
# With BUDGET_MS set, the search runs under that hard latency budget (trainer search --latency-budget-ms, into
# runs/search-budget-BUDGET_MS) and the comparison is the equal-budget one: the best-rewarded shape whose whole graph
# fits the budget (the gate is not carried over) against the slowest uniform width scaling that fits it.
# DISTILL_STEPS: each candidate's distillation before it is scored (the search's accuracy estimate; default 100).
# TRAIN_ARGS: more options for the search and the distillations (e.g. --bf16).
# Usage: [BUDGET_MS=ms] [DISTILL_STEPS=n] benchmarks/search.sh [WORKDIR] [UPDATES] [STEPS]
#   (defaults: work/bench, 6, 12000)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
updates="${2:-6}"
steps="${3:-12000}"
t=./trainer/trainer
r="$work/runs"
budget="${BUDGET_MS:-}"
tag="${budget:+-budget-$budget}" # what a budgeted run's directories are suffixed with
search="$r/search$tag${DISTILL_STEPS:+-estimate-$DISTILL_STEPS}" # a search resumes only from its own estimates
for s in 9001 9002; do
  [ -f "$work/holdout/v$s.mp4" ] || $t synth -o "$work/holdout/v$s.mp4" --seed $s --preset normal --defect-rate 0.7 --duration 10
done
holdout="$work/holdout/v9001.mp4,$work/holdout/v9002.mp4"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
# shellcheck disable=SC2086 # the options are meant to split into words
$t search --teacher "$r/teacher" --videos "$videos" --crop 192 --every 4 --holdout "$holdout" --holdout-every 10 \
  --updates "$updates" --distill-steps "${DISTILL_STEPS:-100}" ${budget:+--latency-budget-ms "$budget"} \
  ${TRAIN_ARGS:-} --out "$search"
# fits CSV: its rows whose whole graph is inside the budget (all rows without one).
fits() { awk -F, -v b="$budget" 'NR > 1 && (b == "" || $11 <= b + 0)' "$1"; }
best=$(fits "$search/candidates.csv" | sort -t, -k9 -g | tail -1)
shape() { awk -F, '{ printf "%s,%s,%s,%s/%s", $1, $2, $3, $4, $5 }'; }
chosen=$(echo "$best" | shape)
gate=$(echo "$best" | cut -d, -f10)
latency=$(echo "$best" | cut -d, -f11)
# The uniform width scalings (every group at one ratio, no gate; measured by the search) on either side of the choice
# in latency: the fastest of those at least as slow as it (the slowest if none is) and the slowest of those faster.
# Uniform scalings are few, so "at equal latency" is read between the two. The structures are compared; the chosen
# gate is not carried over.
# Under a budget: the slowest uniform scaling inside it, and none above.
if [ -n "$budget" ]; then
  uniform=$(fits "$search/uniform.csv" | sort -t, -k11,11g | tail -1 | shape)
  below=
else
  uniform=$(awk -F, -v l="$latency" 'NR > 1 { print ($11 >= l ? 0 : 1) "," ($11 >= l ? $11 : -$11) "," $0 }' \
    "$search/uniform.csv" | sort -t, -k1,1n -k2,2g | head -1 | cut -d, -f3- | shape)
  below=$(awk -F, -v l="$latency" 'NR > 1 && $11 < l' "$search/uniform.csv" | sort -t, -k11,11g | tail -1 | shape)
fi
# shellcheck disable=SC2206 # the options are meant to split into words
common=(--videos "$videos" "${samples[@]}" --teacher "$r/teacher" --steps "$steps" --from-teacher ${TRAIN_ARGS:-})
students=("student-searched$tag" "student-uniform$tag")
$t distill "${common[@]}" --shape "$chosen" --out "$r/student-searched$tag"
$t distill "${common[@]}" --shape "$uniform" --out "$r/student-uniform$tag"
if [ -n "$below" ]; then
  $t distill "${common[@]}" --shape "$below" --out "$r/student-uniform-below"
  students+=(student-uniform-below)
fi
models=()
for m in "${students[@]}"; do
  score "$r/$m"
  models+=("$r/$m.onnx")
done
$t latency --models "$(IFS=,; echo "${models[*]}")" --rounds 30
for m in "${students[@]}"; do
  echo "$m: mAP@0.5 | mAP@0.5:0.95 = $(map "$r/$m-eval.json")"
done
echo "searched shape $chosen (gate threshold $gate in the search) vs uniform $uniform${below:+ and $below}"
