#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then every test.
# Installs npm packages when the lock file changed and, once and up front, every
# Debian package the tests use; type-checks, builds what the tests serve (the
# web console), and runs vitest, whose global setup builds or reuses the
# Kubernetes binaries and starts the cluster and the services.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOG_TAG=test
source test/lib/common.sh
source test/lib/node.sh
# Everything below (npm install included, so native modules match) runs on
# the Node.js release KubeOps ships, installed first when the machine's is older.
use_shipped_node

# `npm install`, not `npm ci`: npm 11 writes lock files without other
# platforms' optional packages (rollup, esbuild) and its own `npm ci` then
# refuses them as out of sync. `npm install` follows the same lock.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm install --no-audit --no-fund >&2
  node -p process.version >node_modules/.kubeops-node
elif [ "$(cat node_modules/.kubeops-node 2>/dev/null)" != "$(node -p process.version)" ]; then
  # Installed under another Node.js (say, `npm install` on the machine's):
  # rebuild what has install scripts or native parts for this one.
  log "rebuilding npm packages for Node.js $(node -p process.version)"
  npm rebuild >&2
  node -p process.version >node_modules/.kubeops-node
fi
log "installing the Debian packages the tests use"
bash test/setup/system-packages.sh
log "type-checking"
npm run -s typecheck
npm run build --workspace packages/web --if-present >&2
exec npx vitest run "$@"
