#!/usr/bin/env bash
# `make image`: builds callbacksim:local with no registry. Stages a root filesystem from the release build (the
# callbacksim binary, which runs any of the six processes, a link named after each, exactly the shared libraries
# `ldd` says it loads, its resource bundles, CA certificates, nsswitch.conf, and passwd/group entries for the
# unprivileged user 10001), then builds deploy/Containerfile FROM scratch over it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container-engine.sh
IMAGE="${IMAGE:-callbacksim:local}"
STAGE=.build/image
BIN=.build/release

scripts/ensure-deps.sh
swift build -c release --product callbacksim
[ -f /etc/ssl/certs/ca-certificates.crt ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates

rm -rf "$STAGE"
root="$STAGE/root"
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$STAGE/data"
chmod 1777 "$root/tmp"
cp "$BIN/callbacksim" "$root/usr/local/bin/"
strip "$root/usr/local/bin/callbacksim"
cp -r "$BIN"/*.resources "$root/usr/local/bin/"
for process in orchestrator queue-broker api-simulator callback-sender notification-logger aws-gateway; do
  ln -s callbacksim "$root/usr/local/bin/$process"
done
for library in $(ldd "$BIN/callbacksim" | grep -oE '/[^ ]+'); do
  mkdir -p "$root$(dirname "$library")"
  cp -L "$library" "$root$library"
done
# The Swift runtime's libraries carry symbols the image does not need.
find "$root/opt" -name '*.so*' -exec strip --strip-unneeded {} + 2>/dev/null || true
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cp /etc/nsswitch.conf "$root/etc/"
printf 'root:x:0:0:root:/root:/nonexistent\ncallbacksim:x:10001:10001:callbacksim:/data:/nonexistent\n' >"$root/etc/passwd"
printf 'root:x:0:\ncallbacksim:x:10001:\n' >"$root/etc/group"

previous=$($ENGINE image inspect "$IMAGE" --format '{{.Id}}' 2>/dev/null || true)
$ENGINE build --quiet -f deploy/Containerfile -t "$IMAGE" "$STAGE" >/dev/null
# The image this one replaces would stay behind untagged; remove it unless a container still uses it.
current=$($ENGINE image inspect "$IMAGE" --format '{{.Id}}')
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then $ENGINE rmi "$previous" >/dev/null 2>&1 || true; fi
size=$($ENGINE image inspect "$IMAGE" --format '{{.Size}}')
compressed=$($ENGINE save "$IMAGE" | gzip -1 | wc -c)
echo "image $IMAGE: $((size / 1000000)) MB ($((compressed / 1000000)) MB compressed for a registry)"
