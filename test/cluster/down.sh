#!/usr/bin/env bash
# Stops and deletes the local test cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
if [ -d "$CLUSTER_DIR" ]; then
  "$(bin_dir)/kwokctl" delete cluster --name "$CLUSTER_NAME" >&2
  log "deleted cluster $CLUSTER_NAME"
else
  log "no cluster $CLUSTER_NAME to stop"
fi
