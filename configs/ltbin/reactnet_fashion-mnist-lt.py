# Calibrate and Distill on Fashion-MNIST-LT (n_max 1000, rho 100: 1000 ... 10 images, 2,478),
# the project's CPU benchmark: ReActNet-A width 0.25 at 32 px (CPU-sized), 20 epochs: the main
# job's budget (tools/quickstart.sh), where this default and the cached form are within the seed
# spread; the default was chosen at 160 epochs, where it leads both (the schedule and views
# tables, docs/results.md). The method is
# _base_/calibrated-distill*.py; the cheaper cached form: reactnet_fashion-mnist-lt_cached.py.
#   bash tools/prepare_data.sh
#   python tools/model_converters/efficientnet_lite_to_timm.py
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py   # teacher
#   python tools/train.py configs/ltbin/reactnet_fashion-mnist-lt.py                 # student
_base_ = ['../_base_/datasets/fashion_mnist_lt.py', './_base_/calibrated-distill_small.py']

model = dict(
    backbone=dict(widen_factor=0.25), head=dict(num_classes=10, in_channels=256),
    teacher=dict(head=dict(num_classes=10),
                 checkpoint='work_dirs/calibrate_effnet-lite0_fashion-mnist-lt/epoch_30.pth'))
train_cfg = dict(max_epochs=20)
train_dataloader = dict(**_base_.method_train_dataloader)
