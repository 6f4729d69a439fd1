#!/usr/bin/env bash
# Early exit on a clip where defects are rare: the distilled student of benchmarks/train-eval.sh (run that first, same
# WORKDIR) gets its gate (trainer gate, on the training clips; threshold set on four 1-minute clips of the line as it
# runs, 5% defective parts), is exported in both forms and bundled; then the appliance plays a generated 10-minute
# clip (6 fps, fast belt, 2% defective parts, another seed) once with the whole graph on every frame and once with the
# early exit, and reports the share of frames that exited, the share of frame area the heads ran on, the mean
# inference time per frame and event-level recall and precision of each run (EarlyExitBenchmark). About 40 minutes on
# 2 cores. Usage: benchmarks/early-exit.sh KEY [WORKDIR] [RUN]   (KEY: the signing key, trainer keys; RUN: another
# student's run directory, e.g. the bundled model's, WORKDIR/runs/pruned-16-32-64-96-28-8000, with its thresholds:
# DETECTION=0.35 ALERT=0.4; default 0.3 each). GATE: the stream's gate threshold instead of the bundle's. BUNDLE: an
# early-exit bundle made before (no gate training, export or bundling; RUN unused) with GMAC=ONE,TWO,WHOLE, the
# arithmetic of its graphs as `trainer export` printed it when it was made.
set -euo pipefail
cd "$(dirname "$0")/.."
key="$1"
work="${2:-work/bench}"
t=./trainer/trainer
run="${3:-$work/runs/student-kd}"
dir="$work/early-exit"
mkdir -p "$dir"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
clip="$dir/rare-defects.mp4"
[ -f "$clip" ] || $t synth -o "$clip" --seed 9002 --preset normal --exposure 0.044 --fps 6 --duration 600 \
  --belt-speed 80 --defect-rate 0.02
bundle="${BUNDLE:-$dir/gated.vimodel}"
if [ -n "${BUNDLE:-}" ]; then
  IFS=, read -r one_gmac two_gmac whole_gmac <<< "${GMAC:?BUNDLE needs GMAC=ONE,TWO,WHOLE}"
else
  gate "$run"
  exported=$($t export --run "$run" --out "$dir/student.onnx")
  echo "$exported"
  # gmac WHAT: the multiply-accumulates per 1080p frame the export reports for the whole graph or one stage.
  gmac() { echo "$exported" | grep -o "$1[^)]*GMAC" | grep -o '[0-9.]* GMAC' | cut -d' ' -f1; }
  whole_gmac=$(gmac "bytes,")
  one_gmac=$(gmac "first stage and gate")
  two_gmac=$(gmac "the rest")
  $t bundle --run "$run" --model "$dir/student.onnx" --key "$key" --name defect-student --version early-exit-bench \
    --golden-clip test-videos/mixed-defects.mp4 --detection-threshold "${DETECTION:-0.3}" \
    --alert-threshold "${ALERT:-0.3}" --out "$bundle"
fi
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
# shellcheck disable=SC2086 # GATE is one optional argument
out=$(bench EarlyExitBenchmark "$clip" "$bundle" 100 ${GATE:-})  # the belt moves 80 px per frame
whole_ms=$(val inference_ms mode=whole)
early_ms=$(val inference_ms mode=early-exit)
echo
computed=$(val stage_two_share mode=early-exit)
echo "| run | frames processed | exited at the gate | second graph computed on (share of frame area, mean) | mean inference ms per frame | recall | precision | alerts | false |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in whole early-exit; do
  printf '| %s | %s | %s (%.1f%%) | %s | %s | %s | %s | %s | %s |\n' "$m" "$(val processed "mode=$m")" \
    "$(val exits "mode=$m")" "$(echo "100 * $(val exit_share "mode=$m")" | bc -l)" "$(val stage_two_share "mode=$m")" \
    "$(val inference_ms "mode=$m")" "$(val recall "mode=$m")" "$(val precision "mode=$m")" "$(val alerts "mode=$m")" \
    "$(val false "mode=$m")"
done
printf '\ncompute cut: %.1f%% of mean inference time; %.1f%% of arithmetic (%s GMAC + %s x %s GMAC vs %s); recall loss: %s points\n' \
  "$(echo "100 * (1 - $early_ms / $whole_ms)" | bc -l)" \
  "$(echo "100 * (1 - ($one_gmac + $computed * $two_gmac) / $whole_gmac)" | bc -l)" "$one_gmac" "$computed" "$two_gmac" \
  "$whole_gmac" "$(val recall_loss_points mode=compare)"
echo "$out" | grep '^MISSED' || true
