#!/usr/bin/env bash
# Data-parallel scaling on this machine: the same distillation steps (same global batch, seed and data) run by one
# process with every core, then by N processes (trainer/launch) sharing the cores; prints steps/s, the speed-up, the
# scaling efficiency and the time each step spends in the gradient all-reduce (c10d Gloo over loopback, waiting for
# the slowest rank included), from rank 0's log.
# Usage: benchmarks/distributed.sh TEACHER_RUN VIDEOS [STEPS] [N]   (VIDEOS comma-separated; defaults 300 steps, 2)
set -euo pipefail
cd "$(dirname "$0")/.."
teacher="$1"
videos="$2"
steps="${3:-300}"
n="${4:-2}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(distill --teacher "$teacher" --videos "$videos" --batch 8 --crop 192 --every 4 --steps "$steps")
start=$(date +%s.%N); ./trainer/trainer "${common[@]}" --out "$work/one" > "$work/one.out" 2>&1; one=$(echo "$(date +%s.%N) - $start" | bc -l)
start=$(date +%s.%N); ./trainer/launch "$n" "${common[@]}" --out "$work/many" > "$work/many.out" 2>&1; many=$(echo "$(date +%s.%N) - $start" | bc -l)
sync=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "sync_ms") c = i } NR > 1 && c { s += $c; k++ } END { if (k) printf "%.1f", s / k; else print "-" }' "$work/many/log.csv")
echo "| processes | wall s for $steps steps (data loading included) | steps/s | speed-up | efficiency | all-reduce ms/step |"
echo "|---|---|---|---|---|---|"
printf '| 1 | %.1f | %.2f | 1.00 | 1.00 | - |\n' "$one" "$(echo "$steps / $one" | bc -l)"
printf '| %d | %.1f | %.2f | %.2f | %.2f | %s |\n' "$n" "$many" "$(echo "$steps / $many" | bc -l)" \
  "$(echo "$one / $many" | bc -l)" "$(echo "$one / $many / $n" | bc -l)" "$sync"
