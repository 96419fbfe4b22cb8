#!/usr/bin/env bash
# Two students behind the same teacher, served side by side: the shipped model repository against another one (a
# candidate student beside the same teacher), both services up at once on their own ports and measured in turns
# (`loadtest run`, closed loop, 8 s after 3 s warm-up): the cascade at concurrency 64 (req/s, teacher share, stream
# accuracy) and at concurrency 1 (mean latency), the student route at concurrency 1, and once at the end teacher-only
# at concurrency 64 on the shipped service (the denominator of the cascade's capacity gain).
#
#   REPO_B=/scratch/repo THRESHOLD_B=0.6305 scripts/compare-students.sh
#
# REPO_B holds fashion-mnist/{teacher,student}/<n>/model.onnx; THRESHOLD_B (optional) overrides its student's
# calibrated threshold (ModelRepository:Thresholds). Settings: REPS (3), PORT_A (32200), PORT_B (32210; each uses
# the next two ports for metrics and REST), DATA, OUT. Measure on a quiet machine: this compares within one run only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
: "${REPO_B:?set REPO_B to the model repository of the other student}"
REPS=${REPS:-3}
PORT_A=${PORT_A:-32200}
PORT_B=${PORT_B:-32210}
DATA=${DATA:-$ROOT/../shared/datasets/fashion-mnist}
OUT=${OUT:-$ROOT/artifacts/compare-students/$(date -u +%Y%m%dT%H%M%SZ)}
SERVICE_DIR=$ROOT/src/InferenceService
SERVICE=$SERVICE_DIR/bin/Release/net10.0/InferenceService
LOADTEST=$ROOT/src/LoadTest/bin/Release/net10.0/loadtest
mkdir -p "$OUT"
dotnet build -c Release src/InferenceService > "$OUT/build.log" 2>&1
dotnet build -c Release src/LoadTest >> "$OUT/build.log" 2>&1

# shellcheck source=lib/service.sh
. "$ROOT/scripts/lib/service.sh"
PID_A=
PID_B=
trap 'SERVICE_PID=$PID_A stop_service; SERVICE_PID=$PID_B stop_service' EXIT
TARGET=127.0.0.1:$PORT_A METRICS_PORT=$((PORT_A + 1)) start_healthy $((PORT_A + 1)) "$OUT/service-a.log" \
  exec_service_on Capture__Directory="$OUT/samples-a"
PID_A=$SERVICE_PID
overrides=()
[ -n "${THRESHOLD_B:-}" ] && overrides+=(ModelRepository__Thresholds__fashion-mnist="$THRESHOLD_B")
TARGET=127.0.0.1:$PORT_B METRICS_PORT=$((PORT_B + 1)) start_healthy $((PORT_B + 1)) "$OUT/service-b.log" \
  exec_service_on ModelRepository__Path="$REPO_B" "${overrides[@]}" Capture__Directory="$OUT/samples-b"
PID_B=$SERVICE_PID

# measure PORT SCENARIO CONCURRENCY LABEL: one run; prints req/s, mean, teacher share, accuracy and errors.
measure() {
  "$LOADTEST" run --target "127.0.0.1:$1" --data "$DATA" --scenario "$2" --concurrency "$3" --duration 8s --warmup 3s \
    --no-baseline --json "$OUT/$4.json" > "$OUT/$4.txt" 2>&1 || [ $? -eq 3 ]
  jq -r '.scenarios[0] | "\(.throughput_rps | floor) req/s, mean \(.mean_us | floor) µs, \(.teacher_share * 1000 | floor / 10)% to the teacher, accuracy \(.accuracy * 10000 | floor / 100)%, \(.errors) errors"' "$OUT/$4.json"
}

for rep in $(seq 1 "$REPS"); do
  for what in "cascade 64" "cascade 1" "student 1"; do
    set -- $what
    # Alternate which service goes first, so that a drift of the machine does not favour one of them.
    if [ $((rep % 2)) = 1 ]; then
      a=$(measure "$PORT_A" "$1" "$2" "a-$1-c$2-$rep"); b=$(measure "$PORT_B" "$1" "$2" "b-$1-c$2-$rep")
    else
      b=$(measure "$PORT_B" "$1" "$2" "b-$1-c$2-$rep"); a=$(measure "$PORT_A" "$1" "$2" "a-$1-c$2-$rep")
    fi
    echo "rep $rep, $1 at concurrency $2 | shipped: $a | other: $b" | tee -a "$OUT/summary.txt"
  done
done
echo "teacher-only at concurrency 64, shipped service: $(measure "$PORT_A" teacher 64 a-teacher-c64)" | tee -a "$OUT/summary.txt"
echo "reports: $OUT" >&2
