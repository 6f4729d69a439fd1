#!/usr/bin/env bash
# INT8 from the distilled student of benchmarks/train-eval.sh (run that first, same WORKDIR): post-training
# quantisation (calibration only) and quantisation-aware distillation from the float teacher, both exported for
# TensorRT (the training numerics exactly) and the QAT one also for ONNX Runtime's CPU int8 kernels; all scored on the
# committed test clips beside the float student, then their CPU latency measured round robin in one run.
# About 15 minutes on 2 cores. Usage: benchmarks/quantize.sh [WORKDIR] [QAT_STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-work/bench}"
steps="${2:-1500}"
t=./trainer/trainer
r="$work/runs"
# shellcheck source=benchmarks/train-clips.sh
source benchmarks/train-clips.sh
common=(--videos "$videos" "${samples[@]}" --student "$r/student-kd" --teacher "$r/teacher")
[ -f "$r/student-ptq/checkpoint.txt" ] || $t quantize "${common[@]}" --steps 0 --out "$r/student-ptq"
$t quantize "${common[@]}" --steps "$steps" --out "$r/student-qat"
$t export --run "$r/student-kd" --out "$r/student-kd.onnx"
$t export --run "$r/student-ptq" --out "$r/student-ptq.onnx"
$t export --run "$r/student-qat" --out "$r/student-qat.onnx"
$t export --run "$r/student-qat" --target cpu --out "$r/student-qat-cpu.onnx"
for m in student-kd student-ptq student-qat student-qat-cpu; do
  evaluate "$r/$m"
  echo "$m: mAP@0.5 | mAP@0.5:0.95 = $(map "$r/$m-eval.json")"
done
$t latency --models "$r/student-kd.onnx,$r/student-qat.onnx,$r/student-qat-cpu.onnx" --rounds 30
