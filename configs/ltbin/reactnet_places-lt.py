# Calibrate-and-Distill on Places-LT (62,500 images, 365 classes):
# ReActNet-A at 224 px distilled from the calibrated ImageNet EfficientNet-Lite0.
# Needs the dataset (configs/_base_/datasets/places_lt.py) and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_places-lt.py
_base_ = [
    '../_base_/datasets/places_lt.py',
    './_base_/calibrated-distill_224px.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(num_classes=365),
    teacher=dict(model=dict(num_classes=365),
                 checkpoint='work_dirs/calibrate_effnet-lite0_places-lt/epoch_30.pth'),
)
