#!/usr/bin/env bash
# The trainer's core pipeline end to end, as measured in BENCHMARKS.md: generates the training clips (seeds disjoint
# from the committed test clips), trains the teacher, distils the student, trains the same student without
# distillation for the same steps, exports all three to ONNX and scores them on the committed test clips through the
# appliance's inference code. About 75 minutes on 2 cores. Usage: benchmarks/train-eval.sh [WORKDIR]
#
# Training clips show a fast belt (80 px/frame) at 6 fps with a shutter short enough that each frame has the motion
# blur of its preset at normal speed (normal 3.5 px, hard 8.4 px, easy 1 px): every frame shows parts the previous
# ones did not, so rendering time buys distinct defects instead of near-copies of the same one.
# Runs one training at a time: two libtorch trainings on 2 cores slow each other down tenfold.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
steps="${STEPS:-12000}"
mkdir -p "$work/data" "$work/runs"
t=./trainer/trainer
clip() { # NAME SEED PRESET EXPOSURE [MORE SYNTH OPTIONS]
  local out="$work/data/$1.mp4"
  [ -f "$out" ] || $t synth -o "$out" --seed "$2" --preset "$3" --exposure "$4" "${@:5}" \
    --fps 6 --duration 16 --belt-speed 80 --defect-rate 0.7
}
for s in $(seq 5001 5020); do clip "n$s" "$s" normal 0.044; done
for s in $(seq 6001 6010); do clip "h$s" "$s" hard 0.105; done
for s in $(seq 7001 7004); do clip "e$s" "$s" easy 0.0125; done
for s in $(seq 8001 8006); do clip "s$s" "$s" normal 0.044 --classes scratch,crack; done
videos=$(printf '%s,' "$work"/data/*.mp4)
videos="${videos%,}"
common=(--videos "$videos" --batch 8 --crop 192 --every 2)
[ -f "$work/runs/teacher/done" ] || { $t train-teacher "${common[@]}" --out "$work/runs/teacher" --steps "$steps" && touch "$work/runs/teacher/done"; }
[ -f "$work/runs/student-kd/done" ] || { $t distill "${common[@]}" --teacher "$work/runs/teacher" --out "$work/runs/student-kd" --steps "$steps" && touch "$work/runs/student-kd/done"; }
[ -f "$work/runs/student-base/done" ] || { $t train-teacher "${common[@]}" --model student --out "$work/runs/student-base" --steps "$steps" && touch "$work/runs/student-base/done"; }
tests=test-videos/mixed-defects.mp4,test-videos/hard-conditions.mp4,test-videos/clean-line.mp4
for r in teacher student-kd student-base; do
  $t export --run "$work/runs/$r" --out "$work/runs/$r.onnx"
  $t eval --model "$work/runs/$r.onnx" --videos "$tests" --every 10 --report "$work/runs/$r-eval.json"
done
