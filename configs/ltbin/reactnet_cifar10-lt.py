# Calibrate and Distill on CIFAR-10-LT (rho 100, 12,406 images): ReActNet-A as published (width
# 1.0; stride-1 stem for 32 px), 200 epochs (the CIFAR-LT schedule of LDAM-DRW, Cao et al. 2019,
# which the LT literature follows). CPU-sized student: reactnet-w0.25_cifar10-lt.py.
# Needs data/cifar10/cifar-10-batches-py/ and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_cifar10-lt.py
_base_ = ['../_base_/datasets/cifar10_lt_r100.py', './_base_/calibrated-distill_small.py']

model = dict(
    head=dict(num_classes=10),
    teacher=dict(head=dict(num_classes=10),
                 checkpoint='work_dirs/calibrate_effnet-lite0_cifar10-lt/epoch_30.pth'))
train_cfg = dict(max_epochs=200)
train_dataloader = dict(**_base_.method_train_dataloader)
