# Calibrate and Distill on Oxford-Pets-LT (derived: exponential profile, rho 10, n_max its smallest
# class; configs/_base_/datasets/derived_lt.py): ReActNet-A at 224 px, 37 classes, 200 epochs
# (small sets and a student trained from scratch: the CIFAR-LT schedule).
# Needs the dataset (configs/_base_/datasets/oxford_pets_lt.py) and the teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_oxford-pets-lt.py
_base_ = ['../_base_/datasets/oxford_pets_lt.py', './_base_/calibrated-distill_224px.py']

model = dict(
    head=dict(num_classes=37),
    teacher=dict(model=dict(num_classes=37),
                 checkpoint='work_dirs/calibrate_effnet-lite0_oxford-pets-lt/epoch_30.pth'))
train_cfg = dict(max_epochs=200)
train_dataloader = _base_.method_train_dataloader
