# Shared by the long-tailed datasets of image files (ImageNet-LT, Places-LT, iNaturalist-2018
# and the derived sets): 224 px ImageNet-style pipelines, LongTailDataset for training (its
# settings and the wrapped dataset come from the dataset base), ShotAccuracy.

data_preprocessor = dict(
    num_classes=1000,  # set by each dataset base
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='LongTailDataset', dataset=dict(pipeline=train_pipeline)),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='ShotAccuracy')
test_evaluator = val_evaluator
