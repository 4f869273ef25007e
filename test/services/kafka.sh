#!/usr/bin/env bash
# Starts or stops the Apache Kafka that KubeOps tests use: one KRaft node
# (broker and controller in one JVM) from the Kafka jars on Maven Central,
# run with the machine's Java, on non-default loopback ports.
#   kafka.sh up      (reuses a broker that is already running)
#   kafka.sh down
# The jars are fetched once (Maven) into ~/.cache/kubeops/kafka-<version>/libs;
# the log directory, certificates and logs live under $KUBEOPS_STATE/services/kafka.
#
# Listeners, all on 127.0.0.1:
#   PLAINTEXT   $KAFKA_PORT        no authentication
#   SASL        $KAFKA_SASL_PORT   SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
#   SASLSSL     $KAFKA_SASL_SSL_PORT  SASL_SSL (same mechanisms), server certificate from a test CA
#   MTLS        $KAFKA_MTLS_PORT   SSL, a client certificate from the test CA required
#   PROXIED     $KAFKA_PROXIED_PORT, advertised as $KAFKA_PROXY_PORT: a test puts a
#               TCP proxy on the advertised port and cuts it to cut the broker off
#               (clients go where the broker's metadata sends them, so the proxy
#               has to be what the broker advertises)
# `up` writes $KUBEOPS_STATE/kafka.env (KAFKA_BROKERS, KAFKA_SASL_BROKERS, ...,
# KAFKA_USERNAME/PASSWORD, KAFKA_CA_FILE, client certificate files, and STARTED=kafka
# when this call started the broker, so a test run stops only what it started)
# and prints its path.
set -euo pipefail
LOG_TAG=kafka
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

KAFKA_VERSION="${KUBEOPS_TEST_KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KUBEOPS_TEST_KAFKA_PORT:-59092}"
KAFKA_SASL_PORT="${KUBEOPS_TEST_KAFKA_SASL_PORT:-59093}"
KAFKA_CONTROLLER_PORT="${KUBEOPS_TEST_KAFKA_CONTROLLER_PORT:-59094}"
KAFKA_SASL_SSL_PORT="${KUBEOPS_TEST_KAFKA_SASL_SSL_PORT:-59095}"
KAFKA_MTLS_PORT="${KUBEOPS_TEST_KAFKA_MTLS_PORT:-59096}"
KAFKA_PROXY_PORT="${KUBEOPS_TEST_KAFKA_PROXY_PORT:-59097}"
KAFKA_PROXIED_PORT="${KUBEOPS_TEST_KAFKA_PROXIED_PORT:-59098}"
KAFKA_USERNAME=kubeops
KAFKA_PASSWORD=kubeops-test-password
cache="${KUBEOPS_CACHE:-$HOME/.cache/kubeops}/kafka-$KAFKA_VERSION"
libs="$cache/libs"
dir="$state/services/kafka"
tls="$dir/tls"
mkdir -p "$dir" "$(dirname "$cache")"

# Two test runs may bring Kafka up at once: one does it, the other waits and reuses it.
exec 9>"$dir/.lock"
flock 9

fetch_libs() {
  [ -f "$libs/.complete" ] && return 0
  ensure_packages java openjdk-17-jre-headless
  ensure_packages mvn maven
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (cached in $libs)"
  local tmp="$libs.tmp"; rm -rf "$tmp"
  mvn -q -B -Dstyle.color=never -f "$repo/test/services/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2 ||
    die "could not fetch the Kafka $KAFKA_VERSION jars"
  touch "$tmp/.complete"
  rm -rf "$libs"; mv "$tmp" "$libs"
}

# A test CA, the broker's certificate (127.0.0.1, localhost) and a client certificate.
make_certs() {
  [ -f "$tls/client.key" ] && return 0
  log "making a test CA and certificates in $tls"
  local tmp="$tls.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=KubeOps test Kafka CA" \
      -keyout ca.key -out ca.crt 2>/dev/null
    for who in server client; do
      openssl req -newkey rsa:2048 -nodes -subj "/CN=kubeops-test-$who" \
        -keyout "$who.key.pem" -out "$who.csr" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$who.ext"
      openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$who.ext" -out "$who.crt" 2>/dev/null
      # Kafka reads PEM keys only as PKCS#8.
      openssl pkcs8 -topk8 -nocrypt -in "$who.key.pem" -out "$who.key"
    done
    cat server.key server.crt > server.pem
  )
  rm -rf "$tls"; mv "$tmp" "$tls"
}

