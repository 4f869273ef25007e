#!/usr/bin/env bash
# Builds (or reuses) the binaries of the local test cluster: kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes,
# etcd from go.etcd.io/etcd, kwok and kwokctl from sigs.k8s.io/kwok.
# Binaries land in a cache directory keyed by version; each is written to a
# temporary name and renamed, so an interrupted build never leaves a broken
# binary, and Go's build cache lets the next run pick up where it stopped.
# Prints the bin directory as its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
cache="${KUBEOPS_CACHE:-$HOME/.cache/kubeops}"
bin="$cache/cluster/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
mkdir -p "$bin"
# Several callers (test files, scripts) may ask at once: one builds, the others
# wait and then find the binaries cached.
exec 8>"$cache/cluster/.build.lock"
flock 8
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
log() { printf '[cluster:build] %s\n' "$*" >&2; }

command -v go >/dev/null || { log "Go is required (https://go.dev/dl); none found on PATH"; exit 1; }

# Counts compiled packages so a cold build (tens of minutes on 2 cores) shows progress.
progress() {
  local what="$1" n=0 line
  while IFS= read -r line; do
    case "$line" in
      *" "*|"") printf '%s\n' "$line" >&2 ;; # errors and warnings pass through
      *) n=$((n + 1)); if (( n % 100 == 0 )); then log "$what: $n packages compiled"; fi ;;
    esac
  done
}

have() { local f; for f in "$@"; do [ -x "$bin/$f" ] || return 1; done; }

if have kube-apiserver kube-controller-manager kube-scheduler kubectl; then
  log "kubernetes $K8S_VERSION: cached"
else
  log "kubernetes $K8S_VERSION: building (cold: 20-40 min on 2 cores)"
  pkg=k8s.io/component-base/version
  cgo=k8s.io/client-go/pkg/version
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  ld="-s -w"
  for p in $pkg $cgo; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  tmp="$bin/.tmp-k8s"; rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$here/kube" && go build -buildvcs=false -v -trimpath -ldflags "$ld" -o "$tmp/" ./cmd/... 2>&1) | progress kubernetes
  [ "${PIPESTATUS[0]}" = 0 ] || { log "kubernetes build failed"; exit 1; }
  mv "$tmp"/* "$bin/" && rmdir "$tmp"
fi

if have etcd; then
  log "etcd $ETCD_VERSION: cached"
else
  log "etcd $ETCD_VERSION: building"
  (cd "$here/etcd" && go build -buildvcs=false -v -trimpath -ldflags "-s -w" -o "$bin/.etcd.tmp" . 2>&1) | progress etcd
  [ "${PIPESTATUS[0]}" = 0 ] || { log "etcd build failed"; exit 1; }
  mv "$bin/.etcd.tmp" "$bin/etcd"
fi

if have kwok kwokctl; then
  log "kwok $KWOK_VERSION: cached"
else
  log "kwok $KWOK_VERSION: building"
  tmp="$bin/.tmp-kwok"; rm -rf "$tmp"; mkdir -p "$tmp"
  GOFLAGS= GOBIN="$tmp" go install -v -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION" 2>&1 | progress kwok
  [ "${PIPESTATUS[0]}" = 0 ] || { log "kwok build failed"; exit 1; }
  mv "$tmp"/* "$bin/" && rmdir "$tmp"
fi

"$bin/kube-apiserver" --version >&2
echo "$bin"
