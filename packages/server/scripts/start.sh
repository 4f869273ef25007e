#!/usr/bin/env bash
# `npm start`: builds every package and serves KubeOps on a supported Node.js
# (package.json engines.node). When the machine's node is older, the release
# KubeOps ships (.node-version) is installed once into ~/.cache/kubeops and used.
# Arguments go to `kubeops serve` (npm start -- --port 9000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
LOG_TAG=start
source test/lib/common.sh
source test/lib/node.sh
use_supported_node
npm run build
exec node packages/server/dist/cli/main.js serve "$@"
