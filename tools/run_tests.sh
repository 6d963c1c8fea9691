#!/usr/bin/env bash
# Set up everything the tests need and run them: the README's test command, also run by CI.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT_DIR"
bash tools/setup_env.sh
bash tools/prepare_data.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
