#!/usr/bin/env bash
# The main job on the embedded default data, from a fresh clone:
#   bash tools/quickstart.sh
# sets up .venv (tools/setup_env.sh), places Fashion-MNIST under data/ (tools/prepare_data.sh),
# trains the main config on CPU and tests its last checkpoint. Work dir: work_dirs/quickstart.
# Override with CONFIG=... and WORK_DIR=...; extra arguments go to tools/train.py.
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT_DIR"
CONFIG=${CONFIG:-configs/baselines/resnet18-w16_ce_fashion-mnist.py}
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
QUICK_EPOCHS=${QUICK_EPOCHS:-3}

bash tools/setup_env.sh
bash tools/prepare_data.sh
PY=.venv/bin/python

echo "== Training $CONFIG (work dir: $WORK_DIR) =="
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --resume auto \
  --cfg-options train_cfg.max_epochs="$QUICK_EPOCHS" "$@"
CKPT=$(cat "$WORK_DIR/last_checkpoint")
echo "== Testing $CKPT =="
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR" --out "$WORK_DIR/test_metrics.json"
echo "== Test metrics ($WORK_DIR/test_metrics.json) =="
cat "$WORK_DIR/test_metrics.json"; echo
