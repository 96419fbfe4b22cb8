#!/usr/bin/env bash
# Runs the given command (dotnet Distillation.dll redistill --samples ROOT ...) with --samples pointing at one folder
# that holds every replica's sample log. Each cascade replica writes its own folder, ROOT/<pod-name>/ (one writer
# per sample log), while redistill reads a single folder; so the segments are linked into a temporary folder as
# segment-<replica><index>.slog. Their order across replicas does not matter: redistill de-duplicates by request id
# and splits by a hash of it. A segment still being written ends in a torn frame, which the reader skips.
set -euo pipefail

args=("$@")
root=""
for i in "${!args[@]}"; do
  if [[ ${args[$i]} == --samples ]]; then
    samples_at=$((i + 1))
    root=${args[$samples_at]}
  fi
done
if [[ -z $root ]]; then
  echo "merge-sample-logs: no --samples argument in: $*" >&2
  exit 2
fi

merged=$(mktemp -d "${TMPDIR:-/tmp}/samples.XXXXXX")
replica=0
segments=0
for dir in "$root" "$root"/*/; do
  replica=$((replica + 1))
  for segment in "${dir%/}"/segment-*.slog; do
    [[ -e $segment ]] || continue
    name=${segment##*/}
    index=${name#segment-}
    index=${index%.slog}
    ln -s "$segment" "$merged/segment-$(printf '%06d' "$replica")$index.slog"
    segments=$((segments + 1))
  done
done
echo "merge-sample-logs: $segments segments from $((replica - 1)) replica folders of $root"

args[samples_at]=$merged
exec "${args[@]}"
