#!/usr/bin/env bash
# Starts or stops the object storage servers the storage tests run against,
# on non-default loopback ports with their data under $KUBEOPS_STATE/object-storage:
#   s3     versitygw (S3-compatible gateway, posix backend), built from its Go module
#   azure  Azurite's blob service (npm devDependency)
#   gcs    fake-gcs-server (GCS JSON API emulator), built from its Go module
# Go programs are built once into ~/.cache/kubeops/<name>-<version>.
#   object-storage.sh up [s3|azure|gcs]...    (all when none named)
#   object-storage.sh down [s3|azure|gcs]...
# `up` writes $KUBEOPS_STATE/object-storage.env with each server's endpoint and
# credentials, and STARTED (the servers this call started, so a run stops only those).
set -euo pipefail
LOG_TAG=object-storage
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

VERSITYGW_VERSION=v1.8.0
FAKE_GCS_VERSION=v1.56.1
S3_PORT="${KUBEOPS_TEST_S3_PORT:-59070}"
AZURITE_PORT="${KUBEOPS_TEST_AZURITE_PORT:-59071}"
GCS_PORT="${KUBEOPS_TEST_GCS_PORT:-59072}"
# Test-only credentials of servers that listen on loopback alone.
S3_ACCESS_KEY=kubeops-test
S3_SECRET_KEY=kubeops-test-secret
# Azurite's fixed development account (documented by Microsoft; not a secret).
AZURE_ACCOUNT=devstoreaccount1
AZURE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
cache="${KUBEOPS_CACHE:-$HOME/.cache/kubeops}"
dir="$state/object-storage"
mkdir -p "$dir"

go_binary() { # go_binary <name> <module path of the main package> <version>: prints the binary's path
  local name="$1" pkg="$2" version="$3" bin="$cache/$1-$3/bin"
  if [ ! -x "$bin/$name" ]; then
    command -v go >/dev/null || die "Go is needed to build $name $version"
    log "$name: building $pkg@$version (once; cached in $bin)"
    local start=$SECONDS
    mkdir -p "$bin"
    GOBIN="$bin" GOFLAGS=-mod=mod nice -n 15 go install "$pkg@$version" >&2
    log "$name: built in $((SECONDS - start))s"
  fi
  echo "$bin/$name"
}

# Runs a server in the background in its own session, recording its pid.
start_server() { # start_server <name> <command>...
  local name="$1"; shift
  setsid "$@" </dev/null >>"$dir/$name.log" 2>&1 &
  echo $! > "$dir/$name.pid"
}

s3_up() {
  local bin; bin="$(go_binary versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION")"
  pid_alive "$dir/s3.pid" && return 0
  started+=(s3)
  mkdir -p "$dir/s3/buckets"
  log "s3: starting versitygw on 127.0.0.1:$S3_PORT"
  start_server s3 "$bin" --access "$S3_ACCESS_KEY" --secret "$S3_SECRET_KEY" \
    --port "127.0.0.1:$S3_PORT" --health /health posix "$dir/s3/buckets"
  wait_for 30 versitygw curl -fsS "http://127.0.0.1:$S3_PORT/health"
}
s3_down() { stop_pid "$dir/s3.pid" && log "s3: stopped" || true; }

azure_up() {
  local bin="$repo/node_modules/.bin/azurite-blob"
  [ -x "$bin" ] || die "azurite is not installed: run npm ci in $repo"
  pid_alive "$dir/azure.pid" && return 0
  started+=(azure)
  mkdir -p "$dir/azure"
  log "azure: starting Azurite blob service on 127.0.0.1:$AZURITE_PORT"
  start_server azure "$bin" --blobHost 127.0.0.1 --blobPort "$AZURITE_PORT" \
    --location "$dir/azure" --silent --skipApiVersionCheck --disableProductStyleUrl
  # Any HTTP answer means it listens (an unsigned request is refused, as it should be).
  wait_for 30 azurite bash -c "curl -sS -o /dev/null 'http://127.0.0.1:$AZURITE_PORT/$AZURE_ACCOUNT?comp=list'"
}
azure_down() { stop_pid "$dir/azure.pid" && log "azure: stopped" || true; }

gcs_up() {
  local bin; bin="$(go_binary fake-gcs-server github.com/fsouza/fake-gcs-server "$FAKE_GCS_VERSION")"
  pid_alive "$dir/gcs.pid" && return 0
  started+=(gcs)
  mkdir -p "$dir/gcs"
  log "gcs: starting fake-gcs-server on 127.0.0.1:$GCS_PORT"
  start_server gcs "$bin" -scheme http -host 127.0.0.1 -port "$GCS_PORT" \
    -public-host "127.0.0.1:$GCS_PORT" -external-url "http://127.0.0.1:$GCS_PORT" \
    -backend filesystem -filesystem-root "$dir/gcs" -log-level warn
  wait_for 30 fake-gcs-server curl -fsS "http://127.0.0.1:$GCS_PORT/storage/v1/b"
}
gcs_down() { stop_pid "$dir/gcs.pid" && log "gcs: stopped" || true; }

write_env() { # write_env <started servers>
  cat > "$state/object-storage.env" <<ENV
STARTED=$*
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_ACCESS_KEY=$S3_ACCESS_KEY
S3_SECRET_KEY=$S3_SECRET_KEY
AZURE_ENDPOINT=http://127.0.0.1:$AZURITE_PORT/$AZURE_ACCOUNT
AZURE_ACCOUNT=$AZURE_ACCOUNT
AZURE_KEY=$AZURE_KEY
GCS_ENDPOINT=http://127.0.0.1:$GCS_PORT
ENV
}

action="${1:-}"; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=(s3 azure gcs)
case "$action" in
  up)
    started=() # each <name>_up adds its name when it had to start the server
    for n in "${names[@]}"; do "${n}_up"; done
    write_env "${started[@]}"; echo "$state/object-storage.env" ;;
  down) for n in "${names[@]}"; do "${n}_down"; done ;;
  *) die "usage: object-storage.sh up|down [s3|azure|gcs]..." ;;
esac
