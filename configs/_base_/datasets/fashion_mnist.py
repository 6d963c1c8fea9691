# Fashion-MNIST (the embedded default data), balanced. Prepare with `bash tools/prepare_data.sh`.
# 28x28 grey images are repeated to 3 channels and padded to 32x32 so 3-channel backbones and
# ImageNet teachers take them unchanged.
dataset_type = 'FashionMNIST'
data_root = 'data/fashion_mnist'
img_size = 32

data_preprocessor = dict(
    num_classes=10,
    mean=[72.94, 72.94, 72.94],  # Fashion-MNIST pixel mean and std (0-255)
    std=[90.02, 90.02, 90.02],
    to_rgb=False,
)

# deterministic preprocessing, then the random augmentation (a cached-teacher config wraps
# `augment` in SlottedAugment)
preprocess = [dict(type='RepeatChannels', num_channels=3)]
augment = [
    dict(type='RandomCrop', crop_size=img_size, padding=4 + (img_size - 28) // 2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [*preprocess, *augment, dict(type='PackInputs')]
test_pipeline = [
    dict(type='RepeatChannels', num_channels=3),
    dict(type='Pad', size=(img_size, img_size)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', download=False,
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    # mmpretrain 1.2.0's FashionMNIST picks its files by `test_mode`, not by `split`: without
    # test_mode=True, split='test' silently loads the 60k training images.
    dataset=dict(type=dataset_type, data_root=data_root, split='test', test_mode=True,
                 download=False, pipeline=test_pipeline),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
