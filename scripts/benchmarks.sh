#!/usr/bin/env bash
# Reproduces every number in docs/benchmarks.md (issue 4, load testing and performance):
#
#   scripts/benchmarks.sh [DATA_DIR]
#
# 1. builds the service and the load generator in Release;
# 2. REPS times: the raw in-process ONNX Runtime baseline (`loadtest baseline`, no service running; ONNX Runtime's
#    default threads, and one thread), then the service
#    as shipped (dynamic batching on) under concurrency 1 (teacher, student, cascade) and concurrency 64 (student),
#    then the service with Batching__Enabled=false under concurrency 64 (student), then the old idle policy
#    (Batching__WaitWhenIdle=true) and the service tracing every request (Telemetry__TraceSampleRatio=1) under
#    concurrency 1 (student), then `loadtest echo-server` (a Classifier that
#    does no work: the client + HTTP/2 + gRPC floor of this machine) and `loadtest echo-server --model` (one that runs
#    the student and nothing else: the floor of any service of it; then the same with the teacher, on the lone-request
#    session's threads: the cascade's floor) under concurrency 1; each run's JSON report carries the
#    service's allocations per request (from its /metrics) and its RSS (sampled from /proc/<pid>/status);
# 3. `loadtest summarize`: medians over the repetitions, the targets checked, the tables spliced into
#    docs/benchmarks.md between its results markers, the plots written to docs/benchmarks/.
#
# 4. the saturation suite (scripts/lib/saturation.sh): raw ONNX Runtime on all cores, a no-op echo server and the
#    service under h2load (8 connections x 16 streams), L = 1/(1/echo + 1/raw) and the service as a share of it;
#    batching on against off at concurrency 1, 8, 64, 256 (both up at once, measured in pairs); cascade against
#    teacher-only at concurrency 64. Its tables
#    go between the saturation markers of docs/benchmarks.md.
#
# Raw reports and service logs stay in artifacts/benchmarks/<UTC time>/ (ignored by git). Settings by environment:
# SUITE (all; "saturation" runs only step 4, "classic" only steps 2-3), REPS (3), FIRST_REP (1; with OUT, resumes a run), DURATION (20s), WARMUP (5s),
# SAT_DURATION (8s), SAT_WARMUP (2s), SAT_SETTLE (15s), H2LOAD_CONNECTIONS (8), H2LOAD_STREAMS (16), CONNECTIONS (1),
# GRPC_PORT (31151), METRICS_PORT (9564), REST_PORT (8164), ECHO_PORT (31161), OFF_GRPC_PORT, OFF_METRICS_PORT and
# OFF_REST_PORT (each the one above + 1: the saturation suite's batching-off service), OUT, NO_DOC=1 (leave docs/ alone),
# SERVER_CPUS and CLIENT_CPUS (taskset -c lists, e.g. 0-3 and 4-7: the service, echo server and raw model run on the
# first, the load generators on the second, to measure scaling with server cores). The machine should be otherwise
# idle: the script waits (up to IDLE_WAIT seconds) for quiet before each repetition.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=$(cd "${1:-../shared/datasets/fashion-mnist}" && pwd)
REPS=${REPS:-3}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-1}
GRPC_PORT=${GRPC_PORT:-31151}
METRICS_PORT=${METRICS_PORT:-9564}
REST_PORT=${REST_PORT:-8164}
OUT=${OUT:-$ROOT/artifacts/benchmarks/$(date -u +%Y%m%dT%H%M%SZ)}
SERVICE_DIR=$ROOT/src/InferenceService
SERVICE=$SERVICE_DIR/bin/Release/net10.0/InferenceService
LOADTEST=$ROOT/src/LoadTest/bin/Release/net10.0/loadtest
TARGET=127.0.0.1:$GRPC_PORT
METRICS=http://127.0.0.1:$METRICS_PORT/metrics
ECHO=127.0.0.1:${ECHO_PORT:-31161}
SUITE=${SUITE:-all}
case $SUITE in all|saturation|classic) ;; *) echo "SUITE must be all, saturation or classic" >&2; exit 2 ;; esac
# Pinning: prefixes for what serves (service, echo server, raw model) and what loads (loadtest, h2load).
SERVER=${SERVER_CPUS:+taskset -c $SERVER_CPUS}
CLIENT=${CLIENT_CPUS:+taskset -c $CLIENT_CPUS}
# The service runs each model instance on one intra-op thread (OnnxRuntime:IntraOpThreads, 1 by default); the
# baselines and the bare model server are measured the same way.
STUDENT_THREADS=1
STUDENT_MODEL=$(ls -d "$ROOT"/models/fashion-mnist/student/*/ | sort -V | tail -n 1)model.onnx
TEACHER_MODEL=$(ls -d "$ROOT"/models/fashion-mnist/teacher/*/ | sort -V | tail -n 1)model.onnx
# The service's default OnnxRuntime:LoneRequestThreads: the cores, at most 4.
LONE_THREADS=$(($(nproc) < 4 ? $(nproc) : 4))
mkdir -p "$OUT"
# The load generator is the measuring instrument: its socket completions run inline on the event thread instead of
# hopping to the thread pool, which takes tens of microseconds off every call it times. The service keeps the
# runtime's defaults (it is measured as shipped).
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1

