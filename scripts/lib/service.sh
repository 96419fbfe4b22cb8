# Sourced by the scripts that start the service in the background: one place for starting, waiting and stopping.
# The caller sets SERVICE_PID to the background process and may `trap stop_service EXIT`.

SERVICE_PID=

# stop_service: stops the process in SERVICE_PID, if any, and waits for it to exit.
stop_service() {
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=
  fi
}

# wait_healthy METRICS_PORT LOG: returns once the service in SERVICE_PID answers /healthz (models loaded and warm);
# exits 1, pointing at LOG, if it exits first or is not healthy within 60 s.
wait_healthy() {
  local port=$1 log=$2
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && return
    if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
      echo "the service exited while starting; see $log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "the service was not healthy after 60 s; see $log" >&2
  exit 1
}

# start_capturing_service REPO SAMPLES LOG: starts the built service (the caller's SERVICE, run from SERVICE_DIR) on the
# model repository REPO, capturing hard cases into SAMPLES (no shadow samples), gRPC on TARGET, metrics on
# METRICS_PORT and v2 REST on REST_PORT (METRICS_PORT + 1 unless set: never the shared default 8000), output in LOG;
# returns once it is healthy. How the redistillation demos run it.
start_capturing_service() {
  local repo=$1 samples=$2 log=$3
  (cd "$SERVICE_DIR" && exec env ModelRepository__Path="$repo" Capture__Directory="$samples" Capture__ShadowSampleRate=0 \
    "$SERVICE" --urls "http://$TARGET" --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$METRICS_PORT" \
    --Kestrel:Endpoints:Rest:Url="http://127.0.0.1:${REST_PORT:-$((METRICS_PORT + 1))}" > "$log" 2>&1) &
  SERVICE_PID=$!
  wait_healthy "$METRICS_PORT" "$log"
}

# wait_swapped VERSION LOG: returns once the service's LOG says student VERSION is being served (a hot swap);
# exits 1, pointing at LOG, if it does not say so within 60 s.
wait_swapped() {
  local version=$1 log=$2
  for _ in $(seq 1 600); do
    grep -q "now serving v$version" "$log" && return
    sleep 0.1
  done
  echo "the service did not swap to v$version; see $log" >&2
  exit 1
}
