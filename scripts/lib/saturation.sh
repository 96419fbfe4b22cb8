# Sourced by scripts/benchmarks.sh: the saturation suite (issue 17). Uses the caller's settings and functions
# (start_service, start_echo_server, stop_service, run, $LOADTEST, $DATA, $OUT, $TARGET, $ECHO, $METRICS, $REST_PORT, $SERVER, $CLIENT).
#
# Per repetition:
# - raw: `loadtest raw-throughput`, the student and the teacher on raw ONNX Runtime, batch 32, one caller per server
#   core (1 thread);
# - echo: `loadtest echo-server` (a Classifier that does no work) under h2load; bare: the same server running the
#   student on every call (`--model`), the floor of any gRPC service of this model;
# - the service as shipped under h2load, student route and default route; then under `loadtest run`, closed loop,
#   student at concurrency 1, 8, 64 and 256, cascade and teacher at concurrency 64 (the test split cycled, so the
#   cascade sends its calibrated share to the teacher), and the student at concurrency 64 over the Open Inference
#   Protocol (v2 gRPC ModelInfer and v2 REST infer) beside serving.v1 Classify;
# - the same with Batching__Enabled=false: student under h2load and at concurrency 1, 8, 64 and 256.
# Batching on and off are compared in pairs: both services are up at once (the one not measured idles on its own
# ports) and each measurement runs against one, then at once against the other, batching on first in odd repetitions
# and off first in even ones. Measured minutes apart, as they were, the two drifted with the shared machine more than
# they differ (batching on at concurrency 64 gave 5 771, 4 235 and 5 073 req/s in three repetitions).
# Every server is settled before it is measured (SAT_SETTLE of unmeasured load): the service has far more code to
# compile to its optimized tier than the echo server, and a few seconds in, the JIT is still busy with it.
# h2load: H2LOAD_CONNECTIONS (8) connections x H2LOAD_STREAMS (16) streams, one Fashion-MNIST test tensor as body,
# SAT_WARMUP (2s) then SAT_DURATION (8s). L = 1 / (1/echo + 1/raw) bounds any service of this model on these cores.

SAT_DURATION=${SAT_DURATION:-8s}
SAT_WARMUP=${SAT_WARMUP:-2s}
SAT_SETTLE=${SAT_SETTLE:-15s}
H2LOAD_CONNECTIONS=${H2LOAD_CONNECTIONS:-8}
H2LOAD_STREAMS=${H2LOAD_STREAMS:-16}
# The batching-off service of the pair, beside the service on the caller's ports.
OFF_TARGET=127.0.0.1:${OFF_GRPC_PORT:-$((GRPC_PORT + 1))}
OFF_METRICS_PORT=${OFF_METRICS_PORT:-$((METRICS_PORT + 1))}
OFF_REST_PORT=${OFF_REST_PORT:-$((REST_PORT + 1))}
OFF_PID=

# as_off COMMAND...: COMMAND against the batching-off service of the pair (its address, metrics and process).
as_off() {
  TARGET=$OFF_TARGET METRICS_PORT=$OFF_METRICS_PORT METRICS=http://127.0.0.1:$OFF_METRICS_PORT/metrics REST_PORT=$OFF_REST_PORT \
    SERVICE_PID=$OFF_PID "$@"
}

# in_turns REP ON OFF: the functions ON against the batching-on service and OFF against the batching-off one, one
# right after the other, on first in odd repetitions and off first in even ones.
in_turns() {
  local rep=$1 on=$2 off=$3
  if ((rep % 2)); then "$on"; as_off "$off"; else as_off "$off"; "$on"; fi
}

# stop_off: stops the batching-off service of the pair, if it runs.
stop_off() {
  SERVICE_PID=$OFF_PID stop_service
  OFF_PID=
}

# served_count: Classify calls the service answered so far (its own counter, from /metrics).
served_count() {
  curl -sf "$METRICS" | awk '/^serving_request_duration_seconds_count/ { n += $NF } END { printf "%d\n", n }'
}

# h2_args ADDRESS FRAME METHOD: sets the caller's `args` to h2load's options for gRPC calls with FRAME as every body.
h2_args() {
  args=(-c "$H2LOAD_CONNECTIONS" -m "$H2LOAD_STREAMS" -d "$2" -H 'content-type: application/grpc' -H 'te: trailers' "http://$1/$3")
}

