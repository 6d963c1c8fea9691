# A tiny real-data distillation run for tests: sklearn digits, long-tailed (n_max 40, rho 10),
# a small GroupNorm CNN student, a frozen small CNN teacher (checkpoint given by the test:
# model.teacher.checkpoint=...), teacher views at 8 and 16 px, the adversarial balancer and
# its hook. No random augmentation and no BatchNorm in the student, so that a 2-process run
# and a 1-process run of the same global batch compute the same update.
_base_ = [
    '../../../../configs/_base_/datasets/digits.py',
    '../../../../configs/_base_/default_runtime.py',
]

cnn = dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8, base_channels=8,
           num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1, ),
           norm_cfg=dict(type='GN', num_groups=4))

teacher_classifier = dict(
    type='ImageClassifier',
    backbone=dict(cnn, in_channels=3, stem_channels=16, base_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=32),
    # an RGB teacher with its own normalisation: the student's grey, differently normalised
    # inputs are converted (and repeated to 3 channels) by FrozenTeacher
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0.0] * 3, std=[255.0] * 3),
)
model = dict(
    type='CalibratedDistiller',
    backbone=cnn,
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=16),
    teacher=dict(type='FrozenTeacher', model=teacher_classifier, checkpoint=None),
    kd_loss=dict(type='KDLoss', tau=2.0, prior_adjust='both'),
    balancer=dict(type='AdversarialBalancer', hidden_dims=(8, )),
    task_loss=dict(type='BalancedSoftmaxLoss', loss_weight=0.5),
)
train_pipeline = [dict(type='MultiResPipeline', teacher_sizes=(8, 16)), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=32,
    dataset=dict(_delete_=True, type='LongTailDataset', n_max=40, rho=10,
                 dataset=dict(type='SklearnDigits', split='train', pipeline=train_pipeline)))
custom_hooks = [dict(type='AdversarialBalanceHook')]
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=3)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=-1))
randomness = dict(seed=0, deterministic=False)
log_level = 'WARNING'
