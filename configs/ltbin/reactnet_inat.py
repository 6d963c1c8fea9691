# Calibrate and Distill on iNaturalist 2018 (437,513 images, 8,142 classes): ReActNet-A at
# 224 px, 90 epochs (the shorter of Kang et al. 2020's two iNaturalist schedules).
# Needs the dataset (configs/_base_/datasets/inat2018.py) and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_inat.py
_base_ = ['../_base_/datasets/inat2018.py', './_base_/calibrated-distill_224px.py']

model = dict(
    head=dict(num_classes=8142),
    teacher=dict(model=dict(num_classes=8142),
                 checkpoint='work_dirs/calibrate_effnet-lite0_inat/epoch_30.pth'))
train_cfg = dict(max_epochs=90)
train_dataloader = _base_.method_train_dataloader