# h2 LABEL REP ADDRESS FRAME [count [METHOD]]: h2load against ADDRESS with FRAME as every call's body (to METHOD,
# serving.v1.Classifier/Classify unless given); writes $OUT/LABEL-REP.h2load with req/s, and, when the service is the
# target ("count"), what it answered meanwhile.
h2() {
  local label=$1 rep=$2 address=$3 frame=$4 count=${5:-} method=${6:-serving.v1.Classifier/Classify}
  echo "rep $rep: $label (h2load ${H2LOAD_CONNECTIONS}x${H2LOAD_STREAMS})" >&2
  local args
  h2_args "$address" "$frame" "$method"
  # Warm-up as its own run, so that the service's count before and after brackets exactly the measured run.
  $CLIENT h2load -D "${SAT_WARMUP%s}" "${args[@]}" > /dev/null 2>&1 || true
  local before=0 after=0
  [ -n "$count" ] && before=$(served_count)
  $CLIENT h2load -D "${SAT_DURATION%s}" "${args[@]}" > "$OUT/$label-$rep.h2load.txt" 2>&1 || true
  [ -n "$count" ] && after=$(served_count)
  local rps succeeded
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$OUT/$label-$rep.h2load.txt")
  succeeded=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$OUT/$label-$rep.h2load.txt")
  echo "${rps:-0} ${succeeded:-0} $((after - before))" > "$OUT/$label-$rep.h2load"
}

# settle ADDRESS FRAME [cascade]: unmeasured h2load for SAT_SETTLE, so that what follows measures code that the JIT
# has finished optimizing; with "cascade", also a short cascade load, the teacher's path.
settle() {
  local address=$1 frame=$2 cascade=${3:-}
  local args
  h2_args "$address" "$frame" serving.v1.Classifier/Classify
  $CLIENT h2load -D "${SAT_SETTLE%s}" "${args[@]}" > /dev/null 2>&1 || true
  if [ -n "$cascade" ]; then
    $CLIENT "$LOADTEST" run --target "$address" --data "$DATA" --scenario cascade --concurrency 64 --duration 1s --warmup 5s \
      --no-baseline --model-repo "$ROOT/models" > /dev/null 2>&1 || true
  fi
}

# sat_run LABEL REP CONCURRENCY SCENARIO: a closed-loop `loadtest run` with the saturation suite's durations.
sat_run() {
  DURATION=$SAT_DURATION WARMUP=$SAT_WARMUP run "$@" --no-baseline
}

