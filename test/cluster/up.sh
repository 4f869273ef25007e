#!/usr/bin/env bash
# Starts the local test cluster (or reuses a running one): a real etcd,
# kube-apiserver, kube-controller-manager and kube-scheduler, with kwok
# simulating nodes and pods, all on loopback. Builds the binaries on first use.
# Writes $KUBEOPS_STATE/cluster-<name>.env (KUBECONFIG, SERVER, CA_FILE,
# ADMIN_TOKEN_FILE, CLUSTER_DIR, FILES_DIR, BIN_DIR, STARTED=0|1) and prints
# its path as the last line.
#   KUBEOPS_TEST_NODES=N  fake nodes to create (default 3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# Test files started at the same moment must not create the same cluster twice.
# The cluster's daemons must not inherit the lock (they would hold it for as long
# as they run), so kwokctl runs with it closed.
exec 7>"$state/.cluster-$CLUSTER_NAME.lock"
flock 7

export KUBEOPS_BIN_DIR="$(bin_dir)"
bin="$KUBEOPS_BIN_DIR"
export PATH="$bin:$PATH"
mkdir -p "$FILES_DIR/exec"
touch "$FILES_DIR/pod.log" "$FILES_DIR/pod-previous.log"

healthy() { [ -f "$KUBECONFIG_PATH" ] && kubectl --kubeconfig "$KUBECONFIG_PATH" get --raw /readyz >/dev/null 2>&1; }

started=0
if healthy; then
  log "reusing running cluster $CLUSTER_NAME"
elif [ -d "$CLUSTER_DIR" ] && kwokctl get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  log "starting stopped cluster $CLUSTER_NAME"
  kwokctl start cluster --name "$CLUSTER_NAME" >&2 7>&-
  started=1
else
  log "creating cluster $CLUSTER_NAME (kubernetes $K8S_VERSION, kwok $KWOK_VERSION)"
  : > "$FILES_DIR/pod.log"; : > "$FILES_DIR/pod-previous.log"
  # kwok's default node and pod stages come from its module source, which the
  # build put in the Go module cache; ours are added beside them.
  kwok_src="$(GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$kwok_src/kustomize/stage" ] || die "kwok $KWOK_VERSION source not found in the Go module cache"
  config="$FILES_DIR/kwokctl.yaml"
  {
    cat <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: $K8S_VERSION
  kubeApiserverBinary: $bin/kube-apiserver
  kubeControllerManagerBinary: $bin/kube-controller-manager
  kubeSchedulerBinary: $bin/kube-scheduler
  kubectlBinary: $bin/kubectl
  etcdBinary: $bin/etcd
  kwokControllerBinary: $bin/kwok
  kubeAuthorization: true
  kubeAdmission: true
  kubeAuditPolicy: $repo/test/cluster/audit-policy.yaml
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: kubeops-test-logs
spec:
  logs:
    - logsFile: $FILES_DIR/pod.log
      previousLogsFile: $FILES_DIR/pod-previous.log
      follow: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: kubeops-test-exec
spec:
  execs:
    - local:
        workDir: $FILES_DIR/exec
        envs:
          - name: KUBEOPS_TEST_EXEC
            value: "1"
YAML
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      printf -- '---\n'; cat "$kwok_src/kustomize/stage/$f"; printf '\n'
    done
    for f in "$repo"/test/cluster/stages/*.yaml; do printf -- '---\n'; cat "$f"; printf '\n'; done
  } > "$config"
  kwokctl create cluster --name "$CLUSTER_NAME" --config "$config" --wait 3m >&2 7>&-
  started=1
fi

wait_for 120 "the API server" healthy
bash "$repo/test/cluster/nodes.sh" "${KUBEOPS_TEST_NODES:-3}" >&2
kubectl --kubeconfig "$KUBECONFIG_PATH" apply -f "$repo/test/cluster/admin-token.yaml" >/dev/null
admin_token() {
  kubectl --kubeconfig "$KUBECONFIG_PATH" -n kube-system get secret kubeops-test-admin-token \
    -o jsonpath='{.data.token}' | base64 -d > "$FILES_DIR/admin-token" && [ -s "$FILES_DIR/admin-token" ]
}
wait_for 60 "the admin token" admin_token
server="$(kubectl --kubeconfig "$KUBECONFIG_PATH" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
log "ready: kubectl --kubeconfig $KUBECONFIG_PATH get nodes"
cat > "$state/cluster-$CLUSTER_NAME.env" <<ENV
KUBECONFIG=$KUBECONFIG_PATH
SERVER=$server
CA_FILE=$CLUSTER_DIR/pki/ca.crt
ADMIN_TOKEN_FILE=$FILES_DIR/admin-token
CLUSTER_DIR=$CLUSTER_DIR
FILES_DIR=$FILES_DIR
AUDIT_LOG=$CLUSTER_DIR/logs/audit.log
BIN_DIR=$bin
STARTED=$started
ENV
echo "$state/cluster-$CLUSTER_NAME.env"
