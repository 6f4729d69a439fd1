#!/usr/bin/env bash
# Provisions a Jetson AGX Xavier freshly flashed with JetPack 5.1.2 (L4T r35.4.1) as a line box. Run on the box as
# root from a directory holding what `make provision` copies there:
#   edgeinspect-appliance-*-linux-arm64.tar.gz   the package (make package)
#   onnxruntime-trt.jar                          ONNX Runtime with TensorRT (make ort-jar)
#   factory.vimodel, fleet.pub                   the model served until one is shipped, and the key bundles are signed with
#   secrets/mqtt-password, secrets/tls/{ca.pem,box.pem,box.key}   this box's broker credentials
# Usage: provision.sh DEVICE_ID GROUPS BROKER_URL CAMERA_URL      (GROUPS comma-separated, e.g. line-7,canary)
# Installs side by side (/opt/edgeinspect-VERSION, /opt/edgeinspect -> it), so an update is a re-run with a new
# package and a rollback is re-pointing the link; configuration, keys and state are kept across both.
set -euo pipefail
[ $# -eq 4 ] || { sed -n '2,10p' "$0"; exit 2; }
device="$1" groups="$2" broker="$3" camera="$4"
here="$(cd "$(dirname "$0")" && pwd)"
fail() { echo "provision: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root"
[ "$(uname -m)" = aarch64 ] || fail "this is $(uname -m), not a Jetson (aarch64)"
grep -q '^# R35' /etc/nv_tegra_release 2>/dev/null || fail "L4T r35 (JetPack 5.1.x) expected; /etc/nv_tegra_release: $(head -1 /etc/nv_tegra_release 2>/dev/null)"
[[ "$device" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || fail "device id '$device': letters, digits, _ and - only"
[[ "$broker" == ssl://* ]] || fail "broker '$broker': production boxes talk TLS (ssl://host:8883)"
package=$(compgen -G "$here/edgeinspect-appliance-*-linux-arm64.tar.gz" | sort | tail -1) || fail "no package in $here"
for f in onnxruntime-trt.jar factory.vimodel fleet.pub secrets/mqtt-password secrets/tls/ca.pem secrets/tls/box.pem \
    secrets/tls/box.key; do
  [ -s "$here/$f" ] || fail "missing $here/$f"
done
version=$(basename "$package" | sed -E 's/^edgeinspect-appliance-(.*)-linux-arm64\.tar\.gz$/\1/')

echo "== Java 17 (Temurin) and GStreamer"
if ! dpkg -s temurin-17-jre >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends ca-certificates curl gnupg
  curl -fsSL https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor --yes -o /usr/share/keyrings/adoptium.gpg
  echo "deb [signed-by=/usr/share/keyrings/adoptium.gpg] https://packages.adoptium.net/artifactory/deb focal main" \
    > /etc/apt/sources.list.d/adoptium.list
  apt-get update -q
fi
apt-get install -y -q --no-install-recommends temurin-17-jre gstreamer1.0-tools gstreamer1.0-plugins-base \
  gstreamer1.0-plugins-good

echo "== user and directories"
id edgeinspect >/dev/null 2>&1 || useradd --system --home-dir /var/lib/edgeinspect --shell /usr/sbin/nologin \
  --groups video,render edgeinspect
install -d -o edgeinspect -g edgeinspect -m 0700 /var/lib/edgeinspect
install -d -o root -g edgeinspect -m 0750 /etc/edgeinspect /etc/edgeinspect/keys /etc/edgeinspect/secrets \
  /etc/edgeinspect/tls

echo "== appliance $version"
target="/opt/edgeinspect-$version"
rm -rf "$target.tmp" && mkdir -p "$target.tmp"
tar -xzf "$package" -C "$target.tmp" --strip-components=1
rm -f "$target.tmp"/lib/onnxruntime-*.jar
install -m 0644 "$here/onnxruntime-trt.jar" "$target.tmp/lib/onnxruntime-1.16.3-trt.jar"
install -d -m 0755 "$target.tmp/models"
install -m 0644 "$here/factory.vimodel" "$target.tmp/models/factory.vimodel"
rm -rf "$target" && mv "$target.tmp" "$target"
ln -sfn "$target" /opt/edgeinspect.new && mv -T /opt/edgeinspect.new /opt/edgeinspect

echo "== configuration, keys and secrets"
install -o root -g edgeinspect -m 0640 "$here/fleet.pub" /etc/edgeinspect/keys/fleet.pub
install -o edgeinspect -g edgeinspect -m 0600 "$here/secrets/mqtt-password" /etc/edgeinspect/secrets/mqtt-password
for f in ca.pem box.pem; do install -o root -g edgeinspect -m 0640 "$here/secrets/tls/$f" /etc/edgeinspect/tls/; done
install -o edgeinspect -g edgeinspect -m 0600 "$here/secrets/tls/box.key" /etc/edgeinspect/tls/box.key
[ -s /etc/edgeinspect/secrets/http-token ] || (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=' \
  > /etc/edgeinspect/secrets/http-token && chown edgeinspect:edgeinspect /etc/edgeinspect/secrets/http-token)
if [ ! -f /etc/edgeinspect/appliance.yaml ]; then
  quoted=$(echo "$groups" | sed -E 's/[^,]+/"&"/g; s/,/, /g')
  sed -e "s|@DEVICE_ID@|$device|g" -e "s|@GROUPS@|$quoted|g" -e "s|@BROKER@|$broker|g" -e "s|@CAMERA@|$camera|g" \
    "$target/config/appliance.example.yaml" > /etc/edgeinspect/appliance.yaml
  chown root:edgeinspect /etc/edgeinspect/appliance.yaml && chmod 0640 /etc/edgeinspect/appliance.yaml
else
  echo "keeping the existing /etc/edgeinspect/appliance.yaml"
fi

echo "== TensorRT engine for the factory model (minutes on first build)"
runuser -u edgeinspect -- /opt/edgeinspect/bin/appliance --config /etc/edgeinspect/appliance.yaml --prepare

echo "== service"
install -m 0644 "$target/systemd/edgeinspect-appliance.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable edgeinspect-appliance
systemctl restart edgeinspect-appliance
systemctl --no-pager status edgeinspect-appliance | head -5
echo "provisioned $device ($version); HTTP token: /etc/edgeinspect/secrets/http-token"