# Reports go to $OUT/saturation/, apart from the classic suite's (which `loadtest summarize` reads).
saturation_rep() {
  local rep=$1 FRAMES=$OUT OUT=$OUT/saturation
  mkdir -p "$OUT"
  echo "rep $rep: raw ONNX Runtime at saturation" >&2
  $SERVER "$LOADTEST" raw-throughput --data "$DATA" --model-repo "$ROOT/models" --batch-size 32 \
    --intra-op-threads "$STUDENT_THREADS" --duration "$SAT_DURATION" > "$OUT/raw-$rep.txt" 2>&1
  sed -n 's/^images\/s: \([0-9]*\).*/\1/p' "$OUT/raw-$rep.txt" > "$OUT/raw-$rep.value"
  $SERVER "$LOADTEST" raw-throughput --data "$DATA" --model-repo "$ROOT/models" --role teacher --batch-size 32 \
    --intra-op-threads 1 --duration "$SAT_DURATION" > "$OUT/raw-teacher-$rep.txt" 2>&1
  sed -n 's/^images\/s: \([0-9]*\).*/\1/p' "$OUT/raw-teacher-$rep.txt" > "$OUT/raw-teacher-$rep.value"

  start_echo_server "$OUT/echo-sat-$rep.log"
  settle "$ECHO" "$FRAMES/student.frame"
  h2 echo-sat "$rep" "$ECHO" "$FRAMES/student.frame"
  stop_service

  # The floor of any gRPC service of this model on this stack: the same server running the student (batch 1, one
  # thread) on every call and nothing else. Between it and L lies what serving a model per call costs; between it
  # and the service, what the service's own work (batching, cascade, metrics, capture) costs or gains.
  start_echo_server "$OUT/bare-sat-$rep.log" --model "$STUDENT_MODEL" --intra-op-threads "$STUDENT_THREADS"
  settle "$ECHO" "$FRAMES/student.frame"
  h2 bare-sat "$rep" "$ECHO" "$FRAMES/student.frame"
  stop_service

  # The pair: batching off first, so that the service as shipped ends up in SERVICE_PID. (Not through as_off: an
  # assignment before a function call lasts only for that call, and start_service sets SERVICE_PID.)
  TARGET=$OFF_TARGET METRICS_PORT=$OFF_METRICS_PORT REST_PORT=$OFF_REST_PORT start_service sat-nobatching Batching__Enabled=false
  OFF_PID=$SERVICE_PID
  start_service sat-batching
  settle "$TARGET" "$FRAMES/default.frame" cascade
  settle "$OFF_TARGET" "$FRAMES/student.frame"
  local c
  on_h2() { h2 sat-student "$rep" "$TARGET" "$FRAMES/student.frame" count; }
  off_h2() { h2 sat-nobatching-student "$rep" "$TARGET" "$FRAMES/student.frame" count; }
  in_turns "$rep" on_h2 off_h2
  for c in 1 8 64 256; do
    on_run() { sat_run "sat-batching-c$c" "$rep" "$c" student; }
    off_run() { sat_run "sat-nobatching-c$c" "$rep" "$c" student; }
    in_turns "$rep" on_run off_run
  done
  stop_off
  h2 sat-default "$rep" "$TARGET" "$FRAMES/default.frame" count
  h2 sat-v2-student "$rep" "$TARGET" "$FRAMES/student-v2.frame" count inference.GRPCInferenceService/ModelInfer
  # 32 images per request, 8 requests in flight: 256 images, as at concurrency 256.
  H2LOAD_STREAMS=1 h2 sat-v2batch-student "$rep" "$TARGET" "$FRAMES/student-v2-32.frame" count inference.GRPCInferenceService/ModelInfer
  sat_run sat-cascade-c64 "$rep" 64 cascade
  sat_run sat-teacher-c64 "$rep" 64 teacher
  sat_run sat-v2grpc-c64 "$rep" 64 student --protocol v2-grpc
  sat_run sat-v2rest-c64 "$rep" 64 student --protocol v2-rest --rest-target "127.0.0.1:$REST_PORT"
  stop_service
}

# median FILES...: the median of the first number in each file.
median() {
  cat "$@" 2> /dev/null | awk '{ print $1 }' | median_stdin
}

# json_median LABEL FIELD: the median of one scenario field over the repetitions of a `loadtest run` label.
json_median() {
  local label=$1 field=$2
  for f in "$OUT/$label"-*.json; do [ -f "$f" ] && jq -r ".scenarios[0].$field" "$f"; done | median_stdin
}

# paired_ratio ON OFF FIELD: the median over the repetitions of ON's FIELD divided by OFF's, each repetition's pair
# measured back to back (`loadtest run` labels).
paired_ratio() {
  pair_ratios "$1" "$2" json jq -r ".scenarios[0].$3"
}

# h2_paired_ratio ON OFF: the same for h2load labels (req/s).
h2_paired_ratio() {
  pair_ratios "$1" "$2" h2load awk '{ print $1 }'
}

