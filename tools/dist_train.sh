#!/usr/bin/env bash
# Distributed training: bash tools/dist_train.sh CONFIG NUM_PROCS [train.py args...]
# One process per GPU (nccl), or NUM_PROCS CPU processes (gloo) on a machine without CUDA.
# Several nodes: NNODES, NODE_RANK, MASTER_ADDR, PORT (see tools/dist_run.sh).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash $0 CONFIG NUM_PROCS [train.py args...]" >&2
  exit 2
fi
CONFIG=$1
NPROC=$2
shift 2
exec bash "$(dirname "$0")/dist_run.sh" "$NPROC" train.py "$CONFIG" "$@"
