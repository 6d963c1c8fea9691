# The paper's calibration (label-aware smoothing, class-balanced sampling) on CIFAR-100-LT: the
# teacher of reactnet-paper_cifar100-lt.py; otherwise as ../calibrate_effnet-lite0_cifar100-lt.py.
_base_ = '../calibrate_effnet-lite0_cifar100-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
