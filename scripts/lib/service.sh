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
