#!/usr/bin/env bash
# Makes sure the test cluster has at least N fake nodes (kwok keeps them Ready)
# and waits until they are Ready. Thousands are fine: they are applied in chunks.
#   nodes.sh N [pods-per-node]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
want="${1:-3}" pods="${2:-500}"
export PATH="$(bin_dir):$PATH" KUBECONFIG="$KUBECONFIG_PATH"

have="$(kubectl get nodes -l type=kwok -o name | wc -l)"
if (( have < want )); then
  log "creating fake nodes $have..$((want - 1))"
  for ((start = have; start < want; start += 500)); do
    end=$(( start + 500 < want ? start + 500 : want ))
    for ((i = start; i < end; i++)); do
      cat <<YAML
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: zone-$((i % 3))
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "$pods" }
  capacity: { cpu: "32", memory: 256Gi, pods: "$pods" }
YAML
    done | kubectl apply -f - >/dev/null
  done
fi
kubectl wait --for=condition=Ready node -l type=kwok --timeout=180s >/dev/null
log "$want fake node(s) Ready"
