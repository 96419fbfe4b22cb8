#!/usr/bin/env bash
# Builds the service and distillation images from the Dockerfile, tagged as the manifests name them
# (inference-service:0.1.0, distillation:0.1.0), and prints their references and sizes.
#
#   scripts/build-images.sh [--base auto|registry|debian] [--tag TAG] [--bases-only]
#
# registry  the Dockerfile as documented: SDK, aspnet and runtime images from mcr.microsoft.com, built in the SDK image.
# debian    nothing is pulled: a Debian 12 base from Debian's packages (mmdebstrap + import) with the host's .NET runtime
#           in the layout of the Microsoft images (/usr/share/dotnet, user app 1654), the apps published on the host;
#           the same Dockerfile then builds the images (--build-arg PUBLISH=host and the local bases), so layout,
#           settings, user, health check and entrypoints come from one place.
# auto      registry when mcr.microsoft.com answers, debian otherwise (the default).
#
# The Debian rootfs is cached under $SERVING_IMAGE_CACHE (default ~/.cache/serving-images), keyed by its package list,
# and the base images are reused while the engine's storage keeps them, so a second run only publishes and builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/containers.sh

base=auto
tag=0.1.0
bases_only=false
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --bases-only) bases_only=true; shift ;;
    *) echo "usage: $0 [--base auto|registry|debian] [--tag TAG] [--bases-only]" >&2; exit 2 ;;
  esac
done
service_ref=inference-service:$tag
distillation_ref=distillation:$tag

use_engine
if [ "$base" = auto ]; then
  # Any HTTP answer (401 included) means the registry is reachable.
  if curl -s -o /dev/null -m 10 https://mcr.microsoft.com/v2/; then base=registry; else base=debian; fi
fi
echo "engine: $ENGINE, bases: $base"

# debian_base: prints the reference of the imported Debian 12 rootfs, building and caching it when missing.
debian_base() {
  # What a framework-dependent .NET app needs beside the runtime: TLS roots, OpenSSL, zlib, time zones. No ICU: the
  # projects build with InvariantGlobalization (Directory.Build.props).
  local packages=ca-certificates,libssl3,zlib1g,tzdata
  local key
  key=$(printf 'bookworm minbase %s app:1654 v2' "$packages" | sha256sum | cut -c1-12)
  local ref=localhost/serving-debian:bookworm-$key rootfs=$IMAGE_CACHE/debian-bookworm-$key.tar
  if ! $ENGINE image inspect "$ref" > /dev/null 2>&1; then
    if [ ! -s "$rootfs" ]; then
      apt_install mmdebstrap
      mkdir -p "$IMAGE_CACHE"
      echo "building the Debian 12 rootfs ($packages)" >&2
      # Without docs, man pages and apt lists: nothing in the image reads them. The user and group 1654 "app" are
      # those of the Microsoft images, which the manifests' runAsUser names.
      mmdebstrap --variant=minbase --format=tar --include="$packages" --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --customize-hook='echo "app:x:1654:1654::/home/app:/usr/sbin/nologin" >> "$1/etc/passwd"' \
        --customize-hook='echo "app:x:1654:" >> "$1/etc/group"' \
        --customize-hook='install -d -o 1654 -g 1654 "$1/home/app"' \
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/cache/debconf/*-old' \
        bookworm "$rootfs.partial.tar" > "$IMAGE_CACHE/mmdebstrap.log" 2>&1 \
        || { echo "mmdebstrap failed; see $IMAGE_CACHE/mmdebstrap.log" >&2; exit 1; }
      mv "$rootfs.partial.tar" "$rootfs"
    fi
    $ENGINE import --change 'CMD ["bash"]' "$rootfs" "$ref" > /dev/null
  fi
  echo "$ref"
}

# dotnet_base KIND DEBIAN_REF: prints the reference of a base with the host's .NET runtime (KIND runtime) or runtime
# plus ASP.NET Core (KIND aspnet), laid out as in mcr.microsoft.com/dotnet/{runtime,aspnet}.
dotnet_base() {
  local kind=$1 debian=$2 root version
  root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" {v = $2} END {print v}')
  local ref=localhost/serving-dotnet-$kind:$version-${debian##*:}
  if ! $ENGINE image inspect "$ref" > /dev/null 2>&1; then
    local ctx
    ctx=$(mktemp -d)
    mkdir -p "$ctx/dotnet/shared"
    cp -a "$root/dotnet" "$root/host" "$root/LICENSE.txt" "$root/ThirdPartyNotices.txt" "$ctx/dotnet/" 2> /dev/null || true
    mkdir -p "$ctx/dotnet/shared/Microsoft.NETCore.App"
    cp -a "$root/shared/Microsoft.NETCore.App/$version" "$ctx/dotnet/shared/Microsoft.NETCore.App/"
    local http_ports=
    if [ "$kind" = aspnet ]; then
      mkdir -p "$ctx/dotnet/shared/Microsoft.AspNetCore.App"
      cp -a "$root/shared/Microsoft.AspNetCore.App/$version" "$ctx/dotnet/shared/Microsoft.AspNetCore.App/"
      http_ports='ASPNETCORE_HTTP_PORTS=8080'
    fi
    # The environment of the Microsoft images, so the Dockerfile's overrides mean the same on both bases.
    cat > "$ctx/Containerfile" << EOF
FROM $debian
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_VERSION=$version $http_ports
EOF
    $ENGINE build -q -f "$ctx/Containerfile" -t "$ref" "$ctx" > /dev/null
    rm -rf "$ctx"
  fi
  echo "$ref"
}

# Named even where they are the defaults: podman's skipping of unused stages follows a FROM that uses an ARG only when
# the ARG is given on the command line.
build_args=(--build-arg VARIANT=cpu)
if [ "$base" = debian ]; then
  debian=$(debian_base)
  runtime=$(dotnet_base runtime "$debian")
  aspnet=$(dotnet_base aspnet "$debian")
  echo "bases: $aspnet, $runtime"
  $bases_only && exit 0
  # The same publish commands as the Dockerfile's SDK stages; the Dockerfile's host stages copy these folders.
  rm -rf artifacts/publish
  dotnet publish src/InferenceService/InferenceService.csproj -c Release -r linux-x64 --self-contained false \
    -o artifacts/publish/service -v quiet -nologo
  dotnet publish src/Distillation/Distillation.csproj -c Release -r linux-x64 --self-contained false \
    -o artifacts/publish/distillation -v quiet -nologo
  build_args+=(--build-arg PUBLISH=host --build-arg "ASPNET_IMAGE=$aspnet" --build-arg "RUNTIME_IMAGE=$runtime")
else
  build_args+=(--build-arg PUBLISH=sdk)
fi
$bases_only && exit 0
# Podman's build keeps unused stages out when told (docker's BuildKit always does), and keeps the HEALTHCHECK only in
# the Docker image format (OCI has no field for it).
[ "$ENGINE" = podman ] && build_args+=(--skip-unused-stages=true --format docker)

$ENGINE build "${build_args[@]}" --target service -t "$service_ref" .
$ENGINE build "${build_args[@]}" --target distillation -t "$distillation_ref" .

echo "images built:"
for ref in "$service_ref" "$distillation_ref"; do
  printf '  %-28s %5d MB\n' "$ref" "$(image_size_mb "$ref")"
done