write_config() {
  local jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_USERNAME=\"$KAFKA_PASSWORD\";"
  local jaas_scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL://127.0.0.1:$KAFKA_SASL_PORT,SASLSSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,MTLS://127.0.0.1:$KAFKA_MTLS_PORT,PROXIED://127.0.0.1:$KAFKA_PROXIED_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL://127.0.0.1:$KAFKA_SASL_PORT,SASLSSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,MTLS://127.0.0.1:$KAFKA_MTLS_PORT,PROXIED://127.0.0.1:$KAFKA_PROXY_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,SASLSSL:SASL_SSL,MTLS:SSL,PROXIED:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl.plain.sasl.jaas.config=$jaas_plain
listener.name.sasl.scram-sha-256.sasl.jaas.config=$jaas_scram
listener.name.sasl.scram-sha-512.sasl.jaas.config=$jaas_scram
listener.name.saslssl.plain.sasl.jaas.config=$jaas_plain
listener.name.saslssl.scram-sha-256.sasl.jaas.config=$jaas_scram
listener.name.saslssl.scram-sha-512.sasl.jaas.config=$jaas_scram
ssl.keystore.type=PEM
ssl.keystore.location=$tls/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.crt
listener.name.mtls.ssl.client.auth=required
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
group.consumer.min.session.timeout.ms=1000
group.consumer.min.heartbeat.interval.ms=500
log.retention.hours=24
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
PROPS
  cat > "$dir/log4j2.properties" <<LOG
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
LOG
}

# A small heap and the quick JIT: a test broker carries little and should start fast.
java_cmd=(java -Xms128m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$libs/*")

format_storage() {
  [ -f "$dir/data/meta.properties" ] && return 0
  local id; id="$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=')"
  log "formatting the KRaft log directory $dir/data (cluster $id)"
  "${java_cmd[@]}" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=$KAFKA_USERNAME,password=$KAFKA_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_USERNAME,password=$KAFKA_PASSWORD]" >&2
}

port_open() { bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }

kafka_up() {
  started=""
  if pid_alive "$dir/kafka.pid" && port_open "$KAFKA_PORT"; then return 0; fi
  fetch_libs
  make_certs
  write_config
  format_storage
  log "starting Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT (SASL $KAFKA_SASL_PORT, SASL_SSL $KAFKA_SASL_SSL_PORT, mTLS $KAFKA_MTLS_PORT)"
  [ -f "$dir/server.log" ] && mv "$dir/server.log" "$dir/server.log.1"
  started=kafka
  # Not a process group leader here, so setsid execs java itself: $! is the broker's pid.
  setsid "${java_cmd[@]}" kafka.Kafka "$dir/server.properties" </dev/null >"$dir/stdout.log" 2>&1 9>&- &
  echo $! > "$dir/kafka.pid"
  local deadline=$((SECONDS + 120))
  until grep -q 'Kafka Server started' "$dir/server.log" 2>/dev/null; do
    pid_alive "$dir/kafka.pid" || die "Kafka exited while starting; see $dir/server.log and $dir/stdout.log"
    (( SECONDS < deadline )) || die "timed out after 120s waiting for Kafka; see $dir/server.log"
    sleep 0.2
  done
}

kafka_down() {
  stop_pid "$dir/kafka.pid" && log "kafka: stopped" || true
}

write_env() {
  cat > "$state/kafka.env" <<ENV
STARTED=$started
KAFKA_VERSION=$KAFKA_VERSION
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT
KAFKA_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT
KAFKA_MTLS_BROKERS=127.0.0.1:$KAFKA_MTLS_PORT
KAFKA_PROXY_PORT=$KAFKA_PROXY_PORT
KAFKA_PROXIED_PORT=$KAFKA_PROXIED_PORT
KAFKA_USERNAME=$KAFKA_USERNAME
KAFKA_PASSWORD=$KAFKA_PASSWORD
KAFKA_CA_FILE=$tls/ca.crt
KAFKA_CLIENT_CERT_FILE=$tls/client.crt
KAFKA_CLIENT_KEY_FILE=$tls/client.key
ENV
}

case "${1:-}" in
  up) kafka_up; write_env; echo "$state/kafka.env" ;;
  down) kafka_down ;;
  *) die "usage: kafka.sh up|down" ;;
esac