# Only the two projects: building the solution would also rebuild tools that may be running.
echo "building (Release)" >&2
dotnet build -c Release "$ROOT/src/InferenceService" -v quiet -nologo | tail -n 2 >&2
dotnet build -c Release "$ROOT/src/LoadTest" -v quiet -nologo | tail -n 2 >&2

# shellcheck source=lib/service.sh
. "$ROOT/scripts/lib/service.sh"
# stop_off (lib/saturation.sh): the saturation suite's second service.
trap 'stop_off; stop_service' EXIT

# start_service NAME [VAR=value ...]: the Release binary from its project folder (the content root, as under
# `dotnet run`: appsettings.json and ../../models), on its own ports; hard cases captured under $OUT, not into the
# real sample log (these are test-split images). Returns once /healthz says the models are loaded and warm.
start_service() {
  local name=$1
  shift
  start_healthy "$METRICS_PORT" "$OUT/service-$name.log" exec_service_on "$@" Capture__Directory="$OUT/samples-$name"
}

# run LABEL REP CONCURRENCY SCENARIO [extra loadtest options]
run() {
  local label=$1 rep=$2 concurrency=$3 scenario=$4
  shift 4
  echo "rep $rep: $label ($scenario, concurrency $concurrency)" >&2
  # Exit code 3 means some calls failed: the report records them and the summary shows them; keep going.
  $CLIENT "$LOADTEST" run --target "$TARGET" --data "$DATA" --scenario "$scenario" --concurrency "$concurrency" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --label "$label" \
    --metrics-url "$METRICS" --service-pid "$SERVICE_PID" --model-repo "$ROOT/models" \
    --json "$OUT/$label-$rep.json" "$@" > "$OUT/$label-$rep.txt" 2>&1 || [ $? -eq 3 ]
}

