#!/usr/bin/env bash
# Fuzzes the KubeOps API from its own OpenAPI document with schemathesis and
# fails on any 5xx or crash. It starts a throwaway KubeOps (embedded database
# in a temporary directory), signs in as the admin, creates an API token with
# every scope and lets schemathesis loose with it.
#
#   pip install 'schemathesis>=4'          # PyPI
#   npm run build && bash packages/server/scripts/fuzz.sh [extra schemathesis args]
#
# Against a server that is already running, the same check is:
#   schemathesis run http://HOST:8000/api/openapi.json \
#     --header "Authorization: Bearer kop_..." --checks not_a_server_error
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
port="${KUBEOPS_FUZZ_PORT:-18765}"
data="$(mktemp -d)"
password="fuzz-admin-password-$RANDOM$RANDOM"
log="$data/server.log"

KUBEOPS_DATA_DIR="$data" KUBEOPS_HTTP_HOST=127.0.0.1 KUBEOPS_AUTH_ADMIN_PASSWORD="$password" \
  KUBEOPS_RATE_LIMIT_MAX=1000000 KUBEOPS_LOG_LEVEL=warn \
  node "$repo/packages/server/dist/cli/main.js" serve --target=api --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 1
done

access="$(curl -fsS -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/api/v1/auth/login" | node -e 'process.stdin.on("data",d=>process.stdout.write(JSON.parse(d).accessToken))')"
token="$(curl -fsS -H 'content-type: application/json' -H "authorization: Bearer $access" \
  -d '{"name":"fuzz","scopes":["*"],"expiresInDays":1}' \
  "http://127.0.0.1:$port/api/v1/me/tokens" | node -e 'process.stdin.on("data",d=>process.stdout.write(JSON.parse(d).token))')"

status=0
schemathesis run "http://127.0.0.1:$port/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error \
  "$@" || status=$?
if grep -q '"level":"\(error\|fatal\)"' "$log"; then
  echo "server logged errors during the fuzz run:" >&2
  grep '"level":"\(error\|fatal\)"' "$log" | head -20 >&2
  status=1
fi
exit "$status"
