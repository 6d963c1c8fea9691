# Calibrate the ImageNet EfficientNet-Lite0 teacher on iNaturalist 2018 (437,513 images)
# at a single resolution (224 px centre crops, as the paper does for its large datasets),
# frozen encoder, new linear head.
# The feature cache holds one 1280-d float32 vector per training image in memory (5 KB each).
# Needs the dataset under data/ (configs/_base_/datasets/inat2018.py) and the converted teacher.
_base_ = [
    '../_base_/datasets/inat2018.py',
    '../_base_/models/teachers/efficientnet-lite0_calibrate.py',
]

model = dict(num_classes=8142)

# Deterministic training views (resize + centre crop) so the frozen features are computed once.
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.test_pipeline)))