# busy_percent: share of CPU time not idle over the next 3 seconds, all cores together.
busy_percent() {
  local a b
  read -r -a a < <(head -n 1 /proc/stat)
  sleep 3
  read -r -a b < <(head -n 1 /proc/stat)
  local total=0 i
  for i in $(seq 1 $((${#a[@]} - 1))); do total=$((total + b[i] - a[i])); done
  local idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $((total > 0 ? 100 * (total - idle) / total : 0))
}

# Waits (up to IDLE_WAIT seconds, default 600) for the machine to be quiet: other work on these cores skews every number.
wait_for_idle() {
  local deadline=$((SECONDS + ${IDLE_WAIT:-600})) busy
  while busy=$(busy_percent); [ "$busy" -gt 10 ] && [ $SECONDS -lt $deadline ]; do
    echo "the machine is ${busy}% busy; waiting for it to be quiet" >&2
    sleep 10
  done
  echo "$busy"
}

# floor LABEL REP [echo-server options]: a concurrency-1 student run against `loadtest echo-server`.
floor() {
  local label=$1 rep=$2
  shift 2
  start_echo_server "$OUT/$label-$rep.log" "$@"
  echo "rep $rep: $label (student, concurrency 1)" >&2
  $CLIENT "$LOADTEST" run --target "$ECHO" --data "$DATA" --scenario student --concurrency 1 --connections "$CONNECTIONS" \
    --duration "$DURATION" --warmup "$WARMUP" --label "$label" --no-baseline --json "$OUT/$label-$rep.json" > "$OUT/$label-$rep.txt" 2>&1
  stop_service
}

# shellcheck source=lib/report.sh
. "$ROOT/scripts/lib/report.sh"
# shellcheck source=lib/saturation.sh
. "$ROOT/scripts/lib/saturation.sh"
if [ "$SUITE" != classic ]; then
  ensure_tool h2load nghttp2-client
  # h2load sends one body on every call: the first test image, student route and default route.
  "$LOADTEST" frame --data "$DATA" --scenario student --out "$OUT/student.frame" > /dev/null
  "$LOADTEST" frame --data "$DATA" --scenario cascade --out "$OUT/default.frame" > /dev/null
  "$LOADTEST" frame --data "$DATA" --scenario student --protocol v2-grpc --model fashion-mnist --out "$OUT/student-v2.frame" > /dev/null
  "$LOADTEST" frame --data "$DATA" --scenario student --protocol v2-grpc --model fashion-mnist --images 32 \
    --out "$OUT/student-v2-32.frame" > /dev/null
fi

BUSY_BEFORE=$(wait_for_idle)
BUSY_MAX=$BUSY_BEFORE
# FIRST_REP resumes an interrupted run: with OUT set to its folder, the repetitions before it are kept as they are.
for rep in $(seq "${FIRST_REP:-1}" "$REPS"); do
  [ "$rep" -gt "${FIRST_REP:-1}" ] && busy=$(wait_for_idle) && BUSY_MAX=$((busy > BUSY_MAX ? busy : BUSY_MAX))
  if [ "$SUITE" != classic ]; then
    saturation_rep "$rep"
  fi
  [ "$SUITE" = saturation ] && continue
  echo "rep $rep: raw ONNX Runtime baseline" >&2
  $SERVER "$LOADTEST" baseline --data "$DATA" --model-repo "$ROOT/models" --json "$OUT/baseline-$rep.json" > "$OUT/baseline-$rep.txt" 2>&1
  # One thread, as the service runs its student (OnnxRuntime:IntraOpThreads), batched up to the service's
  # Batching:MaxBatchSize: what batching can gain at most on this CPU.
  $SERVER "$LOADTEST" baseline --data "$DATA" --model-repo "$ROOT/models" --intra-op-threads "$STUDENT_THREADS" --batch-size 32 \
    --json "$OUT/baseline-1thread-$rep.json" > "$OUT/baseline-1thread-$rep.txt" 2>&1

  start_service batching
  # Concurrency 1 also measures the raw batch-1 student in this process just before its load (the report's baseline),
  # on the service's student thread count.
  run batching-c1 "$rep" 1 all --baseline-threads "$STUDENT_THREADS"
  run batching-c64 "$rep" 64 student --no-baseline
  stop_service

  # Every run on one intra-op thread, also for a request alone in the replica (no lone-request session): what that
  # session gives concurrency 1.
  start_service onethread OnnxRuntime__LoneRequestThreads=1
  run onethread-c1 "$rep" 1 all --no-baseline
  stop_service

  start_service nobatching Batching__Enabled=false
  run nobatching-c64 "$rep" 64 student --no-baseline
  stop_service

  # The batching policy before issue 4, for comparison: a lone request waits the queue delay for company.
  start_service waitwhenidle Batching__WaitWhenIdle=true
  run waitwhenidle-c1 "$rep" 1 student --no-baseline
  stop_service

  # Every request traced, as with an OTLP endpoint set (the spans go nowhere here): what tracing costs a call.
  start_service tracing Telemetry__TraceSampleRatio=1
  run tracing-c1 "$rep" 1 student --no-baseline
  stop_service

  # The floors: the same client and calls against a server that does no work, then against one that runs the student
  # (batch 1, the service's thread count) and nothing else. Same runtime defaults as the service.
  floor echo-c1 "$rep"
  floor bare-c1 "$rep" --model "$STUDENT_MODEL" --intra-op-threads "$STUDENT_THREADS"
  # And one that runs the teacher, on as many threads as the service's lone-request session gives a request alone:
  # what a teacher run costs inside a served call here, the cascade's floor at concurrency 1.
  floor bare-teacher-c1 "$rep" --model "$TEACHER_MODEL" --intra-op-threads "$LONE_THREADS"
done

COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src && echo "" || echo " (with uncommitted changes in src/)")
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
NOTE="Measured $(date -u '+%Y-%m-%d %H:%M') UTC by \`scripts/benchmarks.sh\` at commit $COMMIT on $(nproc) cores ($CPU), \
CPU busy before the repetitions at most $BUSY_MAX% (before the first, $BUSY_BEFORE%). $REPS repetitions; each run: $WARMUP warm-up then $DURATION measured, \
closed loop over $CONNECTIONS HTTP/2 connection(s), tensors from the Fashion-MNIST test split, load generator with \
inline socket completions. Raw reports: \
\`${OUT#"$ROOT"/}/\`."
if [ "$SUITE" != saturation ]; then
  SUMMARY=("$LOADTEST" summarize --runs "$OUT" --out "$OUT/summary.md" --note "$NOTE")
  if [ "${NO_DOC:-0}" != 1 ]; then
    SUMMARY+=(--splice "$ROOT/docs/benchmarks.md" --plots "$ROOT/docs/benchmarks")
  fi
  "${SUMMARY[@]}"
fi
if [ "$SUITE" != classic ]; then
  saturation_summary
  if [ "${NO_DOC:-0}" != 1 ]; then
    # The saturation tables replace what is between the saturation markers, under the same kind of note.
    PINNING="server on ${SERVER_CPUS:-all cores}, load generators on ${CLIENT_CPUS:-all cores}"
    { echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC by \`SUITE=$SUITE REPS=$REPS scripts/benchmarks.sh\` at commit $COMMIT on $(nproc) cores ($CPU), CPU busy before the repetitions at most $BUSY_MAX%; each run $SAT_WARMUP warm-up then $SAT_DURATION measured; $PINNING. Raw reports: \`${OUT#"$ROOT"/}/saturation/\`."
      echo; cat "$OUT/saturation/saturation.md"; } > "$OUT/saturation-block.md"
    splice_block saturation "$OUT/saturation-block.md" "$ROOT/docs/benchmarks.md"
  fi
fi
