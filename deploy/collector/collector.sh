#!/usr/bin/env bash
# A small OpenTelemetry Collector distribution for proofline (deploy/collector/builder-config.yaml), built with
# the official builder (ocb) from the Go module proxy into a cache outside the repository, and run in the
# background with one of the configs beside this script. State (pid, log) lives in a directory per port, so
# several Collectors (a developer's and a test run's) can coexist.
#
#   collector.sh build                                  build once per builder config; prints the binary's path
#   collector.sh validate --config FILE                 `otelcol validate` on a config
#   collector.sh start  [--port N] [--config FILE]      start in the background, wait for the health check;
#                                                       prints the OTLP/HTTP base URL (http://127.0.0.1:N)
#   collector.sh stop   [--port N]                      SIGTERM (the Collector drains its queues), SIGKILL later
#   collector.sh status [--port N]                      exit 0 and print the URL when running
#
# --port is the OTLP/HTTP receiver's (default 4318); the gRPC receiver, the health check and the internal
# metrics get free loopback ports. The config (default kafka.yaml) reads its endpoints and targets from the
# environment: PROOFLINE_KAFKA_BROKERS, PROOFLINE_COLLECTOR_{LOGS,SPANS}_TOPIC, PROOFLINE_COLLECTOR_ENCODING
# (kafka.yaml); PROOFLINE_URL, PROOFLINE_TOKEN (otlphttp.yaml). Environment of the script itself:
# PROOFLINE_OTELCOL_CACHE (default ~/.cache/proofline), PROOFLINE_OTELCOL_STATE (state directory; default
# ${TMPDIR:-/tmp}/proofline-otelcol-<port>). Needs Go 1.26 (go.mod of the generated sources says 1.26.0).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/daemon.sh
source "$script_dir/../lib/daemon.sh"
name="the Collector"
builder_config="$script_dir/builder-config.yaml"
# The builder's release; the core modules in builder-config.yaml are at the same one.
builder_version=0.165.0
cache_root="${PROOFLINE_OTELCOL_CACHE:-$HOME/.cache/proofline}"
port=4318
config="$script_dir/kafka.yaml"
ready_timeout_s=60
stop_timeout_s=30
# Never fetch a Go toolchain behind the caller's back: a module that needs a newer Go fails the build here.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

die() {
  echo "collector.sh: $*" >&2
  exit 1
}

# Keyed by the builder config's content: editing it (a component, a version) builds a new binary.
binary_path() {
  local key
  key="$(sha256sum "$builder_config" | cut -c1-12)"
  echo "$cache_root/otelcol-$builder_version-$key/otelcol-proofline"
}

build() {
  local binary
  binary="$(binary_path)"
  if [[ -x "$binary" ]]; then
    echo "$binary"
    return
  fi
  # One build at a time (test files start in parallel): the others wait, then find the binary built.
  mkdir -p "$cache_root"
  local lock
  exec {lock}>"$cache_root/otelcol-build.lock"
  flock "$lock"
  if [[ -x "$binary" ]]; then
    echo "$binary"
    return
  fi
  # The standard install location, for a non-interactive shell whose PATH a profile did not extend.
  command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || die "go (1.26) is required to build the Collector"
  local dir staging builder
  dir="$(dirname "$binary")"
  builder="$cache_root/ocb-$builder_version/builder"
  if [[ ! -x "$builder" ]]; then
    echo "collector.sh: installing the builder v$builder_version" >&2
    GOBIN="$(dirname "$builder")" go install "go.opentelemetry.io/collector/cmd/builder@v$builder_version" >&2 ||
      die "could not install go.opentelemetry.io/collector/cmd/builder@v$builder_version"
  fi
  # Generated sources and the binary go to a staging directory first, so an interrupted build is never
  # mistaken for a complete one. The config's output_path (./_build) is relative to the builder's directory.
  staging="$dir.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  cp "$builder_config" "$staging/builder-config.yaml"
  echo "collector.sh: building the Collector (a few minutes the first time)" >&2
  (cd "$staging" && "$builder" --config builder-config.yaml >build.log 2>&1) || {
    tail -n 40 "$staging/build.log" >&2
    die "the Collector build failed; log: $staging/build.log"
  }
  mkdir -p "$dir"
  mv "$staging/_build/otelcol-proofline" "$binary.tmp"
  mv "$binary.tmp" "$binary"
  rm -rf "$staging"
  echo "$binary"
}

parse_args() {
  while (($#)); do
    case "$1" in
      --port)
        [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--port needs a number"
        port="$2"
        shift 2
        ;;
      --config)
        [[ $# -ge 2 ]] || die "--config needs a file"
        [[ -f "$2" ]] || die "no such config: $2"
        config="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
        shift 2
        ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  state="${PROOFLINE_OTELCOL_STATE:-${TMPDIR:-/tmp}/proofline-otelcol-$port}"
  pid_file="$state/otelcol.pid"
  log_file="$state/otelcol.log"
  health_file="$state/health-endpoint"
}




# Ready means the health check extension says the pipelines are up, not merely that a port is open.
healthy() {
  curl -fsS -o /dev/null --max-time 2 "http://$(cat "$health_file")/" 2>/dev/null
}

validate() {
  parse_args "$@"
  local binary
  binary="$(build)"
  "$binary" validate --config "$config" >&2 || die "invalid config: $config"
  echo "valid: $config"
}

start() {
  parse_args "$@"
  local pid
  if pid="$(running_pid)"; then
    # stdout carries only the URL, so callers can capture it either way.
    echo "collector.sh: already running (pid $pid)" >&2
    echo "http://127.0.0.1:$port"
    return
  fi
  command -v curl >/dev/null || die "curl is required (the readiness check)"
  local binary
  binary="$(build)"
  mkdir -p "$state"
  echo "127.0.0.1:$(free_port)" >"$health_file"
  PROOFLINE_OTELCOL_HTTP_ENDPOINT="127.0.0.1:$port" \
    PROOFLINE_OTELCOL_GRPC_ENDPOINT="127.0.0.1:$(free_port)" \
    PROOFLINE_OTELCOL_HEALTH_ENDPOINT="$(cat "$health_file")" \
    PROOFLINE_OTELCOL_METRICS_PORT="$(free_port)" \
    setsid "$binary" --config "$config" </dev/null >>"$log_file" 2>&1 &
  echo $! >"$pid_file"
  wait_ready healthy "$ready_timeout_s" 0.2
  echo "http://127.0.0.1:$port"
}

stop() {
  parse_args "$@"
  stop_daemon "$stop_timeout_s"
}

status() {
  parse_args "$@"
  daemon_status "http://127.0.0.1:$port"
}

command="${1:-}"
[[ $# -gt 0 ]] && shift
case "$command" in
  build) build ;;
  validate) validate "$@" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  *) die "usage: collector.sh build | validate --config FILE | start [--port N] [--config FILE] | stop [--port N] | status [--port N]" ;;
esac
