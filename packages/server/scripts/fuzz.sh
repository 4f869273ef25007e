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
# When the local test cluster is running (test/cluster/up.sh, or a test run
# with KUBEOPS_KEEP_TEST_ENV=1), it is registered as cluster `local`, so the
# kube routes are fuzzed against a real API server. The fuzz server's users
# reach it through their own impersonation prefix (kubeops-fuzz:), bound to
# `view` cluster-wide and `admin` in the namespace kubeops-fuzz only: whatever
# the fuzzer writes stays there, and the namespace is deleted afterwards.
#   KUBEOPS_FUZZ_CLUSTER=0             skip the cluster
#   KUBEOPS_FUZZ_CLUSTER_ENV=<file>    another cluster's env file from test/cluster/up.sh
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
  # With the local cluster registered, this one takes the cluster every kube route targets away.
  'DELETE /api/v1/clusters/{cluster}'
)

prefix=kubeops-fuzz:
# The local test cluster listens on loopback, which the egress guard refuses
# unless allowed (network.allowedTargets).
KUBEOPS_DATA_DIR="$data" KUBEOPS_HTTP_HOST=127.0.0.1 KUBEOPS_AUTH_ADMIN_PASSWORD="$password" \
  KUBEOPS_NETWORK_ALLOWED_TARGETS=127.0.0.1 \
  KUBEOPS_RATE_LIMIT_MAX=1000000 KUBEOPS_LOG_LEVEL=warn \
  KUBEOPS_AUTH_IMPERSONATION_USER_PREFIX="$prefix" KUBEOPS_AUTH_IMPERSONATION_GROUP_PREFIX="$prefix" \
  node "$repo/packages/server/dist/cli/main.js" serve --target=api --port "$port" >"$log" 2>&1 &
server=$!
kubectl=()
# What the run granted in the local cluster, taken back at exit.
cleanup_cluster() {
  [ "${#kubectl[@]}" -gt 0 ] || return 0
  "${kubectl[@]}" delete clusterrolebinding kubeops-fuzz-view --ignore-not-found >/dev/null || true
  "${kubectl[@]}" delete namespace kubeops-fuzz --ignore-not-found --wait=false >/dev/null || true
}
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; cleanup_cluster; rm -rf "$data"' EXIT

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

config=()
# The local test cluster, when one is running: registered by URL + CA + admin token.
cluster_env="${KUBEOPS_FUZZ_CLUSTER_ENV:-$repo/test/.state/cluster-kubeops.env}"
if [ "${KUBEOPS_FUZZ_CLUSTER:-1}" != 0 ] && [ -f "$cluster_env" ]; then
  cluster_server="$(sed -n 's/^SERVER=//p' "$cluster_env")"
  cluster_ca="$(sed -n 's/^CA_FILE=//p' "$cluster_env")"
  cluster_token_file="$(sed -n 's/^ADMIN_TOKEN_FILE=//p' "$cluster_env")"
  cluster_kubectl=("$(sed -n 's/^BIN_DIR=//p' "$cluster_env")/kubectl" --kubeconfig "$(sed -n 's/^KUBECONFIG=//p' "$cluster_env")")
  if "${cluster_kubectl[@]}" get --raw /readyz >/dev/null 2>&1; then
    kubectl=("${cluster_kubectl[@]}")
    # A namespace left terminating by an earlier run refuses new objects until it is gone.
    "${kubectl[@]}" wait --for=delete namespace/kubeops-fuzz --timeout=120s >/dev/null 2>&1 || true
    "${kubectl[@]}" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: { name: kubeops-fuzz, labels: { kubeops.io/test: "true" } }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: kubeops-fuzz-view }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: "${prefix}role:admin" }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: kubeops-fuzz-admin, namespace: kubeops-fuzz }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: "${prefix}role:admin" }]
YAML
    body="$(node -e 'const fs=require("fs");const [server,ca,token]=process.argv.slice(1);process.stdout.write(JSON.stringify({source:"token",name:"local",server,certificateAuthority:fs.readFileSync(ca,"utf8"),token:fs.readFileSync(token,"utf8").trim()}))' \
      "$cluster_server" "$cluster_ca" "$cluster_token_file")"
    call POST /api/v1/clusters "$token" "$body" >/dev/null
    # Every {cluster} in a path names it, so kube routes reach the API server instead of a 404.
    printf '[parameters]\n"path.cluster" = "local"\n' >"$data/schemathesis.toml"
    config=(--config-file "$data/schemathesis.toml")
    echo "== fuzzing the kube routes against the local cluster at $cluster_server (as ${prefix}*, writes confined to namespace kubeops-fuzz)"
  else
    echo "== the local cluster ($cluster_env) is not running: kube routes are fuzzed without one"
  fi
fi

names() { for name in "${disruptive[@]}"; do printf -- '--%s-name\n%s\n' "$1" "$name"; done; }
mapfile -t exclude < <(names exclude)
mapfile -t include < <(names include)

status=0
echo "== main pass (everything that leaves the caller's access alone)"
schemathesis "${config[@]}" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error \
  "${exclude[@]}" "$@" || status=$?
echo "== second pass (operations that may revoke or demote the caller)"
schemathesis "${config[@]}" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $second_token" \
  --checks not_a_server_error \
  "${include[@]}" "$@" || status=$?
if grep -q '"level":"\(error\|fatal\)"' "$log"; then
  echo "server logged errors during the fuzz run:" >&2
  grep '"level":"\(error\|fatal\)"' "$log" | head -20 >&2
  status=1
fi
exit "$status"
