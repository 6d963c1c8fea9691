# Calibration as MiSLAS retrains its classifier (the paper's choice): label-aware smoothing with
# class-balanced sampling, otherwise as calibrate_effnet-lite0_fashion-mnist-lt.py.
_base_ = './calibrate_effnet-lite0_fashion-mnist-lt.py'

model = dict(loss=dict(type='LabelAwareSmoothingLoss', smooth_head=0.3, smooth_tail=0.0))
train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler', mode='balanced'))
