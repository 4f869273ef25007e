#!/usr/bin/env bash
# Starts or stops the services KubeOps tests use: PostgreSQL and NATS
# with JetStream, from Debian packages, on non-default loopback ports.
#   services.sh up [postgres|nats]...    (all when none named)
#   services.sh down [postgres|nats]...
# `up` writes $KUBEOPS_STATE/services.env with DATABASE_URL, NATS_URL
# and STARTED (the services this call started, so a test run stops only those).
set -euo pipefail
LOG_TAG=services
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

PG_PORT="${KUBEOPS_TEST_PG_PORT:-55432}"
NATS_PORT="${KUBEOPS_TEST_NATS_PORT:-54222}"
NATS_MONITOR_PORT="${KUBEOPS_TEST_NATS_MONITOR_PORT:-58222}"
dir="$state/services"
mkdir -p "$dir"

# PostgreSQL refuses to run as root, so as root it runs as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# As root the data directory must be reachable by the postgres user, whose
# access to the checkout's parents (e.g. /root) is not guaranteed.
pg_data() {
  if [ "$(id -u)" = 0 ]; then echo "/tmp/kubeops-postgres-$(printf '%s' "$dir" | md5sum | cut -c1-10)"
  else echo "$dir/postgres"; fi
}

# A private CA and a server certificate for 127.0.0.1 and localhost, so
# clients can connect as production ones do (sslmode=require or verify-full,
# the CA in $(pg_tls)/ca.crt); clients without TLS still connect too.
pg_tls() { echo "$(pg_data)-tls"; }
postgres_tls_files() {
  local tls; tls="$(pg_tls)"
  [ -f "$tls/server.key" ] && return 0
  log "postgres: making a test CA and server certificate in $tls"
  rm -rf "$tls.tmp"; mkdir -p "$tls.tmp"
  (
    cd "$tls.tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=kubeops-test-ca \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile san.ext -out server.crt 2>/dev/null
    chmod 600 server.key ca.key
  )
  [ "$(id -u)" = 0 ] && chown -R postgres: "$tls.tmp"
  chmod 755 "$tls.tmp"
  mv "$tls.tmp" "$tls"
}
# TLS on (a reload is enough), also for a server started before it was configured.
pg_ssl() { as_pg "$1/psql" -h 127.0.0.1 -p "$PG_PORT" -U kubeops -d postgres -tAc 'SHOW ssl'; }
postgres_tls_on() {
  local bin="$1" tls; tls="$(pg_tls)"
  [ "$(pg_ssl "$bin")" = on ] && return 0
  log "postgres: turning TLS on"
  as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U kubeops -d postgres -q \
    -c "ALTER SYSTEM SET ssl_cert_file = '$tls/server.crt'" \
    -c "ALTER SYSTEM SET ssl_key_file = '$tls/server.key'" \
    -c "ALTER SYSTEM SET ssl = on" -c "SELECT pg_reload_conf()" >/dev/null
  local tries=50
  until [ "$(pg_ssl "$bin")" = on ]; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || die "postgres: TLS did not turn on (see $(pg_data)/server.log)"
    sleep 0.2
  done
}

postgres_up() {
  [ -n "$(pg_bin)" ] || install_packages postgresql
  local bin data; bin="$(pg_bin)"; data="$(pg_data)"
  [ -n "$bin" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "postgres: initialising $data"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres: "$data" && chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U kubeops --auth=trust -E UTF8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    started+=(postgres)
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
      -o "-h 127.0.0.1 -p $PG_PORT -k $data -c fsync=off -c max_connections=200" >/dev/null
  fi
  wait_for 30 postgres "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
  postgres_tls_files
  postgres_tls_on "$bin"
  as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U kubeops -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='kubeops'" | grep -q 1 ||
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U kubeops kubeops
}
postgres_down() {
  local bin; bin="$(pg_bin)"
  [ -f "$(pg_data)/PG_VERSION" ] && [ -n "$bin" ] &&
    as_pg "$bin/pg_ctl" -D "$(pg_data)" -m fast stop >/dev/null 2>&1 && log "postgres: stopped" || true
}

nats_up() {
  ensure_packages nats-server nats-server
  mkdir -p "$dir/nats"
  pid_alive "$dir/nats/nats.pid" && return 0
  started+=(nats)
  log "nats: starting with JetStream on 127.0.0.1:$NATS_PORT"
  setsid nats-server -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" -js -sd "$dir/nats/jetstream" \
    -P "$dir/nats/nats.pid" -l "$dir/nats/nats.log" </dev/null >/dev/null 2>&1 &
  wait_for 20 nats curl -fsS "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true"
}
nats_down() {
  stop_pid "$dir/nats/nats.pid" && log "nats: stopped" || true
}

write_env() { # write_env <started services>
  cat > "$state/services.env" <<ENV
STARTED=$*
DATABASE_URL=postgres://kubeops@127.0.0.1:$PG_PORT/kubeops
DATABASE_CA_FILE=$(pg_tls)/ca.crt
NATS_URL=nats://127.0.0.1:$NATS_PORT
ENV
}

action="${1:-}"; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=(postgres nats)
case "$action" in
  up)
    started=() # each <name>_up adds its name when it had to start the service
    for n in "${names[@]}"; do "${n}_up"; done
    write_env "${started[@]}"; echo "$state/services.env" ;;
  down) for n in "${names[@]}"; do "${n}_down"; done ;;
  *) die "usage: services.sh up|down [postgres|nats]..." ;;
esac
