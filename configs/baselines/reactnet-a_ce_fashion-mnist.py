# Baseline: a ReActNet-A student (width 0.25, stride-1 stem for 32 px) trained from scratch
# with plain cross-entropy on balanced Fashion-MNIST (60k train / 10k test, padded to 32x32).
# Prepare the data with `bash tools/prepare_data.sh`, then
#   python tools/train.py configs/baselines/reactnet-a_ce_fashion-mnist.py
# Wider student: --cfg-options model.backbone.widen_factor=0.5 model.head.in_channels=512
_base_ = [
    '../_base_/models/reactnet-a.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(widen_factor=0.25, stem_stride=1),
    head=dict(num_classes=10, in_channels=256),
)
