#!/usr/bin/env bash
# A full-size redistillation round on Fashion-MNIST, end to end, as documented in docs/redistillation.md:
#
#   scripts/redistillation-demo.sh [DATA_DIR]
#
# 1. copies the shipped fashion-mnist models (v1) into a scratch model repository under $OUT;
# 2. starts the service (Release) on it, capturing hard cases into $OUT/samples;
# 3. "production traffic": the 60 000 Fashion-MNIST training images, each sent once through ROUTE_AUTO by
#    `loadtest run` (open loop). The test split never reaches the service, so it stays a clean judge;
# 4. `Distillation redistill` trains the next student from the captured cases (teacher soft labels, replay of the
#    base training data, starting from the live student's weights), recalibrates, evaluates, and writes v2 only if
#    the base test accuracy holds and agreement on held-out captured cases improves;
# 5. the running service picks v2 up by itself (file watch), and the same traffic is sent again.
# The teacher share and accuracy of both passes, the redistill report and the time taken end up in $OUT/summary.md.
#
# Settings by environment: OUT (artifacts/redistillation/<UTC time>), RATE (1000 requests/s), EPOCHS (5),
# GRPC_PORT (31261), METRICS_PORT (9574).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=$(cd "${1:-../shared/datasets/fashion-mnist}" && pwd)
OUT=${OUT:-$ROOT/artifacts/redistillation/$(date -u +%Y%m%dT%H%M%SZ)}
RATE=${RATE:-1000}
EPOCHS=${EPOCHS:-5}
GRPC_PORT=${GRPC_PORT:-31261}
METRICS_PORT=${METRICS_PORT:-9574}
SERVICE_DIR=$ROOT/src/InferenceService
SERVICE=$SERVICE_DIR/bin/Release/net10.0/InferenceService
LOADTEST=$ROOT/src/LoadTest/bin/Release/net10.0/loadtest
DISTILL=$ROOT/src/Distillation/bin/Release/net10.0/linux-x64/Distillation
TARGET=127.0.0.1:$GRPC_PORT
REPO=$OUT/models
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "building (Release)" >&2
for project in InferenceService LoadTest Distillation; do
  dotnet build -c Release "$ROOT/src/$project" -v quiet -nologo | tail -n 2 >&2
done

# The scratch repository: v1 of both roles as shipped (fp32 only; model.pt beside the student is what redistill
# continues from).
for role in student teacher; do
  mkdir -p "$REPO/fashion-mnist/$role/1"
  cp "$ROOT/models/fashion-mnist/$role/1/"model.{onnx,pt,json} "$REPO/fashion-mnist/$role/1/"
done

# Traffic: a dataset folder whose "test" split is the base training split (the load generator sends a test split).
TRAFFIC=$OUT/traffic/fashion-mnist
mkdir -p "$TRAFFIC"
for kind in images-idx3 labels-idx1; do
  ln -sf "$DATA/train-$kind-ubyte.gz" "$TRAFFIC/train-$kind-ubyte.gz"
  ln -sf "$DATA/train-$kind-ubyte.gz" "$TRAFFIC/t10k-$kind-ubyte.gz"
done

# shellcheck source=lib/service.sh
. "$ROOT/scripts/lib/service.sh"
trap stop_service EXIT

start_capturing_service "$REPO" "$OUT/samples" "$OUT/service.log"

# traffic PASS: every training image once, open loop at RATE/s.
traffic() {
  local pass=$1
  local seconds=$(( (60000 + RATE - 1) / RATE ))
  echo "traffic pass '$pass': 60000 images at $RATE/s" >&2
  "$LOADTEST" run --target "$TARGET" --data "$TRAFFIC" --scenario cascade --rate "$RATE" --duration "${seconds}s" \
    --warmup 0s --no-baseline --label "$pass" --json "$OUT/traffic-$pass.json" > "$OUT/traffic-$pass.txt" 2>&1
}

traffic before
sleep 2 # the sample log fsyncs every second

echo "redistill (log in $OUT/redistill.log)" >&2
started=$(date +%s)
set +e
"$DISTILL" redistill --samples "$OUT/samples" --data "$DATA" --teacher "$REPO/fashion-mnist/teacher/1/model.onnx" \
  --model-repo "$REPO" --name fashion-mnist --epochs "$EPOCHS" --work "$OUT/redistill-run" > "$OUT/redistill.log" 2>&1
status=$?
set -e
elapsed=$(( $(date +%s) - started ))
echo "redistill exited $status after ${elapsed}s" >&2

if [ -f "$REPO/fashion-mnist/student/2/model.onnx" ]; then
  wait_swapped 2 "$OUT/service.log"
  traffic after
fi

{
  echo "# Redistillation round, $(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git rev-parse --short HEAD)"
  echo
  echo "redistill: exit $status, ${elapsed} s, $EPOCHS epochs"
  echo
  echo "| pass | student version | requests/s | teacher share | accuracy | errors | p50 µs | p99 µs |"
  echo "|---|---|---|---|---|---|---|---|"
  for pass in before after; do
    [ -f "$OUT/traffic-$pass.json" ] || continue
    version=$([ $pass = before ] && echo 1 || echo 2)
    jq -r --arg p $pass --arg v "$version" '.scenarios[0] |
      "| \($p) | v\($v) | \(.throughput_rps|round) | \(.teacher_share*10000|round/100)% | \(.accuracy*10000|round/100)% | \(.errors) | \(.p50_us|round) | \(.p99_us|round) |"' \
      "$OUT/traffic-$pass.json"
  done
  echo
  echo "Swap: $(grep -m1 'now serving v2' "$OUT/service.log" || echo 'none')"
  echo
  echo "## redistill output"
  echo
  echo '```'
  tail -n 40 "$OUT/redistill.log"
  echo '```'
} > "$OUT/summary.md"
cat "$OUT/summary.md"
