# The paper's calibration (label-aware smoothing, class-balanced sampling) on iNaturalist 2018: the
# teacher of reactnet-paper_inat.py; otherwise as ../calibrate_effnet-lite0_inat.py.
_base_ = '../calibrate_effnet-lite0_inat.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
