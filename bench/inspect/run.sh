#!/usr/bin/env bash
# Inspection of a 10,000-pod cluster: starts a dedicated kwok cluster with 100
# fake nodes (so the shared test cluster is untouched), fills it with
# workloads shaped like a real cluster, measures collection and the rule
# phase, and deletes the cluster unless KUBEOPS_KEEP_BENCH_CLUSTER=1.
# Arguments go to inspect-bench.ts (--save-snapshot FILE, --runs N).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export KUBEOPS_TEST_CLUSTER_NAME="${KUBEOPS_TEST_CLUSTER_NAME:-kubeops-bench-inspect}"
env_file="$(bash "$repo/test/cluster/up.sh" | tail -n 1)"
cleanup() {
  if [ "${KUBEOPS_KEEP_BENCH_CLUSTER:-0}" != 1 ]; then bash "$repo/test/cluster/down.sh"; fi
}
trap cleanup EXIT
bash "$repo/test/cluster/nodes.sh" 100 200
# The development condition measures the engine's current source, not a stale build.
KUBECONFIG="$(sed -n 's/^KUBECONFIG=//p' "$env_file")" \
  node --expose-gc --conditions=development --import tsx "$repo/bench/inspect/inspect-bench.ts" "$@"
