# Calibrate the ImageNet EfficientNet-Lite0 teacher on CIFAR-10-LT (rho 100, 12,406 images) at
# 32, 64 and 96 px (features averaged), frozen encoder, new linear head.
# Needs data/cifar10/cifar-10-batches-py/ and the converted teacher (docs/teachers.md).
_base_ = [
    '../_base_/datasets/cifar10_lt_r100.py',
    '../_base_/models/teachers/efficientnet-lite0_calibrate.py',
]

model = dict(num_classes=10, resolutions=(32, 64, 96))

# Deterministic training views (no crop/flip) so the frozen features are computed once.
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.test_pipeline)))
