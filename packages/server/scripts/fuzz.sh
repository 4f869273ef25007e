#!/usr/bin/env bash
# Fuzzes the KubeOps API from its own OpenAPI document with schemathesis and
# fails on any 5xx or crash. It starts a throwaway KubeOps (embedded database
# in a temporary directory), signs in as the admin, creates an API token with
# every scope and lets schemathesis loose with it.
#
#   pip install 'schemathesis>=4'          # PyPI
#   npm run build && bash packages/server/scripts/fuzz.sh [extra schemathesis args]
#
# Some operations can take the fuzzer's own access away half-way (revoking its
# token, disabling or unbinding its user, editing its role), after which every
# later case is a 401/403 and tests nothing. They run in a second pass, as a
# second admin with a token of its own, once the main pass is over.
#
# Against a server that is already running, the same check is:
#   schemathesis run http://HOST:8000/api/openapi.json \
#     --header "Authorization: Bearer kop_..." --checks not_a_server_error
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
port="${KUBEOPS_FUZZ_PORT:-18765}"
base="http://127.0.0.1:$port"
data="$(mktemp -d)"
password="fuzz-admin-password-$RANDOM$RANDOM"
log="$data/server.log"

# Operations that change who the caller is or what it may do (schemathesis names: METHOD path).
disruptive=(
  'POST /api/v1/auth/logout'
  'DELETE /api/v1/me/tokens/{id}'
  'PATCH /api/v1/users/{id}'
  'DELETE /api/v1/users/{id}'
  'POST /api/v1/users/{id}/password'
  'POST /api/v1/users/{id}/mfa/reset'
  'PUT /api/v1/roles/{name}'
  'DELETE /api/v1/roles/{name}'
  'DELETE /api/v1/role-bindings/{id}'
)

KUBEOPS_DATA_DIR="$data" KUBEOPS_HTTP_HOST=127.0.0.1 KUBEOPS_AUTH_ADMIN_PASSWORD="$password" \
  KUBEOPS_RATE_LIMIT_MAX=1000000 KUBEOPS_LOG_LEVEL=warn \
  node "$repo/packages/server/dist/cli/main.js" serve --target=api --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 60); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 1
done

# field FIELD: prints that field of the JSON object on stdin.
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(String(JSON.parse(s)[process.argv[1]])))' "$1"; }
# call METHOD PATH BEARER [JSON]: a request that must succeed; prints the body.
call() {
  curl -fsS -X "$1" -H 'content-type: application/json' ${3:+-H "authorization: Bearer $3"} \
    ${4:+-d "$4"} "$base$2"
}
# api_token USER PASSWORD: signs in and prints a new all-scope API token of that user.
api_token() {
  local access
  access="$(call POST /api/v1/auth/login '' "{\"username\":\"$1\",\"password\":\"$2\"}" | field accessToken)"
  call POST /api/v1/me/tokens "$access" '{"name":"fuzz","scopes":["*"],"expiresInDays":1}' | field token
}

token="$(api_token admin "$password")"
# The second pass's own admin, so what it breaks there cannot end the main pass early.
second_password="fuzz-second-password-$RANDOM$RANDOM"
second_id="$(call POST /api/v1/users "$token" \
  "{\"username\":\"fuzz-second\",\"password\":\"$second_password\"}" | field id)"
call POST /api/v1/role-bindings "$token" \
  "{\"role\":\"admin\",\"subjectKind\":\"user\",\"subject\":\"$second_id\"}" >/dev/null
second_token="$(api_token fuzz-second "$second_password")"

names() { for name in "${disruptive[@]}"; do printf -- '--%s-name\n%s\n' "$1" "$name"; done; }
mapfile -t exclude < <(names exclude)
mapfile -t include < <(names include)

status=0
echo "== main pass (everything that leaves the caller's access alone)"
schemathesis run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error \
  "${exclude[@]}" "$@" || status=$?
echo "== second pass (operations that may revoke or demote the caller)"
schemathesis run "$base/api/openapi.json" \
  --header "Authorization: Bearer $second_token" \
  --checks not_a_server_error \
  "${include[@]}" "$@" || status=$?
if grep -q '"level":"\(error\|fatal\)"' "$log"; then
  echo "server logged errors during the fuzz run:" >&2
  grep '"level":"\(error\|fatal\)"' "$log" | head -20 >&2
  status=1
fi
exit "$status"
