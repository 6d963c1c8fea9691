# The paper's calibration (label-aware smoothing, class-balanced sampling) on FGVC-Aircraft-LT: the
# teacher of reactnet-paper_fgvc-aircraft-lt.py; otherwise as ../calibrate_effnet-lite0_fgvc-
# aircraft-lt.py.
_base_ = '../calibrate_effnet-lite0_fgvc-aircraft-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
