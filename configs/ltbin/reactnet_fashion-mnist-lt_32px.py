# Ablation: one resolution. The teacher (calibrated at 32 px,
# calibrate_effnet-lite0-32px_fashion-mnist-lt.py) sees the student's own augmented 32 px
# batch; no multi-resolution views. Adversarial lambda and the cache as in the method.
_base_ = './reactnet_fashion-mnist-lt_cached.py'

model = dict(
    teacher=dict(
        resolutions=None,
        checkpoint='work_dirs/calibrate_effnet-lite0-32px_fashion-mnist-lt/epoch_30.pth'))
