# Calibrate-and-Distill on iNaturalist 2018 (437,513 images, 8,142 classes):
# ReActNet-A at 224 px distilled from the calibrated ImageNet EfficientNet-Lite0.
# Needs the dataset (configs/_base_/datasets/inat2018.py) and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_inat2018.py
_base_ = [
    '../_base_/datasets/inat2018.py',
    './_base_/calibrated-distill_224px.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(num_classes=8142),
    teacher=dict(model=dict(num_classes=8142),
                 checkpoint='work_dirs/calibrate_effnet-lite0_inat2018/epoch_30.pth'),
)
