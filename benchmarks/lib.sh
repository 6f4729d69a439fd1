# shellcheck shell=bash
# What the appliance benchmarks share; sourced from the repository root, not run.
# shellcheck source=appliance/service/jar.sh
source appliance/service/jar.sh
# shellcheck source=jetson-image/malloc.sh
source jetson-image/malloc.sh

# bench CLASS ARGS...: runs an appliance benchmark class (JVM options: APPLIANCE_JAVA_OPTS, default -Xmx2g as ./demo;
# bundles signed with your own key: TRUSTED_KEYS=path/to/signing.pub, comma-separated, beside the demo key);
# its log goes to stderr without the alert lines, its RESULT lines (and MISSED: parts it missed) to stdout.
bench() {
  local class="$1"
  shift
  # shellcheck disable=SC2086 # the JVM options are meant to split into words
  java ${APPLIANCE_JAVA_OPTS:--Xmx2g} -Dlogback.configurationFile=appliance-logback.xml -Droot.level=WARN \
    -cp "$jar" "com.edgeinspect.appliance.bench.$class" "$@" | tee >(grep --line-buffered -v ' ALERT ' >&2) | grep -E '^(RESULT|MISSED)'
}

# val KEY [MATCH]: the value of KEY=... in the RESULT lines held in $out (only lines containing MATCH, if given).
val() {
  # shellcheck disable=SC2154 # $out is the caller's
  echo "$out" | grep -- "${2:-}" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2
}

# ffmpeg_fps CLIP PASSES: FFmpeg's own decode-only speed on the clip (ffmpeg -threads 2 -f null), frames per second.
ffmpeg_fps() {
  local frames t0 t1
  frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1")
  t0=$(date +%s.%N)
  ffmpeg -v error -threads 2 -stream_loop $(($2 - 1)) -i "$1" -f null -
  t1=$(date +%s.%N)
  echo "$2 * $frames / ($t1 - $t0)" | bc -l
}
