#!/usr/bin/env bash
# Shared srun launcher of tools/slurm_train.sh and tools/slurm_test.sh:
#   bash tools/slurm_run.sh PARTITION JOB_NAME SCRIPT [script args...]
# GPUS (total, default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK (default 5) and SRUN_ARGS
# are read from the environment. On CPU-only nodes set GPUS_PER_NODE=0 and GPUS to the number of
# processes: the tools then start gloo.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
shift 3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
TASKS_PER_NODE=$GPUS_PER_NODE
[ "$GPUS_PER_NODE" -gt 0 ] || TASKS_PER_NODE=$GPUS

PYTHONPATH="$ROOT_DIR${PYTHONPATH:+:$PYTHONPATH}" \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$TASKS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u "$ROOT_DIR/tools/$SCRIPT" "$@" --launcher slurm
