# Calibration as MiSLAS retrains its classifier (the paper's choice): label-aware smoothing with
# class-balanced sampling, otherwise as calibrate_effnet-lite0_fashion-mnist-lt.py. The teacher
# of the paper-form student (paper-form/reactnet-paper_fashion-mnist-lt.py).
_base_ = './calibrate_effnet-lite0_fashion-mnist-lt.py'

model = _base_.paper_form_calibration_model
train_dataloader = _base_.paper_form_calibration_train_dataloader
