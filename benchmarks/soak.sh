#!/usr/bin/env bash
# The appliance left running: two looping streams (mixed-defects, hard-conditions), an embedded broker and a model
# shipped over MQTT every SWAP_EVERY minutes, for MINUTES; resident memory, file descriptors, threads and readiness
# sampled every 30 s and compared after a 5 min warm-up. Usage: benchmarks/soak.sh [MINUTES] [SWAP_EVERY]
# (defaults 60 and 5). JVM options: APPLIANCE_JAVA_OPTS (default -Xmx2g, as ./demo).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-60}"
every="${2:-5}"
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
out=$(bench SoakBenchmark "$minutes" "$every" test-videos/mixed-defects.mp4 test-videos/hard-conditions.mp4)
echo
echo "| minutes | streams | model swaps | RSS after warm-up / end / max MB | RSS growth | fds warm / end | threads warm / end | samples not ready | alerts delivered |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| %s | %s | %s | %s / %s / %s | %s%% | %s / %s | %s / %s | %s | %s |\n' "$(val minutes)" "$(val streams)" \
  "$(val swaps)" "$(val rss_warm_mb)" "$(val rss_end_mb)" "$(val rss_max_mb)" "$(val rss_growth_pct)" \
  "$(val fds_warm)" "$(val fds_end)" "$(val threads_warm)" "$(val threads_end)" "$(val not_ready_samples)" \
  "$(val alerts)"
