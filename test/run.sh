#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then every test.
# Installs npm packages when the lock file changed, type-checks, builds what the
# tests serve (the web console), and runs vitest, whose global setup builds or
# reuses the Kubernetes binaries and starts the cluster and the services.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOG_TAG=test
source test/lib/common.sh

# `npm install`, not `npm ci`: npm 11 writes lock files without other
# platforms' optional packages (rollup, esbuild) and its own `npm ci` then
# refuses them as out of sync. `npm install` follows the same lock.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm install --no-audit --no-fund >&2
fi
log "type-checking"
npm run -s typecheck
npm run build --workspace packages/web --if-present >&2
exec npx vitest run "$@"
