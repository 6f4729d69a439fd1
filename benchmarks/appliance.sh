#!/usr/bin/env bash
# Appliance speed on one clip, all in one run so the ratios are fair on a shared machine:
#   decode-only ceiling   ffmpeg -threads 2 -f null on the clip (3 passes)
#   inference ceilings    the appliance's inference on 1080p frames of the clip (pre-processing, ONNX Runtime with
#                         the bundle's early exit as the appliance runs it, decoding) and ONNX Runtime alone on the
#                         bundle's whole graph (no exit) and a preprocessed frame; measured before and after the run
#                         and every 60 s during it, with the appliance frozen (SIGSTOP) for the seconds they take:
#                         this machine's speed drifts by a quarter within minutes, so each minute of the run is set
#                         against the ceilings measured at its two ends. Before and after, the appliance's inference
#                         once more with the clip decoded beside it at 30 fps (the appliance's FFmpeg source): what
#                         decoding a 1080p30 stream takes from two cores, which no pipeline wins back
#   end to end            the appliance in a process of its own as the box starts it (APPLIANCE_JAVA_OPTS), on the
#                         clip paced like a 30 fps camera, looping, embedded broker
#   frame-to-alert        decode to the broker's PUBACK, p50/p95/p99, counted after a 10 s warm-up (what happens
#                         around a freeze counts nowhere)
#   memory                the appliance process's RSS sampled every 10 s after the warm-up
# Usage: benchmarks/appliance.sh [CLIP] [SECONDS] [MODEL]   (defaults: test-videos/mixed-defects.mp4, 600)
# MODEL: more keys of the configuration's model section, YAML flow entries, e.g. 'early_exit: false'.
# JVM options of the appliance (and of the benchmark beside it): APPLIANCE_JAVA_OPTS (default -Xmx2g, as ./demo).
set -euo pipefail
cd "$(dirname "$0")/.."
clip="${1:-test-videos/mixed-defects.mp4}"
seconds="${2:-600}"
model=("${@:3}")
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
decode_fps=$(ffmpeg_fps "$clip" 3)
printf 'decode only (ffmpeg -threads 2): %.1f fps\n' "$decode_fps"
out=$(bench PipelineBenchmark "$clip" "$seconds" "${model[@]}")
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
ceiling=$(min "$decode_fps" "$(val detect_fps)")
ort_ceiling=$(min "$decode_fps" "$(val ort_fps)")
echo
echo "| clip | decode-only fps | inference-only fps during the run (the appliance's, with pre+post / ORT alone, whole graph) | end-to-end fps at 30 fps input | e2e / slower ceiling (the appliance's inference / ORT alone) | decoded fps (real time = 30) | frame-to-alert p50 / p99 ms | alerts | RSS start / end / max MB |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| %s | %.1f | %.2f / %.2f | %.2f | %.2f / %.2f | %.1f | %s / %s | %s | %s / %s / %s |\n' "$(basename "$clip")" \
  "$decode_fps" "$(val detect_fps)" "$(val ort_fps)" "$(val e2e_fps)" "$(echo "$(val e2e_fps) / $ceiling" | bc -l)" \
  "$(echo "$(val e2e_fps) / $ort_ceiling" | bc -l)" \
  "$(val decoded_fps)" "$(val alert_p50_ms)" "$(val alert_p99_ms)" "$(val alerts)" \
  "$(val rss_start_mb)" "$(val rss_end_mb)" "$(val rss_max_mb)"
printf '\nwhere frame-to-alert goes, p50 / p99 ms: inference (pre, graphs, post) %s / %s; decoded to alerts handed to the publisher (every frame: waiting for the detector, inference, tracking, snapshots) %s / %s; alert queued in the spool to PUBACK %s / %s; decoded to PUBACK (alert frames) %s / %s (p95 %s; a p99 rests on the worst 1%% of the alerts; %s%% of them within 100 ms)\n' \
  "$(val inference_p50_ms)" "$(val inference_p99_ms)" "$(val handed_p50_ms)" "$(val handed_p99_ms)" \
  "$(val delivery_p50_ms)" "$(val delivery_p99_ms)" "$(val alert_p50_ms)" "$(val alert_p99_ms)" "$(val alert_p95_ms)" \
  "$(val alerts_within_100ms_pct)"
printf "inference alone during the run: ONNX Runtime %s to %s fps (before / after it: %s / %s), the appliance's %s fps (before / after: %s / %s); e2e / ONNX Runtime alone, minute by minute: %s lowest, %s median, %s highest\n" \
  "$(val ort_min_fps)" "$(val ort_max_fps)" "$(val ort_before_fps)" "$(val ort_after_fps)" "$(val detect_fps)" \
  "$(val detect_before_fps)" "$(val detect_after_fps)" \
  "$(val window_ratio_min)" "$(val window_ratio_median)" "$(val window_ratio_max)"
before_after=$(echo "($(val detect_before_fps) + $(val detect_after_fps)) / 2" | bc -l)
printf "the appliance's inference with the clip decoded beside it (before and after the run): %s fps (%.2f of it alone then); end to end / that: %.2f\n" \
  "$(val detect_decoding_fps)" "$(echo "$(val detect_decoding_fps) / $before_after" | bc -l)" \
  "$(echo "$(val e2e_fps) / $(val detect_decoding_fps)" | bc -l)"
