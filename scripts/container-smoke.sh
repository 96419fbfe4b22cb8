#!/usr/bin/env bash
# Runs the images scripts/build-images.sh built the way the manifests run them, and fails on the first broken promise:
#   1. the service image starts as user 1654 on a read-only root filesystem (all capabilities dropped, /tmp a tmpfs),
#      turns healthy (its own HEALTHCHECK, and /healthz through a mapped port), and answers Classify correctly from a
#      client outside the container (loadtest over the Fashion-MNIST test split: no errors, accuracy >= MIN_ACCURACY);
#   2. on SIGTERM under load it drains and flushes the sample log (every record written is durable) and exits 0
#      within the manifests' terminationGracePeriodSeconds; the next start finds no torn tail;
#   3. SIGKILL of the container while it captures loses no record its /metrics had reported durable;
#   4. a pass of drifted production traffic (Fashion-MNIST training images shrunk by the distillation image's `shift`,
#      closed loop) fills the sample log;
#   5. the distillation image runs the CronJob's command line (command + args read from redistill-cronjob.yaml) over
#      the mounted sample log and a copy of the model repository, reads every record, and writes the next version.
#
#   scripts/container-smoke.sh            # after scripts/build-images.sh
#   SMOKE_GRPC_PORT=52210 SMOKE_METRICS_PORT=52211 scripts/container-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/containers.sh
use_engine
apt_install jq curl

SERVICE_IMAGE=${SERVICE_IMAGE:-inference-service:0.1.0}
DISTILLATION_IMAGE=${DISTILLATION_IMAGE:-distillation:0.1.0}
FASHION=$(realpath "${FASHION_DATA:-../shared/datasets/fashion-mnist}")
MIN_ACCURACY=${MIN_ACCURACY:-0.80}
TRAFFIC_SECONDS=${SMOKE_TRAFFIC_SECONDS:-60}
CRONJOB=k8s/overlays/production/redistill-cronjob.yaml
GRACE=$(awk '/terminationGracePeriodSeconds:/ {print $2; exit}' k8s/base/cascade-deployment.yaml)

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null || { echo "$port"; return; }
  done
}
GRPC_PORT=${SMOKE_GRPC_PORT:-$(free_port)}
METRICS_PORT=${SMOKE_METRICS_PORT:-$(free_port)}

work=$(mktemp -d "${TMPDIR:-/tmp}/container-smoke.XXXXXX")
# SMOKE_KEEP=1 keeps the folder (sample log, model repository copy, logs) for a look after a failure.
name=serving-smoke-$$
load_pid=
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2> /dev/null || true
  $ENGINE rm -f "$name" > /dev/null 2>&1 || true
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
  echo "SMOKE FAILED: $*" >&2
  $ENGINE logs --tail 40 "$name" 2>&1 | sed 's/^/  | /' >&2 || true
  exit 1
}
step() { echo "== $(date -u +%T) $*"; }

# The production volumes, as folders owned by the pods' user: one replica's sample log folder as the cascade
# Deployment sets it (Capture__Directory=/samples/<pod name>), a model repository copy for the CronJob to write into.
mkdir -p "$work/samples" "$work/models" "$work/traffic"
cp -a models/. "$work/models/"
chown -R 1654:1654 "$work/samples" "$work/models" "$work/traffic"

# The pod's securityContext: user 1654, read-only root, no capabilities, no privilege escalation, /tmp an emptyDir.
hardening=(--user 1654:1654 --read-only --cap-drop ALL --security-opt no-new-privileges)
[ "$ENGINE" = podman ] && hardening+=(--read-only-tmpfs=false)

