#!/usr/bin/env bash
# Prints the path of the local test cluster's admin kubeconfig (last line).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
[ -f "$KUBECONFIG_PATH" ] || die "no cluster yet: run npm run cluster:up"
echo "$KUBECONFIG_PATH"
