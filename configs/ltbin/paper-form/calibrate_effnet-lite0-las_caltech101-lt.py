# The paper's calibration (label-aware smoothing, class-balanced sampling) on Caltech101-LT: the
# teacher of reactnet-paper_caltech101-lt.py; otherwise as ../calibrate_effnet-
# lite0_caltech101-lt.py.
_base_ = '../calibrate_effnet-lite0_caltech101-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