# The capture traffic: drifted traffic, Fashion-MNIST's training images shrunk as if seen from further away
# (scale=0.6-0.8, docs/redistillation.md), made by the distillation image's own `shift` command, whose traffic folder
# leaves the validation images out; loadtest sends it as a test split. On traffic like the training data the student
# has nothing to learn, and whether a candidate beats it on the held-out samples is a coin toss the gate rightly
# refuses half the time; on the shift the student is unsure and the round has something real to learn.
$ENGINE run --rm "${hardening[@]}" --tmpfs /tmp:rw,size=256m -v "$FASHION:/data/fashion-mnist:ro" -v "$work/traffic:/traffic" \
  --entrypoint dotnet "$DISTILLATION_IMAGE" /app/Distillation.dll shift --data /data/fashion-mnist --shift scale=0.6-0.8 \
  --seed 11 --out /traffic/shifted --traffic /traffic/hard > "$work/shift.log" 2>&1 \
  || { tail -20 "$work/shift.log"; fail "the distillation image could not write the shifted traffic"; }
HARD=$work/traffic/hard

start_service() {
  $ENGINE rm -f "$name" > /dev/null 2>&1 || true
  $ENGINE run -d --name "$name" "${hardening[@]}" --tmpfs /tmp:rw,size=64m \
    -p "127.0.0.1:$GRPC_PORT:50051" -p "127.0.0.1:$METRICS_PORT:9464" \
    -v "$work/samples:/samples" -e Capture__Directory=/samples/smoke-0 \
    "$SERVICE_IMAGE" > /dev/null
  local healthy=false
  for _ in $(seq 1 90); do
    [ "$($ENGINE inspect --format '{{.State.Running}}' "$name")" = true ] || fail "the service container exited while starting"
    # The image's own HEALTHCHECK command, run now rather than on its 15 s schedule.
    if [ "$ENGINE" = podman ]; then
      podman healthcheck run "$name" > /dev/null 2>&1 && healthy=true
    else
      [ "$(docker inspect --format '{{.State.Health.Status}}' "$name")" = healthy ] && healthy=true
    fi
    $healthy && break
    sleep 1
  done
  $healthy || fail "not healthy within 90 s"
}

scrape() { curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $NF} END {printf "%d", s}'; }

loadtest() { dotnet run --project src/LoadTest --no-launch-profile --no-build -- "$@"; }

step "building the load client"
dotnet build src/LoadTest -v quiet -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "loadtest does not build"; }

step "1. service: non-root, read-only root, healthy, Classify from outside"
start_service
user=$($ENGINE exec "$name" id -u)
[ "$user" = 1654 ] || fail "runs as uid $user, not 1654"
# The user's own home would be writable on a writable root.
$ENGINE exec "$name" touch /home/app/probe 2> /dev/null && fail "the root filesystem is writable"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/healthz")
[ "$code" = 200 ] || fail "/healthz through the mapped port answered $code"
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q 'serving_model_live{.*execution_provider="Cpu"' \
  || fail "/metrics through the mapped port lacks serving_model_live with execution_provider=\"Cpu\""
loadtest run --target "127.0.0.1:$GRPC_PORT" --data "$FASHION" --scenario cascade --concurrency 4 --duration 5s \
  --warmup 1s --limit 1000 --no-baseline --json "$work/classify.json" > "$work/classify.log" 2>&1 \
  || { cat "$work/classify.log"; fail "loadtest run failed"; }
read -r requests errors accuracy < <(jq -r '.scenarios[0] | "\(.requests) \(.errors) \(.accuracy)"' "$work/classify.json")
echo "   $requests Classify calls, $errors errors, accuracy $accuracy"
[ "$requests" -gt 0 ] && [ "$errors" -eq 0 ] || fail "$errors errors in $requests calls"
awk -v a="$accuracy" -v min="$MIN_ACCURACY" 'BEGIN {exit !(a >= min)}' || fail "accuracy $accuracy below $MIN_ACCURACY"

step "2. SIGTERM under load: drains, flushes the sample log, exits 0 within ${GRACE}s"
loadtest run --target "127.0.0.1:$GRPC_PORT" --data "$HARD" --scenario cascade --concurrency 8 --duration 60s \
  --warmup 0s --no-baseline > "$work/load-term.log" 2>&1 &
