#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft: one process is broker and controller) for development and tests.
# The jars come from Maven Central (see pom.xml) into a cache outside the repository; data and logs live in
# a state directory per port, so several brokers (a developer's and a test run's) can coexist.
#
#   broker.sh fetch                   download the broker's jars (once per version)
#   broker.sh start  [--port N]       format storage on first start, start in the background, wait until ready
#   broker.sh stop   [--port N]       SIGTERM, then SIGKILL after a grace period; data is kept for a restart
#   broker.sh status [--port N]       exit 0 and print the bootstrap address when running
#   broker.sh reset  [--port N]       stop and delete the state directory
#
# Environment: PROOFLINE_KAFKA_VERSION (default below), PROOFLINE_KAFKA_HOME (jar cache),
# PROOFLINE_KAFKA_STATE (state directory; default ${TMPDIR:-/tmp}/proofline-kafka-<port>),
# PROOFLINE_KAFKA_HEAP (default 512m).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/daemon.sh
source "$script_dir/../lib/daemon.sh"
name=broker
# 4.4.0 is listed on Maven Central but its runtime dependency kafka-tools-api:4.4.0 is not published (404).
version="${PROOFLINE_KAFKA_VERSION:-4.3.1}"
kafka_home="${PROOFLINE_KAFKA_HOME:-$HOME/.cache/proofline/kafka-$version}"
libs="$kafka_home/libs"
heap="${PROOFLINE_KAFKA_HEAP:-512m}"
port=9092
ready_timeout_s=90
stop_timeout_s=30

die() {
  echo "broker.sh: $*" >&2
  exit 1
}

parse_port() {
  while (($#)); do
    case "$1" in
      --port)
        [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--port needs a number"
        port="$2"
        shift 2
        ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  state="${PROOFLINE_KAFKA_STATE:-${TMPDIR:-/tmp}/proofline-kafka-$port}"
  pid_file="$state/broker.pid"
  log_file="$state/broker.log"
  config="$state/server.properties"
}

fetch() {
  if [[ -f "$libs/kafka_2.13-$version.jar" ]]; then
    echo "kafka $version already in $libs"
    return
  fi
  command -v mvn >/dev/null || die "mvn is required to fetch the broker"
  local staging="$libs.partial"
  rm -rf "$staging"
  # Into a staging directory first, so an interrupted download is never mistaken for a complete one.
  mvn -q -B -f "$script_dir/pom.xml" -Dkafka.version="$version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$staging"
  rm -rf "$libs"
  mv "$staging" "$libs"
  echo "kafka $version in $libs"
}

# Alive and not a zombie: in a container whose init does not reap, a dead JVM can linger as one.



write_config() {
  local controller_port
  controller_port="$(free_port)"
  mkdir -p "$state/data"
  cat >"$config" <<EOF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=3
auto.create.topics.enable=false
# One node: every internal topic has one replica, and few partitions so the first group join is quick.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$state/log4j2.properties" <<'EOF'
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=WARN
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
EOF
}

format_storage() {
  local cluster_id
  cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid)"
  java -cp "$libs/*" kafka.tools.StorageTool format --config "$config" --cluster-id "$cluster_id" --standalone \
    >>"$log_file" 2>&1 || die "storage format failed; see $log_file"
}

# Ready means a real client gets metadata back, not merely that the port is open.
client_ready() {
  if command -v kcat >/dev/null; then
    kcat -b "127.0.0.1:$port" -L -m 3 >/dev/null 2>&1
  else
    node -e "
      const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [process.argv[1]] }));
      const admin = new Kafka({ brokers: [process.argv[2]], logLevel: logLevel.NOTHING, retry: { retries: 0 },
        connectionTimeout: 2000, requestTimeout: 3000 }).admin();
      admin.connect().then(() => admin.describeCluster()).then(() => admin.disconnect()).then(
        () => process.exit(0), () => process.exit(1));
    " "$script_dir" "127.0.0.1:$port" >/dev/null 2>&1
  fi
}

start() {
  parse_port "$@"
  if pid="$(running_pid)"; then
    # stdout carries only the bootstrap address, so callers can capture it either way.
    echo "broker.sh: already running (pid $pid)" >&2
    echo "127.0.0.1:$port"
    return
  fi
  [[ -f "$libs/kafka_2.13-$version.jar" ]] || fetch
  command -v java >/dev/null || die "java (17+) is required"
  mkdir -p "$state"
  # The first start formats storage; later starts reuse config and data, so a restart keeps every record.
  if [[ ! -f "$config" ]]; then
    write_config
    format_storage
  fi
  setsid java "-Xmx$heap" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$state/log4j2.properties" \
    -cp "$libs/*" kafka.Kafka "$config" </dev/null >>"$log_file" 2>&1 &
  echo $! >"$pid_file"
  wait_ready client_ready "$ready_timeout_s" 0.5
  echo "127.0.0.1:$port"
}

stop() {
  parse_port "$@"
  stop_daemon "$stop_timeout_s"
}

status() {
  parse_port "$@"
  daemon_status "127.0.0.1:$port"
}

reset() {
  parse_port "$@"
  stop "$@" >/dev/null
  rm -rf "$state"
  echo "removed $state"
}

command="${1:-}"
[[ $# -gt 0 ]] && shift
case "$command" in
  fetch) fetch ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  reset) reset "$@" ;;
  *) die "usage: broker.sh fetch | start [--port N] | stop [--port N] | status [--port N] | reset [--port N]" ;;
esac
