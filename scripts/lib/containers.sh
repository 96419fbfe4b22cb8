# Sourced by scripts/build-images.sh and scripts/container-smoke.sh: one place that picks the container engine,
# installs podman when neither engine is usable, and gives podman the settings this kind of sandbox needs.
# Sets ENGINE (docker or podman) and IMAGE_CACHE (where the Debian base rootfs is kept between runs).

IMAGE_CACHE=${SERVING_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/serving-images}
ENGINE=

# apt_install PACKAGE...: installs the Debian packages that are missing (CI starts from a machine without them).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing ${missing[*]}" >&2
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}

# use_engine: docker when its daemon answers, else podman (installed if needed, with runc and raised ulimits:
# crun fails in this sandbox, and the default nofile limit is below what .NET and ONNX Runtime open).
use_engine() {
  if [ "${CONTAINER_ENGINE:-}" != podman ] && command -v docker > /dev/null && docker info > /dev/null 2>&1; then
    ENGINE=docker
    return
  fi
  apt_install podman buildah runc uidmap slirp4netns fuse-overlayfs
  if [ -z "${CONTAINERS_CONF:-}" ]; then
    mkdir -p "$IMAGE_CACHE"
    export CONTAINERS_CONF=$IMAGE_CACHE/containers.conf
    cat > "$CONTAINERS_CONF" << 'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
  fi
  ENGINE=podman
}

# image_size REF: the image's size in MB as the engine reports it.
image_size_mb() {
  $ENGINE image inspect --format '{{.Size}}' "$1" | awk '{printf "%d", $1 / 1000000}'
}
