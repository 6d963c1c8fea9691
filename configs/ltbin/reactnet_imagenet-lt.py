# Calibrate-and-Distill on ImageNet-LT (115,846 images, 1,000 classes):
# ReActNet-A at 224 px distilled from the calibrated ImageNet EfficientNet-Lite0.
# Needs the dataset (configs/_base_/datasets/imagenet_lt.py) and the calibrated teacher:
#   python tools/train.py configs/ltbin/calibrate_effnet-lite0_imagenet-lt.py
_base_ = [
    '../_base_/datasets/imagenet_lt.py',
    './_base_/calibrated-distill_224px.py',
    '../_base_/schedules/adam_cosine_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(num_classes=1000),
    teacher=dict(model=dict(num_classes=1000),
                 checkpoint='work_dirs/calibrate_effnet-lite0_imagenet-lt/epoch_30.pth'),
)
# Caveat: an ImageNet-1k teacher has seen ImageNet-LT's training images (and the balanced rest
# of ImageNet): use a teacher pretrained elsewhere for a long-tailed result.
