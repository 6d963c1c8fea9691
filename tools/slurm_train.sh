#!/usr/bin/env bash
# Training on a slurm cluster: bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [args]
# GPUS (total, default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK (default 5) and SRUN_ARGS
# are read from the environment. On CPU-only nodes set GPUS_PER_NODE=0 and GPUS to the number of
# processes: tools/train.py then starts gloo.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: bash $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]" >&2
  exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
shift 4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
TASKS_PER_NODE=$GPUS_PER_NODE
[ "$GPUS_PER_NODE" -gt 0 ] || TASKS_PER_NODE=$GPUS

PYTHONPATH="$ROOT_DIR${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$TASKS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u "$ROOT_DIR/tools/train.py" "$CONFIG" --work-dir="$WORK_DIR" --launcher slurm "$@"
