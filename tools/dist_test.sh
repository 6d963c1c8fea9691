#!/usr/bin/env bash
# Distributed testing: bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py args...]
# Same devices and environment variables as tools/dist_train.sh.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash $0 CONFIG CHECKPOINT NUM_PROCS [test.py args...]" >&2
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
exec bash "$(dirname "$0")/dist_run.sh" "$NPROC" test.py "$CONFIG" "$CHECKPOINT" "$@"
