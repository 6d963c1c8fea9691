# Ablation: one resolution. The teacher (calibrated at 32 px,
# calibrate_effnet-lite0-32px_fashion-mnist-lt.py) runs online on the student's own augmented
# 32 px batch; no multi-resolution views. Adversarial lambda as in the method.
_base_ = './reactnet_fashion-mnist-lt.py'

model = dict(
    teacher_input='student',
    teacher=dict(
        checkpoint='work_dirs/calibrate_effnet-lite0-32px_fashion-mnist-lt/epoch_30.pth'))
train_pipeline = [*_base_.train_pipeline[:3], dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