load_pid=$!
for _ in $(seq 1 60); do [ "$(scrape serving_capture_written_total)" -ge 100 ] && break; sleep 0.5; done
started=$(date +%s.%N)
$ENGINE stop -t "$GRACE" "$name" > /dev/null
elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
kill "$load_pid" 2> /dev/null || true; wait "$load_pid" 2> /dev/null || true; load_pid=
exit_code=$($ENGINE inspect --format '{{.State.ExitCode}}' "$name")
flushed=$($ENGINE logs "$name" 2>&1 | grep -o 'Sample log flushed: [0-9]* written ([0-9]* durable)' | tail -1)
echo "   stopped in ${elapsed}s, exit code $exit_code; $flushed"
[ "$exit_code" = 0 ] || fail "exit code $exit_code after SIGTERM"
awk -v e="$elapsed" -v g="$GRACE" 'BEGIN {exit !(e < g)}' || fail "took ${elapsed}s, the grace period is ${GRACE}s"
read -r term_written term_durable < <(echo "$flushed" | sed -E 's/.*: ([0-9]+) written \(([0-9]+) durable\)/\1 \2/')
[ -n "${term_written:-}" ] && [ "$term_written" -gt 0 ] || fail "no 'Sample log flushed' line with records"
[ "$term_written" = "$term_durable" ] || fail "$term_written written but only $term_durable durable at shutdown"

step "3. kill -9 while capturing: nothing reported durable is lost"
start_service
$ENGINE logs "$name" 2>&1 | grep -q 'cut a torn tail' && fail "a clean stop left a torn tail"
loadtest run --target "127.0.0.1:$GRPC_PORT" --data "$HARD" --scenario cascade --concurrency 8 --duration 60s \
  --warmup 0s --no-baseline > "$work/load-kill.log" 2>&1 &
load_pid=$!
for _ in $(seq 1 60); do [ "$(scrape serving_capture_durable_total)" -ge 200 ] && break; sleep 0.5; done
kill_durable=$(scrape serving_capture_durable_total)
$ENGINE kill -s KILL "$name" > /dev/null
kill "$load_pid" 2> /dev/null || true; wait "$load_pid" 2> /dev/null || true; load_pid=
echo "   killed with $kill_durable records reported durable"
[ "$kill_durable" -gt 0 ] || fail "nothing was captured before the kill"
$ENGINE rm -f "$name" > /dev/null

step "4. production traffic: drifted Fashion-MNIST training images for ${TRAFFIC_SECONDS}s, then a graceful stop"
# What the CronJob finds after a day: the hard cases of real traffic, enough of them (the two phases above capture a
# few hundred, too few for a candidate that beats the live student). Closed loop, so a slow machine sends fewer
# rather than timing out; at about 1 000 requests/s the pass sends every training image once.
start_service
loadtest run --target "127.0.0.1:$GRPC_PORT" --data "$HARD" --scenario cascade --concurrency 16 \
  --duration "${TRAFFIC_SECONDS}s" --warmup 0s --no-baseline --json "$work/traffic.json" \
  > "$work/traffic.log" 2>&1 || { tail -5 "$work/traffic.log"; fail "the traffic run failed"; }
$ENGINE stop -t "$GRACE" "$name" > /dev/null
traffic_written=$($ENGINE logs "$name" 2>&1 | grep -o 'Sample log flushed: [0-9]* written' | tail -1 | awk '{print $4}' || true)
echo "   $(jq -r '.scenarios[0] | "\(.requests) requests, \(.errors) errors, \(.teacher_share * 100 | floor)% to the teacher"' "$work/traffic.json"); ${traffic_written:-0} records written"
$ENGINE rm -f "$name" > /dev/null

