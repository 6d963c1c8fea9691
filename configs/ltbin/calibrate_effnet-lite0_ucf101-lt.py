# Calibrate the ImageNet EfficientNet-Lite0 teacher on UCF101-LT at a single resolution (224 px
# centre crops, as the 224 px method configs), frozen encoder, new linear head (30 epochs).
# Needs the dataset (configs/_base_/datasets/ucf101_lt.py) and the converted teacher.
_base_ = [
    '../_base_/datasets/ucf101_lt.py',
    '../_base_/models/teachers/efficientnet-lite0_calibrate.py',
]

model = dict(num_classes=101)
# Deterministic training views (resize + centre crop) so the frozen features are computed once.
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.test_pipeline)))
