#!/usr/bin/env bash
# Real wallet clients against the example gateway, as .ci/run runs them:
#
#   clients/run.sh PATH/TO/gateway          (built with: cargo build --features redis --example gateway)
#
# 1. one instance on memory stores: the Node clients (ethers, @near-js/signers,
#    @solana/web3.js + tweetnacl, @dfinity/identity) and the Python Stellar
#    client, every step against that instance;
# 2. two instances on one redis-server (started here, on loopback): every
#    step after a login runs on the other instance (login on A, whoami and
#    refresh on B, logout on B refused on A).
# Needs node_modules (`npm ci` in clients/node), stellar-sdk
# (clients/python/requirements.txt) and, for 2., redis-server. Every process
# started here is stopped on exit.
set -euo pipefail
gateway="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the gateway NAME with "$@" on an ephemeral loopback port; sets $url.
start() {
  local name="$1"; shift
  "$gateway" --listen 127.0.0.1:0 --instance "$name" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    if url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.log"); then
      return 0
    fi
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  echo "gateway $name did not start" >&2
  return 1
}

clients() {
  (cd "$here/node" && node run.mjs "$@")
  python3 "$here/python/stellar_client.py" "$@"
}

echo "--- one gateway, memory stores"
start solo
clients "$url"

echo "--- two gateways on one redis-server"
# A free loopback port for redis-server, from 6400 on.
port=6400
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export KEYTREE_GATEWAY_SECRET
KEYTREE_GATEWAY_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
start a --redis "redis://127.0.0.1:$port"
a=$url
start b --redis "redis://127.0.0.1:$port"
clients "$a" "$url"