step "5. distillation image: the CronJob's redistill command over the mounted volumes"
# command + args exactly as the CronJob's container lists them.
mapfile -t cronjob < <(awk '
  /^ *command: *\[/ { gsub(/.*\[|\].*/, ""); n = split($0, c, ","); for (i = 1; i <= n; i++) { gsub(/^ *"|" *$/, "", c[i]); print c[i] } }
  /^ *args: *$/ { args = 1; next }
  args && /^ *#/ { next }
  args && /^ *- / { sub(/^ *- */, ""); gsub(/^"|"$/, ""); print; next }
  args { args = 0 }' "$CRONJOB")
echo "   ${cronjob[*]}"
[ "${cronjob[2]:-}" = dotnet ] || fail "could not read the CronJob's command line from $CRONJOB"
$ENGINE run --rm --name "$name" "${hardening[@]}" --tmpfs /tmp:rw,size=4g -e TMPDIR=/tmp \
  -v "$PWD/k8s/overlays/production/redistill:/opt/redistill:ro" \
  -v "$work/samples:/samples:ro" -v "$FASHION:/data/fashion-mnist:ro" -v "$work/models:/models" \
  --entrypoint "${cronjob[0]}" "$DISTILLATION_IMAGE" "${cronjob[@]:1}" > "$work/redistill.log" 2>&1 \
  || { tail -30 "$work/redistill.log"; fail "redistill exited with an error"; }
grep -E 'merge-sample-logs:|Captured samples:|Wrote student version|No new version|Nothing to do' "$work/redistill.log" | sed 's/^/   /'
# The report may be wrapped at the console's width: read it as one line.
report=$(tr '\n' ' ' < "$work/redistill.log" | tr -s ' ')
captured=$(grep -oE 'Captured samples: [0-9]+ for training, [0-9]+ held out' <<< "$report" | awk '{print $3 + $6}')
[ -n "$captured" ] || fail "redistill reported no captured samples"
# Every record read is either used or counted as excluded: images of the base validation or test split and images an
# earlier record already had (the phases resend the same images).
excluded=$(grep -oE 'Excluded as test leakage: [0-9]+ captured samples were images of the base test split, [0-9]+ of the validation split' <<< "$report" \
  | grep -oE '[0-9]+' | awk '{n += $1} END {print n + 0}')
repeated=$(grep -oE '[0-9]+ repeated images counted once' <<< "$report" | awk '{n += $1} END {print n + 0}')
read_records=$((captured + excluded + repeated))
echo "   $read_records records read: $captured used, $excluded excluded as validation/test images, $repeated repeats"
[ "$read_records" -ge $((term_written + kill_durable + ${traffic_written:-0})) ] \
  || fail "$read_records records read; $term_written were flushed at SIGTERM, $kill_durable reported durable before SIGKILL, ${traffic_written:-0} flushed after the traffic"
# The job has done its work when it reaches a decision: a new version written, or a candidate the gate refused with
# its reasons (how much traffic a slow machine captured in the pass decides which, and both are the job working;
# whether redistillation improves the student is measured in docs/redistillation.md and tested in EndToEnd.Tests).
version=$(grep -oE 'Wrote student version [0-9]+' "$work/redistill.log" | awk '{print $4}' || true)
if [ -n "$version" ]; then
  [ -f "$work/models/fashion-mnist/student/$version/model.onnx" ] || fail "student version $version has no model.onnx"
  echo "   student version $version written to the mounted repository"
else
  grep -q 'No new version: the candidate is not better than the live student' "$work/redistill.log" \
    || { sed 's/^/   | /' "$work/redistill.log" | tail -40; fail "redistill neither wrote a version nor refused the candidate with its reasons"; }
  reason=$(grep -o 'Decision: - .*' <<< "$report" | sed -E 's/^Decision: - //; s/ - .*//')
  [ -n "$reason" ] || fail "redistill refused the candidate without saying why"
  staged=$(find "$work/models/fashion-mnist/student" -mindepth 1 -maxdepth 1 ! -name 1 | head -1)
  [ -z "$staged" ] || fail "a refused candidate left $staged behind in the model repository"
  echo "   the gate refused the candidate, nothing written to the repository: $reason"
fi
step "container smoke test passed"