# pair_ratios ON OFF EXT READ...: the median over the repetitions of the value READ FILE prints for ON's file of the
# repetition (LABEL-REP.EXT) divided by that for OFF's.
pair_ratios() {
  local on=$1 off=$2 ext=$3 f rep
  shift 3
  for f in "$OUT/$on"-*."$ext"; do
    [ -f "$f" ] || continue
    rep=${f##*-}; rep=${rep%."$ext"}
    [ -f "$OUT/$off-$rep.$ext" ] || continue
    awk -v a="$("$@" "$f")" -v b="$("$@" "$OUT/$off-$rep.$ext")" 'BEGIN { if (b > 0) printf "%.4f\n", a / b }'
  done | median_stdin
}

json_sum() {
  local label=$1 field=$2
  for f in "$OUT/$label"-*.json; do [ -f "$f" ] && jq -r ".scenarios[0].$field" "$f"; done | awk '{ s += $1 } END { printf "%d\n", s }'
}

# saturation_summary: markdown tables of the medians, written to $OUT/saturation.md.
saturation_summary() {
  local OUT=$OUT/saturation raw echo bare service default nobatch
  raw=$(median "$OUT"/raw-[0-9]*.value)
  echo=$(median "$OUT"/echo-sat-*.h2load)
  bare=$(median "$OUT"/bare-sat-*.h2load)
  service=$(median "$OUT"/sat-student-*.h2load)
  default=$(median "$OUT"/sat-default-*.h2load)
  nobatch=$(median "$OUT"/sat-nobatching-student-*.h2load)
  local answered offered
  answered=$(cat "$OUT"/sat-*.h2load | awk '{ s += $3 } END { printf "%d\n", s }')
  offered=$(cat "$OUT"/sat-*.h2load | awk '{ s += $2 } END { printf "%d\n", s }')
  {
    echo "#### Saturation (medians of $REPS)"
    echo
    awk -v raw="$raw" -v echo="$echo" -v s="$service" -v d="$default" -v n="$nobatch" -v pair="$(h2_paired_ratio sat-student sat-nobatching-student)" -v bare="$bare" -v answered="$answered" -v offered="$offered" 'BEGIN {
      L = (raw > 0 && echo > 0) ? 1 / (1 / echo + 1 / raw) : 0
      printf "| measured | req/s (images/s) | share of L |\n|---|--:|--:|\n"
      printf "| raw ONNX Runtime, student, batch 32, one caller per core | %.0f | |\n", raw
      printf "| echo server (no work), h2load | %.0f | |\n", echo
      printf "| L = 1 / (1/echo + 1/raw) | %.0f | 100%% |\n", L
      if (bare > 0) printf "| bare model server (gRPC, the student at batch 1 on every call, nothing else), h2load | %.0f | %.0f%% |\n", bare, (L > 0 ? 100 * bare / L : 0)
      printf "| service, student route, h2load | %.0f | %.0f%% |\n", s, (L > 0 ? 100 * s / L : 0)
      printf "| service, default route (1%% shadow samples run the teacher), h2load | %.0f | %.0f%% |\n", d, (L > 0 ? 100 * d / L : 0)
      printf "| service with batching off, student route, h2load | %.0f | %.0f%% |\n", n, (L > 0 ? 100 * n / L : 0)
      printf "\nBatching on against off, student route under h2load, measured in pairs: %.2f× (the median of the repetitions'"'"' ratios).\n", pair
      printf "\nh2load answers with HTTP 200 counted over the service runs: %d; the service counted %d answered Classify calls in the same windows (a call still in flight at the end may fall on either side).\n", offered, answered
    }'
    echo
    echo "Batching on and off side by side, both services up, each repetition's pair measured back to back; on/off and the p99 ratio are medians of the pairs' ratios."
    echo
    echo "| scenario | concurrency | batching on: req/s | off: req/s | on/off | on: p99 µs | off: p99 µs | p99 on/off | errors (on + off) | RSS peak MB (on / off) |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    local c on off ratio p99ratio onp99 offp99 errors onrss offrss
    for c in 1 8 64 256; do
      on=$(json_median "sat-batching-c$c" throughput_rps); off=$(json_median "sat-nobatching-c$c" throughput_rps)
      ratio=$(paired_ratio "sat-batching-c$c" "sat-nobatching-c$c" throughput_rps)
      p99ratio=$(paired_ratio "sat-batching-c$c" "sat-nobatching-c$c" p99_us)
      onp99=$(json_median "sat-batching-c$c" p99_us); offp99=$(json_median "sat-nobatching-c$c" p99_us)
      onrss=$(json_median "sat-batching-c$c" service.rss_peak_mb); offrss=$(json_median "sat-nobatching-c$c" service.rss_peak_mb)
      errors=$(( $(json_sum "sat-batching-c$c" errors) + $(json_sum "sat-nobatching-c$c" errors) ))
      awk -v c="$c" -v on="$on" -v off="$off" -v r="$ratio" -v a="$onp99" -v b="$offp99" -v pr="$p99ratio" -v e="$errors" -v ra="$onrss" -v rb="$offrss" \
        'BEGIN { printf "| student | %d | %.0f | %.0f | %.2f× | %.0f | %.0f | %.2f× | %d | %.0f / %.0f |\n", c, on, off, r, a, b, pr, e, ra, rb }'
    done
    echo
    local cascade teacher share cerrors terrors rawt
    cascade=$(json_median sat-cascade-c64 throughput_rps); teacher=$(json_median sat-teacher-c64 throughput_rps)
    share=$(json_median sat-cascade-c64 teacher_share)
    cerrors=$(json_sum sat-cascade-c64 errors); terrors=$(json_sum sat-teacher-c64 errors)
    rawt=$(median "$OUT"/raw-teacher-*.value)
    # The same kind of bound as L for each route: a no-op call plus the model work one answer needs on raw ONNX Runtime
    # (batch 32, one caller per core): the student's for every request and the teacher's for the share it is sent.
    awk -v c="$cascade" -v t="$teacher" -v s="$share" -v ce="$cerrors" -v te="$terrors" -v e="$echo" -v rs="$raw" -v rt="$rawt" 'BEGIN {
      cb = (e > 0 && rs > 0 && rt > 0) ? 1 / (1 / e + 1 / rs + s / rt) : 0
      tb = (e > 0 && rt > 0) ? 1 / (1 / e + 1 / rt) : 0
      printf "| concurrency 64 | req/s | errors | bound: no-op call + raw model work | share of the bound |\n|---|--:|--:|--:|--:|\n"
      printf "| teacher-only | %.0f | %d | %.0f (raw teacher %.0f images/s) | %.0f%% |\n", t, te, tb, rt, (tb > 0 ? 100 * t / tb : 0)
      printf "| cascade (%.1f%% to the teacher) | %.0f | %d | %.0f | %.0f%% |\n", 100 * s, c, ce, cb, (cb > 0 ? 100 * c / cb : 0)
      printf "\nCascade capacity gain at concurrency 64: **%.2f×** teacher-only; the most these two models allow on these cores at this teacher share (the ratio of the bounds) is %.2f×.\n", (t > 0 ? c / t : 0), (tb > 0 ? cb / tb : 0)
    }'
    echo
    local v1 v2g v2r v2h v2b
    v1=$(json_median sat-batching-c64 throughput_rps); v2g=$(json_median sat-v2grpc-c64 throughput_rps); v2r=$(json_median sat-v2rest-c64 throughput_rps)
    v2h=$(median "$OUT"/sat-v2-student-*.h2load)
    # Images, not requests: what the service answered (it counts each image) over the measured window.
    v2b=$(for f in "$OUT"/sat-v2batch-student-*.h2load; do [ -f "$f" ] && awk -v d="${SAT_DURATION%s}" '{ printf "%.0f\n", $3 / d }' "$f"; done | median_stdin)
    # h2load sends both protocols' requests at the same (negligible) client cost: the service's own cost of each;
    # loadtest's closed loop also pays its .NET client for each protocol on the same cores.
    awk -v a="$v1" -v b="$v2g" -v r="$v2r" -v eb="$(json_sum sat-v2grpc-c64 errors)" -v er="$(json_sum sat-v2rest-c64 errors)" \
      -v h1="$service" -v h2="$v2h" -v hb="$v2b" 'BEGIN {
      printf "| protocol, student route | h2load 8x16: req/s | of serving.v1 | loadtest, concurrency 64: req/s | of serving.v1 | errors |\n|---|--:|--:|--:|--:|--:|\n"
      printf "| serving.v1 Classify (gRPC) | %.0f | 100%% | %.0f | 100%% | |\n", h1, a
      printf "| Open Inference Protocol, gRPC ModelInfer | %.0f | %.0f%% | %.0f | %.0f%% | %d |\n", h2, (h1 > 0 ? 100 * h2 / h1 : 0), b, (a > 0 ? 100 * b / a : 0), eb
      printf "| Open Inference Protocol, REST infer (HTTP/1.1, JSON) | | | %.0f | %.0f%% | %d |\n", r, (a > 0 ? 100 * r / a : 0), er
      printf "| Open Inference Protocol, gRPC ModelInfer, 32 images per request (h2load 8x1; images/s) | %.0f | %.0f%% | | | |\n", hb, (h1 > 0 ? 100 * hb / h1 : 0)
    }'
  } > "$OUT/saturation.md"
  cat "$OUT/saturation.md"
}
