# Paths of the local test cluster, shared by its scripts.
LOG_TAG=cluster
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$repo/test/cluster/versions.env"
CLUSTER_NAME="${KUBEOPS_TEST_CLUSTER_NAME:-kubeops}"
export KWOK_WORKDIR="$state/kwok"
CLUSTER_DIR="$KWOK_WORKDIR/clusters/$CLUSTER_NAME"
KUBECONFIG_PATH="$CLUSTER_DIR/kubeconfig.yaml"
FILES_DIR="$state/cluster-files/$CLUSTER_NAME" # files tests control: pod logs, exec working dir
# The bin directory, built or reused once per process tree.
bin_dir() {
  [ -n "${KUBEOPS_BIN_DIR:-}" ] || export KUBEOPS_BIN_DIR="$(bash "$repo/test/cluster/build.sh" | tail -n 1)"
  echo "$KUBEOPS_BIN_DIR"
}
