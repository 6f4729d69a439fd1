#!/usr/bin/env bash
# Event-level recall and precision of a bundle on the committed test clips, apart from this machine's speed
# (EventReplay): every frame detected once, then the appliance's tracker and alert policy replayed as a detector that
# keeps up with one frame in k would feed them, each phase of k; then the defective parts the every-frame replay
# missed, with the classes of their defects and the best score the detector gave inside them (down to 0.05, below
# the threshold too). A few minutes on 2
# cores. VARIANTS: settings of the tracker and the alert policy to replay, separated by ';', each the configuration's
# YAML lines (default: one variant, the defaults). CLIPS: annotated clips (default: the committed test clips).
# A bundle signed with your own key needs TRUSTED_KEYS=path/to/signing.pub.
# Usage: benchmarks/events.sh [BUNDLE] [STRIDES] [VARIANTS] [CLIP...]   (defaults: models/default.vimodel, 1,2,3,6)
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="${1:-models/default.vimodel}"
strides="${2:-1,2,3,6}"
variants="${3:-}"
clips=("${@:4}")
[ ${#clips[@]} -gt 0 ] || clips=(test-videos/mixed-defects.mp4 test-videos/hard-conditions.mp4 test-videos/clean-line.mp4)
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
# shellcheck disable=SC2086 # the JVM options are meant to split into words
out=$(java ${APPLIANCE_JAVA_OPTS:--Xmx2g} -Dlogback.configurationFile=appliance-logback.xml -Droot.level=WARN \
  -cp "$jar" com.edgeinspect.appliance.bench.EventReplay "$bundle" "$strides" "$variants" "${clips[@]}" | tee >(cat >&2) | grep -E '^(RESULT|MISSED)')
echo
echo "| clip | variant | defective parts | frames processed | recall (mean over phases) | recall min-max | precision | false alerts per pass |"
echo "|---|---|---|---|---|---|---|---|"
echo "$out" | grep '^RESULT' | while read -r line; do
  v() { echo "$line" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2; }
  printf '| %s | %s | %s | 1 in %s | %s | %s-%s | %s | %s |\n' "$(v clip)" "$(v variant)" "$(v parts)" "$(v stride)" "$(v recall)" \
    "$(v recall_min)" "$(v recall_max)" "$(v precision)" "$(v false_per_pass)"
done
# Over all clips, per variant and rate: recall of all their defective parts, precision of all their alerts.
echo "$out" | grep '^RESULT' | tr ' ' '\n' | awk -F= '
  $1 == "RESULT" { next }
  $1 == "variant" { v = $2 } $1 == "stride" { k = $2 } $1 == "parts" { p = $2 } $1 == "recall" { r = $2 }
  $1 == "alerts_per_pass" { a = $2 }
  $1 == "duplicates_per_pass" { key = v " " k; parts[key] += p; found[key] += r * p; alerts[key] += a; if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
  END { for (i = 0; i < n; i++) { split(order[i], x, " "); key = order[i]
    printf "| all clips | %s | %d | 1 in %s | %.3f | - | %.3f | - |\n", x[1], parts[key], x[2],
      parts[key] ? found[key] / parts[key] : 1, alerts[key] ? found[key] / alerts[key] : 1 } }'
echo
echo "$out" | grep '^MISSED' || echo "no defective part missed with every frame detected"
