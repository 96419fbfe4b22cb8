#!/usr/bin/env bash
# Where the CPU of one request goes at saturation (issue 17: the service as a share of L). The saturation suite
# gives req/s; this gives the CPU time behind each request, split into ONNX Runtime and everything else, for the
# three servers it compares, so the distance between the service and L = 1/(1/echo + 1/raw) can be read as costs:
#
#   scripts/cpu-per-request.sh [DATA_DIR]
#
# 1. `loadtest raw-throughput` (the student, batch 32, one caller per core, 1 thread): CPU µs per image, the model's
#    cost that L assumes;
# 2. under h2load (8 connections x 16 streams, one test tensor, student route), one after another: `loadtest
#    echo-server` (no work), `loadtest echo-server --model` (the student at batch 1 on every call), the service as
#    shipped. For each: the server's CPU time over the measured window (utime + stime from /proc/<pid>/stat) divided
#    by the calls h2load completed, and `perf record` over the same window for the share of samples in
#    libonnxruntime.so, in .NET code (JIT-compiled or ReadyToRun), in the kernel and in the .NET runtime (GC, JIT,
#    stubs); the rest is libc and the loader.
#
# REPS (3) repetitions, medians. Needs perf (Debian package linux-perf; installed with apt-get when missing) and
# h2load (nghttp2-client). Settings by environment: REPS, DURATION (10, seconds), SETTLE (15, seconds), PORT (31171),
# METRICS_PORT (9574), OUT, NO_DOC=1 (leave docs/ alone; otherwise the table goes between the cpu markers of
# docs/benchmarks.md). perf samples at 999 Hz, which costs the server about 1% of its throughput.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=$(cd "${1:-../shared/datasets/fashion-mnist}" && pwd)
REPS=${REPS:-3}
DURATION=${DURATION:-10}
SETTLE=${SETTLE:-15}
PORT=${PORT:-31171}
METRICS_PORT=${METRICS_PORT:-9574}
OUT=${OUT:-$ROOT/artifacts/cpu-per-request/$(date -u +%Y%m%dT%H%M%SZ)}
SERVICE_DIR=$ROOT/src/InferenceService
SERVICE=$SERVICE_DIR/bin/Release/net10.0/InferenceService
LOADTEST=$ROOT/src/LoadTest/bin/Release/net10.0/loadtest
STUDENT_MODEL=$(ls -d "$ROOT"/models/fashion-mnist/student/*/ | sort -V | tail -n 1)model.onnx
TICKS=$(getconf CLK_TCK)
mkdir -p "$OUT"

# shellcheck source=lib/service.sh
. "$ROOT/scripts/lib/service.sh"
# shellcheck source=lib/report.sh
. "$ROOT/scripts/lib/report.sh"
trap stop_service EXIT
ensure_tool perf linux-perf
ensure_tool h2load nghttp2-client
echo "building (Release)" >&2
dotnet build -c Release "$ROOT/src/InferenceService" -v quiet -nologo | tail -n 2 >&2
dotnet build -c Release "$ROOT/src/LoadTest" -v quiet -nologo | tail -n 2 >&2
"$LOADTEST" frame --data "$DATA" --scenario student --out "$OUT/student.frame" > /dev/null

# JIT-compiled code named for perf, and mapped once (W^X double mapping hides it from perf's map).
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0

h2_args=(-c 8 -m 16 -d "$OUT/student.frame" -H 'content-type: application/grpc' -H 'te: trailers'
  "http://127.0.0.1:$PORT/serving.v1.Classifier/Classify")

# cpu_ticks PID: utime + stime of the process so far, in clock ticks.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# measure LABEL REP: settles the server in SERVICE_PID, then measures one window; writes
# $OUT/LABEL-REP.values: "cpu_us_per_request onnxruntime_share jit_share kernel_share runtime_share req_per_s".
measure() {
  local label=$1 rep=$2
  echo "rep $rep: $label" >&2
  h2load -D "$SETTLE" "${h2_args[@]}" > /dev/null 2>&1 || true
  local before after
  before=$(cpu_ticks "$SERVICE_PID")
  perf record -F 999 -p "$SERVICE_PID" -o "$OUT/$label-$rep.perf" -- sleep "$DURATION" > /dev/null 2>&1 &
  local perf_pid=$!
  h2load -D "$DURATION" "${h2_args[@]}" > "$OUT/$label-$rep.h2load.txt" 2>&1 || true
  after=$(cpu_ticks "$SERVICE_PID")
  wait "$perf_pid" || true
  local succeeded rps
  succeeded=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$OUT/$label-$rep.h2load.txt")
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$OUT/$label-$rep.h2load.txt")
  perf report -i "$OUT/$label-$rep.perf" --sort dso --stdio 2> /dev/null > "$OUT/$label-$rep.dso.txt" || true
  awk -v ticks="$((after - before))" -v hz="$TICKS" -v n="${succeeded:-0}" -v rps="${rps:-0}" '
    /^ *[0-9.]+%/ { share = $1; sub(/%/, "", share); dso = $2 " " $3
      if (dso ~ /libonnxruntime/) ort += share
      else if (dso ~ /JIT|perf-[0-9]+\.map|doublemapper|\.dll/) jit += share
      else if (dso ~ /kernel/) kernel += share
      else if (dso ~ /libcoreclr|libclrjit|System\.Private\.CoreLib/) runtime += share }
    END { printf "%.1f %.1f %.1f %.1f %.1f %.0f\n", (n > 0 ? ticks * 1e6 / hz / n : 0), ort, jit, kernel, runtime, rps }' \
    "$OUT/$label-$rep.dso.txt" > "$OUT/$label-$rep.values"
}

# The echo and bare servers on the service's gRPC port, so h2load's arguments stay the same.
ECHO=127.0.0.1:$PORT

TARGET=127.0.0.1:$PORT
for rep in $(seq 1 "$REPS"); do
  echo "rep $rep: raw ONNX Runtime" >&2
  "$LOADTEST" raw-throughput --data "$DATA" --model-repo "$ROOT/models" --batch-size 32 --intra-op-threads 1 \
    --duration "${DURATION}s" > "$OUT/raw-$rep.txt" 2>&1
  # One caller per core, each on one thread, all busy: CPU per image = callers / images per second.
  sed -n 's/^images\/s: \([0-9]*\) (\([0-9]*\) callers.*/\1 \2/p' "$OUT/raw-$rep.txt" |
    awk '{ printf "%.1f\n", $2 * 1e6 / $1 }' > "$OUT/raw-$rep.values"

  start_echo_server "$OUT/echo-server.log"
  measure echo "$rep"
  stop_service
  start_echo_server "$OUT/echo-server.log" --model "$STUDENT_MODEL" --intra-op-threads 1
  measure bare "$rep"
  stop_service
  start_healthy "$METRICS_PORT" "$OUT/service.log" exec_service_on Capture__Directory="$OUT/samples"
  measure service "$rep"
  stop_service
done

# med FIELD LABEL: the median of one field over the repetitions.
med() {
  local field=$1 label=$2
  cat "$OUT/$label"-[0-9]*.values | awk -v f="$field" '{ print $f }' | median_stdin
}

{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC by \`scripts/cpu-per-request.sh\` at commit $(git rev-parse --short HEAD) on $(nproc) cores; medians of $REPS; raw reports: \`${OUT#"$ROOT"/}/\`."
  echo
  echo "| server under h2load 8x16, student route | req/s | CPU µs per request | ONNX Runtime | .NET code | kernel | .NET runtime | CPU µs outside ONNX Runtime |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|"
  for label in echo bare service; do
    awk -v l="$label" -v cpu="$(med 1 "$label")" -v ort="$(med 2 "$label")" -v jit="$(med 3 "$label")" \
      -v k="$(med 4 "$label")" -v rt="$(med 5 "$label")" -v rps="$(med 6 "$label")" 'BEGIN {
      name = l == "echo" ? "echo server (no work)" : l == "bare" ? "bare model server (student, batch 1 per call)" : "service as shipped"
      printf "| %s | %.0f | %.0f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f |\n", name, rps, cpu, ort, jit, k, rt, cpu * (1 - ort / 100) }'
  done
  echo
  echo "Raw ONNX Runtime, the student at batch 32 on one thread per core: $(med 1 raw) CPU µs per image."
} | tee "$OUT/cpu-per-request.md"
# The table replaces what is between the cpu markers of docs/benchmarks.md (NO_DOC=1 leaves docs/ alone).
[ "${NO_DOC:-0}" = 1 ] || splice_block cpu "$OUT/cpu-per-request.md" "$ROOT/docs/benchmarks.md"
