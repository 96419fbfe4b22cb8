#!/usr/bin/env bash
# Soak test: the service (Release build, the shipped models) under a fixed open-loop rate for a long time.
#
# PASS when the load generator saw no failed call, the service is still up at the end, and its resident memory at the
# end of the run is less than MAX_RSS_GROWTH_PERCENT above what it was once the warm-up was over (RSS is read from
# /proc/<pid>/status every SAMPLE_SECONDS). Everything lands in OUT: service.log, loadtest.log, load.json, rss.tsv,
# metrics-end.txt, verdict.txt.
#
#   scripts/reliability/soak.sh                          # 10 minutes at 200 requests/s, cascade scenario
#   RATE=400 DURATION=30m scripts/reliability/soak.sh    # other settings: see the variables below
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

rate=${RATE:-200}
duration=${DURATION:-10m}
warmup=${WARMUP:-60s}
scenario=${SCENARIO:-cascade}
data=${DATA:-$root/../shared/datasets/fashion-mnist}
interval=${SAMPLE_SECONDS:-10}
max_growth=${MAX_RSS_GROWTH_PERCENT:-10}
grpc_port=${GRPC_PORT:-31451}
metrics_port=${METRICS_PORT:-9564}
out=${OUT:-$root/artifacts/reliability/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

seconds() { # 90s, 10m, 1h, or plain seconds
  case "$1" in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
warmup_s=$(seconds "$warmup")
duration_s=$(seconds "$duration")

echo "soak: $scenario at $rate req/s for $duration after $warmup warm-up; results in $out"
echo "building (Release)..."
dotnet build -c Release -nologo -v q src/InferenceService > "$out/build.log" 2>&1 || { tail -20 "$out/build.log"; exit 2; }
dotnet build -c Release -nologo -v q src/LoadTest >> "$out/build.log" 2>&1 || { tail -20 "$out/build.log"; exit 2; }

# Like `dotnet run`: the project folder is the content root, so appsettings.json applies as shipped.
(cd src/InferenceService && exec dotnet bin/Release/net10.0/InferenceService.dll \
  --ModelRepository:Path="$root/models" \
  --Capture:Directory="$out/samples" \
  --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$grpc_port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$metrics_port") > "$out/service.log" 2>&1 &
pid=$!
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$metrics_port/healthz" > /dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "the service exited while starting:"; tail -20 "$out/service.log"; exit 2; }
  sleep 1
done
curl -sf "http://127.0.0.1:$metrics_port/healthz" > /dev/null || { echo "the service was not ready within 180 s"; exit 2; }
echo "service pid $pid ready"

# RSS in KiB, one line per sample: seconds since the load started, VmRSS.
(
  start=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss"
    sleep "$interval"
  done
) > "$out/rss.tsv" &
sampler=$!

set +e
dotnet src/LoadTest/bin/Release/net10.0/loadtest.dll run --target "127.0.0.1:$grpc_port" --scenario "$scenario" \
  --rate "$rate" --duration "$duration" --warmup "$warmup" --data "$data" --no-baseline \
  --json "$out/load.json" --metrics-url "http://127.0.0.1:$metrics_port/metrics" > "$out/loadtest.log" 2>&1
load_status=$?
set -e

alive=yes
kill -0 "$pid" 2>/dev/null || alive=no
curl -sf "http://127.0.0.1:$metrics_port/metrics" > "$out/metrics-end.txt" 2>/dev/null || true
kill "$sampler" 2>/dev/null || true
sampler=""
# Graceful stop: requests drain, the sample log is flushed.
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

# Baseline: the first sample after the warm-up; end: the last sample taken while the measured load still ran.
read -r base_t base_rss < <(awk -v w="$warmup_s" '$1 >= w {print $1, $2; exit}' "$out/rss.tsv") || true
read -r end_t end_rss < <(awk -v e="$((warmup_s + duration_s))" '$1 <= e {t=$1; r=$2} END {print t, r}' "$out/rss.tsv") || true
max_rss=$(awk 'BEGIN {m=0} $2 > m {m=$2} END {print m}' "$out/rss.tsv")
growth=$(awk -v b="${base_rss:-0}" -v e="${end_rss:-0}" 'BEGIN {if (b > 0) printf "%.1f", (e - b) * 100 / b; else print "nan"}')
requests=$(grep -o '"requests": *[0-9]*' "$out/load.json" 2>/dev/null | head -1 | grep -o '[0-9]*$' || echo "?")
errors=$(grep -o '"errors": *[0-9]*' "$out/load.json" 2>/dev/null | head -1 | grep -o '[0-9]*$' || echo "?")
degraded=$(grep -o '"degraded": *[0-9]*' "$out/load.json" 2>/dev/null | head -1 | grep -o '[0-9]*$' || echo "?")
p99=$(grep -o '"p99_us": *[0-9]*' "$out/load.json" 2>/dev/null | head -1 | grep -o '[0-9]*$' || echo "?")
dropped=$(awk '/^serving_capture_dropped_total/ {s += $NF} END {print s + 0}' "$out/metrics-end.txt")

verdict=PASS
reasons=()
[ "$load_status" -eq 0 ] || { verdict=FAIL; reasons+=("loadtest exit code $load_status"); }
[ "$errors" = "0" ] || { verdict=FAIL; reasons+=("$errors failed calls"); }
[ "$alive" = yes ] || { verdict=FAIL; reasons+=("the service died"); }
awk -v g="$growth" -v m="$max_growth" 'BEGIN {exit !(g != "nan" && g + 0 < m)}' || { verdict=FAIL; reasons+=("RSS grew ${growth}%"); }

{
  echo "command: RATE=$rate DURATION=$duration WARMUP=$warmup SCENARIO=$scenario scripts/reliability/soak.sh"
  echo "measured: $requests requests, $errors errors, $degraded degraded, p99 ${p99} us; samples dropped $dropped"
  echo "rss: ${base_rss} KiB at ${base_t}s (after warm-up), ${end_rss} KiB at ${end_t}s (end), max ${max_rss} KiB; growth ${growth}% (limit ${max_growth}%)"
  echo "verdict: $verdict${reasons:+ (${reasons[*]})}"
} | tee "$out/verdict.txt"
[ "$verdict" = PASS ]
