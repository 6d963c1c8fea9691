# The paper's calibration (label-aware smoothing, class-balanced sampling) on Stanford-Cars-LT: the
# teacher of reactnet-paper_stanford-cars-lt.py; otherwise as ../calibrate_effnet-lite0_stanford-
# cars-lt.py.
_base_ = '../calibrate_effnet-lite0_stanford-cars-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
