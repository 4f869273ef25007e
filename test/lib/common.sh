# Shared by the scripts that run the local test environment.
# Every service runs on a non-default loopback port, with its files under
# $KUBEOPS_STATE (default: test/.state in the repository), owned by the script.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${KUBEOPS_STATE:-$repo/test/.state}"
mkdir -p "$state"

log() { printf '[%s] %s\n' "${LOG_TAG:-kubeops}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs Debian packages when a command they provide is missing.
ensure_packages() { # ensure_packages <command> <package>...
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 || install_packages "$@"
}

# Debian packages among those named that are not installed.
missing_packages() { # missing_packages <package>...
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$pkg"
  done
}

# Installs Debian packages, one apt-get at a time: test files and scripts that
# start together queue on a lock file under /var/lock (and apt-get waits up to
# 10 minutes for dpkg's own lock, held by anything else installing), so none
# fails because another holds the lock. What another caller installed while
# this one waited is not installed again.
install_packages() { # install_packages <package>...
  [ "$(id -u)" = 0 ] || die "missing Debian package(s): $*; install them (apt-get install $*)"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -qq)
  (
    flock -w 1800 9 || die "timed out waiting for /var/lock/kubeops-apt.lock"
    local wanted
    mapfile -t wanted < <(missing_packages "$@")
    [ ${#wanted[@]} -gt 0 ] || exit 0
    log "installing ${wanted[*]} (apt-get)"
    if [ ! -f /var/lib/apt/periodic/kubeops-updated ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ]; then
      "${apt[@]}" update >/dev/null && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/kubeops-updated
    fi
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${wanted[@]}" >/dev/null
  ) 9>/var/lock/kubeops-apt.lock
}

# Waits until a command succeeds, up to a number of seconds.
wait_for() { # wait_for <seconds> <description> <command>...
  local secs="$1" what="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the process in a pid file and waits until it has exited.
stop_pid() { # stop_pid <pidfile>; returns 1 when nothing was running
  pid_alive "$1" || return 1
  kill "$(cat "$1")"
  wait_for 30 "process $(cat "$1") to exit" bash -c "! kill -0 $(cat "$1") 2>/dev/null"
}
