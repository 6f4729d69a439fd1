#!/usr/bin/env bash
# The structure search's acceptance run, on the data and teacher of benchmarks/train-eval.sh (run that first, same
# WORKDIR): the PPO search (held-out: two fresh normal-preset clips, not the test clips), then the chosen shape and
# the uniform width scaling (every group at one ratio) next in measured latency at or above the chosen one's, both
# distilled with the same recipe and steps, both scored on the committed test clips, their latency measured side by
# side. Both start from the teacher pruned to their shape (trainer distill --from-teacher: per-group learning rates,
# the selection term), as the search scored them. Hours on 2 cores (the search alone: UPDATES x 8 candidates at up to
# a minute each).
# Usage: benchmarks/search.sh [WORKDIR] [UPDATES] [STEPS]   (defaults: work/bench, 6, 12000)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
updates="${2:-6}"
steps="${3:-12000}"
t=./trainer/trainer
r="$work/runs"
for s in 9001 9002; do
  [ -f "$work/holdout/v$s.mp4" ] || $t synth -o "$work/holdout/v$s.mp4" --seed $s --preset normal --defect-rate 0.7 --duration 10
done
holdout="$work/holdout/v9001.mp4,$work/holdout/v9002.mp4"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
$t search --teacher "$r/teacher" --videos "$videos" --crop 192 --every 4 --holdout "$holdout" --holdout-every 10 \
  --updates "$updates" --out "$r/search"
best=$(tail -n +2 "$r/search/candidates.csv" | sort -t, -k9 -g | tail -1)
chosen=$(echo "$best" | awk -F, '{ printf "%s,%s,%s,%s/%s", $1, $2, $3, $4, $5 }')
gate=$(echo "$best" | cut -d, -f10)
latency=$(echo "$best" | cut -d, -f11)
# The uniform width scaling (every group at one ratio, no gate; measured by the search) that is the fastest of those
# at least as slow as the choice (whole graphs; the slowest if none is): the baseline never gets less time than the
# choice. The structures are compared; the chosen gate is not carried over.
uniform=$(awk -F, -v l="$latency" 'NR > 1 { print ($11 >= l ? 0 : 1) "," ($11 >= l ? $11 : -$11) "," $0 }' \
  "$r/search/uniform.csv" | sort -t, -k1,1n -k2,2g | head -1 | cut -d, -f3- \
  | awk -F, '{ printf "%s,%s,%s,%s/%s", $1, $2, $3, $4, $5 }')
common=(--videos "$videos" "${samples[@]}" --teacher "$r/teacher" --steps "$steps" --from-teacher)
$t distill "${common[@]}" --shape "$chosen" --out "$r/student-searched"
$t distill "${common[@]}" --shape "$uniform" --out "$r/student-uniform"
for m in student-searched student-uniform; do
  $t export --run "$r/$m" --out "$r/$m.onnx"
  $t eval --model "$r/$m.onnx" --videos "$tests" --every 10 --report "$r/$m-eval.json"
done
$t latency --models "$r/student-searched.onnx,$r/student-uniform.onnx" --rounds 30
echo "searched shape $chosen (gate threshold $gate in the search) vs uniform $uniform"
