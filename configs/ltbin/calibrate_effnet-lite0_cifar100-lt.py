# Calibrate the ImageNet EfficientNet-Lite0 teacher on CIFAR-100-LT (rho 100, 10,847 images) at
# 32, 64 and 96 px (features averaged), frozen encoder, new linear head.
# Needs data/cifar100/cifar-100-python/ and the converted teacher (docs/teachers.md).
_base_ = [
    '../_base_/datasets/cifar100_lt_r100.py',
    '../_base_/models/teachers/efficientnet-lite0_calibrate.py',
]

model = dict(num_classes=100, resolutions=(32, 64, 96))

# Deterministic training views (no crop/flip) so the frozen features are computed once.
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.test_pipeline)))
