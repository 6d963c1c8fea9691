#!/usr/bin/env bash
# Shared torchrun launcher of tools/dist_train.sh and tools/dist_test.sh:
#   bash tools/dist_run.sh NUM_PROCS SCRIPT [script args...]
# NUM_PROCS processes per node: one per GPU (nccl), or CPU processes (gloo) without CUDA.
# Several nodes: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
set -euo pipefail
NPROC=$1
SCRIPT=$2
shift 2
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python}

PYTHONPATH="$ROOT_DIR${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$ROOT_DIR/tools/$SCRIPT" "$@" --launcher pytorch
