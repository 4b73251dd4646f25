# The lifecycle the local services proofline's tests and recipes start (deploy/kafka/broker.sh,
# deploy/collector/collector.sh) share: a pid file in a per-port state directory, a bounded wait until the
# service says it is ready, and a stop that escalates to SIGKILL. Sourced, not run. The caller sets
# `pid_file`, `log_file` and `name` (for messages) and defines `die`.

# A pid that is running and not a zombie (a zombie still answers kill -0).
alive() {
  kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  alive "$pid" || return 1
  echo "$pid"
}

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

# wait_ready CHECK TIMEOUT_S POLL_S: until CHECK succeeds; fails with the log's tail if the process exits first.
wait_ready() {
  local check="$1" timeout_s="$2" poll_s="$3"
  local deadline=$((SECONDS + timeout_s))
  until "$check"; do
    if ! running_pid >/dev/null; then
      tail -n 30 "$log_file" >&2
      die "$name exited during startup; log: $log_file"
    fi
    ((SECONDS < deadline)) || die "$name is not ready after ${timeout_s}s; log: $log_file"
    sleep "$poll_s"
  done
}

# stop_daemon TIMEOUT_S: SIGTERM, then SIGKILL once the grace period is over.
stop_daemon() {
  local timeout_s="$1" pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    echo "not running"
    return
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + timeout_s))
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  rm -f "$pid_file"
  echo "stopped"
}

# daemon_status ADDRESS: exit 0 and say where it runs, or 1.
daemon_status() {
  local pid
  pid="$(running_pid)" || {
    echo "not running"
    return 1
  }
  echo "running (pid $pid): $1"
}
