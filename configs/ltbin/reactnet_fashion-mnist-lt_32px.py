# Ablation: one resolution. The teacher (calibrated at 32 px,
# calibrate_effnet-lite0-32px_fashion-mnist-lt.py) sees the student's own augmented 32 px
# batch; no multi-resolution views. Adversarial lambda and the cache as in the method.
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(
    teacher_input='student',
    teacher=dict(
        checkpoint='work_dirs/calibrate_effnet-lite0-32px_fashion-mnist-lt/epoch_30.pth'))
augment = _base_.augment[:2]
train_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    dict(type='SlottedAugment', num_slots=4, transforms=augment),
    _base_.train_pipeline[-1],
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
