# Binary ResNet-34 (Bi-Real Net-34, Liu et al., ECCV 2018): every 3x3 conv binary with its own
# real-valued shortcut; FP stem, FP downsampling shortcuts (avg pool + 1x1 conv + BN), FP
# linear classifier. Set up for 28-32 px images: 3x3 stride-1 stem without max pool, 10 classes.
# Overrides:
#   ReAct variant (RSign + RPReLU):  model.backbone.variant=react
#   ImageNet-sized inputs:           model.backbone.stem_type=imagenet model.head.num_classes=1000
#   narrower: model.backbone.stem_channels=16 model.backbone.base_channels=16
#             model.head.in_channels=128   (the head's in_channels is 8 * base_channels)
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='BinaryResNet',
        depth=34,
        variant='bireal',
        stem_type='small',
        stem_channels=64,
        base_channels=64,
        out_indices=(3, ),
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, ),
    ),
)
