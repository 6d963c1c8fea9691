# Calibrate and Distill on CIFAR-100-LT (rho 100, 10,847 images): ReActNet-A as published (width
# 1.0; stride-1 stem for 32 px), 200 epochs (LDAM-DRW's CIFAR-LT schedule).
# CPU-sized student: reactnet-w0.25_cifar100-lt.py.
# Needs data/cifar100/cifar-100-python/ and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_cifar100-lt.py
_base_ = ['../_base_/datasets/cifar100_lt_r100.py', './_base_/calibrated-distill_small.py']

model = dict(
    head=dict(num_classes=100),
    teacher=dict(head=dict(num_classes=100),
                 checkpoint='work_dirs/calibrate_effnet-lite0_cifar100-lt/epoch_30.pth'))
train_cfg = dict(max_epochs=200)
train_dataloader = dict(**_base_.method_train_dataloader)
