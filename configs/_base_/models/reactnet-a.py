# ReActNet-A (Liu et al., ECCV 2020): FP 3x3 stem, 13 binary blocks (RSign, RPReLU, binary
# weights scaled by mean|W| per output channel), FP linear classifier.
# Set up for 28-32 px images: stem_stride=1 (the last feature map is 2x2 at 32 px), 10 classes.
# Overrides:
#   ImageNet-sized inputs (as published):  model.backbone.stem_stride=2 model.head.num_classes=1000
#   narrower student: model.backbone.widen_factor=0.25 model.head.in_channels=256
#   (the head's in_channels is 1024 * widen_factor: 0.5 -> 512, 0.25 -> 256)
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ReActNet',
        arch='A',
        widen_factor=1.0,
        stem_stride=1,
        out_indices=(4, ),
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, ),
    ),
)
