#!/usr/bin/env bash
# A quick yardstick for changes to the detector's recipe: the default student trained on hard labels alone (no
# teacher needed) for STEPS steps, once per seed, on the training clips of benchmarks/train-eval.sh, scored on the
# committed test clips (40 distinct defects) and on four more generated clips of the test clips' kind (seeds 9101 and
# 9102 normal, 9201 and 9202 hard; 86 distinct defects in the scored frames), where one defect moves the mean less.
# About 12 minutes per seed on 2 cores at 6000 steps, plus 15 minutes once to generate the clips. Runs go to
# WORKDIR/runs/hard-LABEL-sSEED.
# Usage: benchmarks/hard-labels.sh [WORKDIR] [STEPS] [SEEDS] [LABEL]   (defaults: work/bench, 6000, "1 2", current)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
steps="${2:-6000}"
seeds="${3:-1 2}"
label="${4:-current}"
t=./trainer/trainer
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
mkdir -p "$work/heldout" "$work/runs"
for spec in "9101 normal 0.6" "9102 normal 0.6" "9201 hard 0.5" "9202 hard 0.5"; do
  read -r seed preset rate <<< "$spec"
  [ -f "$work/heldout/t$seed.mp4" ] || $t synth -o "$work/heldout/t$seed.mp4" --seed "$seed" --preset "$preset" \
    --defect-rate "$rate" --duration 10
done
heldout=$(printf '%s,' "$work"/heldout/t*.mp4)
heldout="${heldout%,}"
rows=()
for seed in $seeds; do
  r="$work/runs/hard-$label-s$seed"
  [ -f "$r/done" ] || { $t train-teacher --videos "$videos" "${samples[@]}" --model student \
    --seed "$seed" --steps "$steps" --out "$r" && touch "$r/done"; }
  score "$r" "$tests" test
  evaluate "$r" "$heldout" heldout
  rows+=("| $label | $seed | $(map "$r-test.json") | $(map "$r-heldout.json") |")
done
echo "| recipe | seed | test clips mAP@0.5 | mAP@0.5:0.95 | held-out clips mAP@0.5 | mAP@0.5:0.95 |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
