# Calibrate the ImageNet EfficientNet-Lite0 teacher on Fashion-MNIST-LT (n_max 1000, rho 100,
# 2,478 images) at 32, 64 and 96 px (features averaged), frozen encoder, new linear head.
# Needs: bash tools/prepare_data.sh; python tools/model_converters/efficientnet_lite_to_timm.py
# Run:   python tools/train.py configs/ltbin/calibrate_effnet-lite0_fashion-mnist-lt.py
_base_ = [
    '../_base_/datasets/fashion_mnist_lt_n1000_r100.py',
    '../_base_/models/teachers/efficientnet-lite0_calibrate.py',
]

model = dict(num_classes=10, resolutions=(32, 64, 96))

# Deterministic training views (no crop/flip) so the frozen features are computed once.
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.test_pipeline)))
