# The objective as the paper describes it (plain KL, cosine feature term, adversarial lambda in
# [0, 1], no task loss, uniform sampling, no Mixup: the paper_form_* preset of
# ../_base_/calibrated-distill.py) on Fashion-MNIST-LT, otherwise as the main table measured
# it: ../reactnet_fashion-mnist-lt_cached.py.
# Teacher: ../calibrate_effnet-lite0-mislas_fashion-mnist-lt.py
_base_ = '../reactnet_fashion-mnist-lt_cached.py'

model = dict(
    **_base_.paper_form_model,
    teacher=dict(
        checkpoint='work_dirs/calibrate_effnet-lite0-mislas_fashion-mnist-lt/epoch_30.pth'))
train_dataloader = _base_.paper_form_train_dataloader
