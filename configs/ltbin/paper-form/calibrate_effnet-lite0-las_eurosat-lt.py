# The paper's calibration (label-aware smoothing, class-balanced sampling) on EuroSAT-LT: the
# teacher of reactnet-paper_eurosat-lt.py; otherwise as ../calibrate_effnet-lite0_eurosat-lt.py.
_base_ = '../calibrate_effnet-lite0_eurosat-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
