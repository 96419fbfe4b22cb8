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

# start_healthy METRICS_PORT LOG COMMAND [ARGS...]: runs COMMAND in the background as SERVICE_PID, its output in LOG,
# and returns once it answers /healthz on METRICS_PORT (see wait_healthy). COMMAND may be a shell function that ends
# in `exec`, so that SERVICE_PID is the server itself. A server that exits at once because a port is still held (a
# client connection of an earlier run in TIME_WAIT holds it for up to a minute) is started again after 20 s, up to
# four times, instead of ending the run.
start_healthy() {
  local port=$1 log=$2 attempt
  shift 2
  for attempt in 1 2 3 4; do
    "$@" > "$log" 2>&1 &
    SERVICE_PID=$!
    for _ in $(seq 1 50); do
      curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && return
      kill -0 "$SERVICE_PID" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$SERVICE_PID" 2>/dev/null || ! grep -q "address already in use" "$log"; then
      break
    fi
    wait "$SERVICE_PID" 2>/dev/null || true
    echo "a port is still held (attempt $attempt; see $log); retrying in 20 s" >&2
    sleep 20
  done
  wait_healthy "$port" "$log"
}

# exec_service_on [VAR=value ...]: replaces the shell with the built service (the caller's SERVICE, run from
# SERVICE_DIR, the content root as under `dotnet run`), under the caller's SERVER prefix (a taskset, or empty), with the
# runtime's defaults as the service has them and the variables given: gRPC on TARGET, metrics on METRICS_PORT and v2
# REST on REST_PORT (METRICS_PORT + 1 unless set: never the shared default 8000). The COMMAND of start_healthy.
exec_service_on() {
  cd "$SERVICE_DIR" && exec ${SERVER:-} env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS "$@" \
    "$SERVICE" --urls "http://$TARGET" --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$METRICS_PORT" \
    --Kestrel:Endpoints:Rest:Url="http://127.0.0.1:${REST_PORT:-$((METRICS_PORT + 1))}"
}

# start_capturing_service REPO SAMPLES LOG: starts the service (exec_service_on) on the model repository REPO,
# capturing hard cases into SAMPLES (no shadow samples), output in LOG; returns once it is healthy. How the
# redistillation demos run it.
start_capturing_service() {
  start_healthy "$METRICS_PORT" "$3" exec_service_on ModelRepository__Path="$1" Capture__Directory="$2" Capture__ShadowSampleRate=0
}

# start_echo_server LOG [echo-server options]: `loadtest echo-server` (the caller's LOADTEST) on ECHO (HOST:PORT), under
# the caller's SERVER prefix (a taskset, or empty), with the runtime's defaults as the service has them, as
# SERVICE_PID for stop_service; returns once it listens.
start_echo_server() {
  local log=$1
  shift
  ${SERVER:-} env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS "$LOADTEST" echo-server --listen "$ECHO" "$@" > "$log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 100); do grep -qs listening "$log" && break; sleep 0.1; done
}

# ensure_tool COMMAND PACKAGE: installs the Debian PACKAGE with apt-get when COMMAND is missing (the caller's OUT holds
# apt's log), updating the package lists once if the first try fails.
ensure_tool() {
  local command=$1 package=$2 sudo=
  command -v "$command" > /dev/null && return
  echo "installing $command ($package)" >&2
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y "$package" > "$OUT/apt-$package.log" 2>&1 ||
    { $sudo apt-get update > /dev/null 2>&1 && $sudo apt-get install -y "$package" > "$OUT/apt-$package.log" 2>&1; }
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
