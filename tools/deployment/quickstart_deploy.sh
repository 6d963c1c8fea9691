#!/usr/bin/env bash
# The quickstart's last step: export a trained binary student to OpenVINO (1-bit convolutions),
# test the exported model on the config's test set and print its many / medium / few / all and
# batch-1 latency beside the torch model's (docs/deploy.md). Without OpenVINO (the deploy extra)
# it prints one line saying so and succeeds, so the quickstart still ends normally.
#   bash tools/deployment/quickstart_deploy.sh CONFIG CHECKPOINT OUT_DIR
# PY: the Python to run (default: python).
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: bash tools/deployment/quickstart_deploy.sh CONFIG CHECKPOINT OUT_DIR" >&2
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
OUT_DIR=$3
PY=${PY:-python}
TOOLS=$(dirname "$0")
if ! "$PY" -c 'import openvino' 2>/dev/null; then
  echo "Skipped the OpenVINO export: OpenVINO is not installed (the deploy extra:" \
    "bash tools/setup_env.sh tests,teachers,deploy)"
  exit 0
fi
# the export's own check is skipped: the test below compares every test image with torch.
# One thread: batch-1 latency of a small model, steady on a busy machine (as the record's)
"$PY" "$TOOLS/export_openvino.py" "$CONFIG" "$CHECKPOINT" "$OUT_DIR" --check-images 0
"$PY" "$TOOLS/test_openvino.py" "$CONFIG" "$OUT_DIR" --checkpoint "$CHECKPOINT" \
  --threads 1 --work-dir "$OUT_DIR" --out "$OUT_DIR/test_metrics.json" \
  --cfg-options log_level=WARNING
