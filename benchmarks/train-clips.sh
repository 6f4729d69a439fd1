# shellcheck shell=bash
# The data of the trainer's benchmarks: the 40 training clips of benchmarks/train-eval.sh, generated into $work/data
# where missing (seeds disjoint from the committed test clips), and the committed test clips they are scored on. Sets
# $videos (the training clips, comma-separated), $samples (how training cuts them into crops) and $tests, and defines
# `evaluate`, `score`, `gate` and `map`. Sourced from the repository root with $work and $t (the trainer) set, not run.
#
# Training clips show a fast belt (80 px/frame) at 6 fps with a shutter short enough that each frame has the motion
# blur of its preset at normal speed (normal 3.5 px, hard 8.4 px, easy 1 px): every frame shows parts the previous
# ones did not, so rendering time buys distinct defects instead of near-copies of the same one.
# shellcheck disable=SC2154 # $work is the caller's
# CLIP_SETS=n (default 1) makes n times as many clips of the same mix, the first set always the same 40.
mkdir -p "$work/data"
made=()
clip() { # NAME SEED PRESET EXPOSURE [MORE SYNTH OPTIONS]
  local out="$work/data/$1.mp4"
  # shellcheck disable=SC2154 # $t is the caller's
  [ -f "$out" ] || $t synth -o "$out" --seed "$2" --preset "$3" --exposure "$4" "${@:5}" \
    --fps 6 --duration 16 --belt-speed 80 --defect-rate 0.7
  made+=("$out")
}
sets="${CLIP_SETS:-1}"
for s in $(seq 5001 $((5000 + 20 * sets))); do clip "n$s" "$s" normal 0.044; done
for s in $(seq 6001 $((6000 + 10 * sets))); do clip "h$s" "$s" hard 0.105; done
for s in $(seq 7001 $((7000 + 4 * sets))); do clip "e$s" "$s" easy 0.0125; done
for s in $(seq 8001 $((8000 + 6 * sets))); do clip "s$s" "$s" normal 0.044 --classes scratch,crack; done
# In name order, as training has always read them: the order decides which crops a seed draws.
videos=$(printf '%s\n' "${made[@]}" | sort | paste -sd, -)
# shellcheck disable=SC2034 # read by the scripts that source this one
samples=(--batch 8 --crop 192 --every 2)
# shellcheck disable=SC2034
tests=test-videos/mixed-defects.mp4,test-videos/hard-conditions.mp4,test-videos/clean-line.mp4

# evaluate RUN [CLIPS [NAME]]: scores RUN.onnx on CLIPS (default: the test clips) into RUN-NAME.json (default:
# RUN-eval.json).
evaluate() {
  $t eval --model "$1.onnx" --videos "${2:-$tests}" --every 10 --report "$1-${3:-eval}.json"
}

# score RUN [CLIPS [NAME]]: exports the run directory RUN to RUN.onnx, then evaluates it as above.
score() {
  $t export --run "$1" --out "$1.onnx"
  evaluate "$@"
}

# gate RUN: trains RUN's early-exit gate on the training clips, its threshold set on four 1-minute clips of the line as
# it runs (5% defective parts, generated into $work/line where missing). A few minutes; skipped if RUN has one.
gate() {
  mkdir -p "$work/line"
  for s in 9101 9102 9103 9104; do
    [ -f "$work/line/l$s.mp4" ] || $t synth -o "$work/line/l$s.mp4" --seed "$s" --preset normal --exposure 0.044 \
      --fps 6 --duration 60 --belt-speed 80 --defect-rate 0.05
  done
  local line
  line=$(printf '%s,' "$work"/line/*.mp4)
  [ -f "$1/gate/threshold.json" ] || TRAINER_JAVA_OPTS=-Xmx14g $t gate --videos "$videos" --batch 8 --crop 256 \
    --every 2 --run "$1" --steps 2500 --calibration-videos "${line%,}" --calibration-every 4
}

# map REPORT: "mAP@0.5 | mAP@0.5:0.95" of an eval report.
map() {
  printf '%s | %s\n' "$(report_value "$1" map50)" "$(report_value "$1" map50to95)"
}
report_value() { grep -o "\"$2\" : [0-9.Ee-]*" "$1" | head -1 | cut -d' ' -f3; }
