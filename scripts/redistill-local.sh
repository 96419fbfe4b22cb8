#!/usr/bin/env bash
# One scheduled redistillation round on a single machine: the local counterpart of the Kubernetes CronJob
# (k8s/overlays/production/redistill-cronjob.yaml). It reads the sample log the local service writes, trains the
# next student, and writes models/<name>/student/<n+1>/ only when `redistill` accepts it; a running service picks the
# new version up by itself (file watch and periodic scan), so there is no restart.
#
#   scripts/redistill-local.sh                       # defaults below
#   NAME=fashion-mnist DATA=/data/fashion-mnist scripts/redistill-local.sh
#
# cron, nightly at 03:00 (crontab -e):
#   0 3 * * * cd /path/to/checkout && scripts/redistill-local.sh >> artifacts/redistill/cron.log 2>&1
#
# A run that finds too few new samples, or whose candidate is not better, writes nothing and exits 0; a second run
# on the same samples makes no second version. Runs never overlap (flock). Exit code: that of `redistill`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
NAME=${NAME:-fashion-mnist}
DATA=${DATA:-$ROOT/../shared/datasets/fashion-mnist}
REPO=${REPO:-$ROOT/models}
SAMPLES=${SAMPLES:-$ROOT/artifacts/samples}
EPOCHS=${EPOCHS:-5}
LOGS=$ROOT/artifacts/redistill
DISTILL=$ROOT/src/Distillation/bin/Release/net10.0/linux-x64/Distillation
mkdir -p "$LOGS"

exec 9> "$LOGS/.lock"
if ! flock -n 9; then
  echo "$(date -u +%FT%TZ) another redistillation is still running; skipped" >&2
  exit 0
fi

[ -x "$DISTILL" ] || dotnet build -c Release "$ROOT/src/Distillation" -v quiet -nologo >&2

# The live teacher: the highest version directory.
TEACHER_VERSION=$(ls "$REPO/$NAME/teacher" | grep -E '^[0-9]+$' | sort -n | tail -1)
TEACHER=$REPO/$NAME/teacher/$TEACHER_VERSION/model.onnx
LOG=$LOGS/$(date -u +%Y%m%dT%H%M%SZ).log
status=0
echo "$(date -u +%FT%TZ) redistilling $NAME from $SAMPLES with teacher v$TEACHER_VERSION; log $LOG" >&2
"$DISTILL" redistill --samples "$SAMPLES" --data "$DATA" --teacher "$TEACHER" --model-repo "$REPO" --name "$NAME" \
  --epochs "$EPOCHS" "$@" > "$LOG" 2>&1 || status=$?
grep -E "Wrote student version|No new version|Nothing to do|Error" "$LOG" >&2 || true
exit $status
