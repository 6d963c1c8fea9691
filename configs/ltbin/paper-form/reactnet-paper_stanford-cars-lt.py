# The objective as the paper describes it (plain KL, cosine feature term, adversarial lambda in [0,
# 1], no task loss, uniform sampling: the paper_form_* preset of ../_base_/calibrated-distill.py)
# on Stanford-Cars-LT, otherwise as ../reactnet_stanford-cars-lt.py. Teacher: calibrate_effnet-
# lite0-las_stanford-cars-lt.py
_base_ = '../reactnet_stanford-cars-lt.py'

model = dict(
    **_base_.paper_form_model,
    teacher=dict(
        checkpoint='work_dirs/calibrate_effnet-lite0-las_stanford-cars-lt/epoch_30.pth'))
train_dataloader = _base_.paper_form_train_dataloader
