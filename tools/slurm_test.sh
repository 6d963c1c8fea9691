#!/usr/bin/env bash
# Testing on a slurm cluster: bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [args]
# (args: tools/test.py's flags). Environment (GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS):
# see tools/slurm_run.sh.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: bash $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]" >&2
  exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
shift 4
exec bash "$(dirname "$0")/slurm_run.sh" "$PARTITION" "$JOB_NAME" test.py "$CONFIG" \
    "$CHECKPOINT" "$@"
