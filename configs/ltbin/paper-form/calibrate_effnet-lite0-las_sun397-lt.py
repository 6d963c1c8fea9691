# The paper's calibration (label-aware smoothing, class-balanced sampling) on SUN397-LT: the
# teacher of reactnet-paper_sun397-lt.py; otherwise as ../calibrate_effnet-lite0_sun397-lt.py.
_base_ = '../calibrate_effnet-lite0_sun397-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
