#!/usr/bin/env bash
# INT8 from a distilled student (default: student-kd of benchmarks/train-eval.sh; run that first, same WORKDIR):
# post-training quantisation (calibration only) and quantisation-aware distillation from the float teacher, both
# exported for TensorRT (the training numerics exactly) and for ONNX Runtime's CPU int8 kernels; all scored on the
# committed test clips beside the float student, then their CPU latency measured round robin in one run.
# About 15 minutes on 2 cores. Usage: benchmarks/quantize.sh [WORKDIR] [QAT_STEPS] [STUDENT_RUN]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
steps="${2:-1500}"
m="${3:-student-kd}"
t=./trainer/trainer
r="$work/runs"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
common=(--videos "$videos" "${samples[@]}" --student "$r/$m" --teacher "$r/teacher")
[ -f "$r/$m-ptq/checkpoint.txt" ] || $t quantize "${common[@]}" --steps 0 --out "$r/$m-ptq"
$t quantize "${common[@]}" --steps "$steps" --out "$r/$m-qat" # resumes an interrupted run
$t export --run "$r/$m" --out "$r/$m.onnx"
for q in ptq qat; do
  $t export --run "$r/$m-$q" --out "$r/$m-$q.onnx"
  $t export --run "$r/$m-$q" --target cpu --out "$r/$m-$q-cpu.onnx"
done
for x in "$m" "$m-ptq" "$m-ptq-cpu" "$m-qat" "$m-qat-cpu"; do
  evaluate "$r/$x"
  echo "$x: mAP@0.5 | mAP@0.5:0.95 = $(map "$r/$x-eval.json")"
done
$t latency --models "$r/$m.onnx,$r/$m-qat.onnx,$r/$m-qat-cpu.onnx,$r/$m-ptq-cpu.onnx" --rounds 30
