#!/usr/bin/env bash
# Instructions per HTTP/1.1 request through the LoadBalancer under callgrind, for builds side by side: a count,
# not a time, so it holds on a busy machine. Each build's balancer starts with instrumentation off, is warmed up,
# then counts the instructions of a fixed number of requests (h2load --h1, 4 connections), divided by the
# requests that succeeded.
#
#   bench/proxy/instructions.sh [requests] [label=path/to/index.js ...]
#   bench/proxy/instructions.sh 3000 base=/tmp/base/dist/index.js head=packages/proxy/dist/index.js
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requests=${1:-3000}
shift || true
[ $# -gt 0 ] || set -- "head=$here/../../packages/proxy/dist/index.js"
out=$(mktemp -d)
port=$((40000 + RANDOM % 20000))
node "$here/backend.mjs" $((port + 1)) & backend=$!
trap 'kill $backend 2>/dev/null || true; rm -rf "$out"' EXIT
for build in "$@"; do
  label=${build%%=*}
  module=$(realpath "${build#*=}")
  LB_MODULE=$module valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/$label.%p" \
    node "$here/lbProxy.mjs" $port roundRobin $((port + 1)) 2>/dev/null & lb=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.5; done
  h2load --h1 -c4 -n1000 "http://127.0.0.1:$port/" > /dev/null
  callgrind_control -i on $lb > /dev/null
  ok=$(h2load --h1 -c4 -n"$requests" "http://127.0.0.1:$port/" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
  callgrind_control -i off $lb > /dev/null
  callgrind_control -d $lb > /dev/null
  kill -INT $lb; wait $lb 2>/dev/null || true
  ir=0
  for file in "$out/$label".*; do
    ir=$((ir + $(grep -m1 -E '^(summary|totals):' "$file" | awk '{print $2}')))
  done
  echo "$label: $((ir / ok)) instructions per request ($ok of $requests requests succeeded)"
  rm -f "$out/$label".*
done
