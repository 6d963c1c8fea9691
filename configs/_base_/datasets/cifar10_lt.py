# CIFAR-10-LT: exponential long-tailed subset of mmpretrain's CIFAR10 training set
# (n_i = floor(5000 * rho^(-i / 9)), class i = label i, seed 0), balanced 10k test set.
# rho 100 -> 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50 (12,406 images).
# Leaves: cifar10_lt_r{10,50,100}.py. Needs the python-version batches in data/cifar10/
# (cifar-10-batches-py/); nothing is downloaded (download=False). The images of LDAM-DRW's
# imbalanced CIFAR (the LT literature's): train_dataloader.dataset.selection='ldam-drw'.

dataset_type = 'CIFAR10'
data_root = 'data/cifar10'

data_preprocessor = dict(
    num_classes=10,
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False,
)

# deterministic preprocessing (none), then the random augmentation (a cached-teacher config
# wraps `augment` in SlottedAugment)
preprocess = []
augment = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
train_pipeline = [*preprocess, *augment, dict(type='PackInputs')]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='LongTailDataset',
        dataset=dict(type=dataset_type, data_root=data_root, split='train', download=False,
                     pipeline=train_pipeline),
        profile='exp',
        n_max=5000,
        rho=100,
        class_order='index',
        seed=0,
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', download=False,
                 pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='ShotAccuracy')
test_evaluator = val_evaluator
