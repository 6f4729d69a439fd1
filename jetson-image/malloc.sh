# shellcheck shell=bash
# The appliance's malloc settings, sourced by every launcher (the box's bin/appliance, ./demo, the benchmarks).
# glibc gives threads their own malloc arenas (up to 8 per core); ONNX Runtime sessions made and freed at every model
# swap leave those arenas fragmented and resident memory grows with each swap; two arenas cut that growth, and a fixed
# mmap threshold (glibc otherwise raises it to 32 MB after the first large free) keeps every buffer over 1 MB out of
# the arenas, so a released session's memory goes back to the system (BENCHMARKS.md, soak).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1048576}"
