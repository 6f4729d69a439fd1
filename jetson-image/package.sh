#!/usr/bin/env bash
# Builds the appliance package for the Jetson (linux-arm64) on any machine with JDK 17:
#   jetson-image/build/edgeinspect-appliance-VERSION-linux-arm64.tar.gz
# holding bin/appliance (the launcher), lib/ (the service, its dependencies and JavaCPP's linux-arm64 natives of
# FFmpeg and OpenCV; ONNX Runtime is the CPU build from Maven Central, which the image replaces with its TensorRT
# build), the systemd unit and an example configuration. Reproducible: sorted entries, fixed times and owners.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(./mvnw -q -B help:evaluate -Dexpression=project.version -DforceStdout)
out=jetson-image/build
stage="$out/edgeinspect-appliance"
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib" "$stage/systemd" "$stage/config"
echo "building the service (platform-independent jars) and installing it into the local repository"
./mvnw -q -B -pl appliance/service -am install -DskipTests
echo "resolving the runtime dependencies for linux-arm64"
./mvnw -q -B -pl appliance/service dependency:copy-dependencies -Djavacpp.platform=linux-arm64 \
  -DincludeScope=runtime -DoutputDirectory="$PWD/$stage/lib"
cp appliance/service/target/edgeinspect-appliance.jar "$stage/lib/"
foreign=$(find "$stage/lib" -name '*-linux-x86_64*.jar' -o -name '*-macosx-*.jar' -o -name '*-windows-*.jar')
if [ -n "$foreign" ]; then
  echo "error: natives for another platform in the package: $foreign" >&2
  exit 1
fi
for n in javacpp ffmpeg opencv; do
  compgen -G "$stage/lib/$n-*-linux-arm64.jar" >/dev/null || { echo "error: no linux-arm64 natives of $n" >&2; exit 1; }
done
install -m 0755 jetson-image/appliance "$stage/bin/appliance"
install -m 0644 jetson-image/malloc.sh "$stage/bin/malloc.sh"
install -m 0644 systemd/edgeinspect-appliance.service "$stage/systemd/"
install -m 0644 jetson-image/appliance.example.yaml "$stage/config/"
tarball="$out/edgeinspect-appliance-$version-linux-arm64.tar.gz"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$out" -cf - edgeinspect-appliance \
  | gzip -n > "$tarball"
echo "wrote $tarball ($(du -h "$tarball" | cut -f1), $(find "$stage/lib" -name '*.jar' | wc -l) jars)"
