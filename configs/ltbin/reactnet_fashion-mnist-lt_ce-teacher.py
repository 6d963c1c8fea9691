# Ablation: the method distilling from the uncalibrated teacher (cross-entropy head,
# calibrate_effnet-lite0-ce_fashion-mnist-lt.py) instead of the calibrated one.
_base_ = './reactnet_fashion-mnist-lt_cached.py'

model = dict(
    teacher=dict(checkpoint='work_dirs/calibrate_effnet-lite0-ce_fashion-mnist-lt/epoch_30.pth'))
