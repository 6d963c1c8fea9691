# Calibration recipe for the ImageNet EfficientNet-Lite0 teacher (Calibrate-and-Distill, step 1):
# the encoder is frozen (eval mode, no gradient) and loaded from `teacher_checkpoint`; only a new
# linear head is trained on the long-tailed target with an LT-aware loss. The resulting
# checkpoint is the calibrated teacher:
#   teacher = dict(type='FrozenTeacher', model=teacher_model, head=dict(type='LinearClsHead',
#                  num_classes=...), resolutions=..., checkpoint='work_dirs/.../epoch_N.pth')
# A full recipe (model, schedule, runtime): leaves add a dataset base and set num_classes, the
# resolutions and (for the cached probe) a deterministic training pipeline.
_base_ = ['./efficientnet-lite0.py', '../../default_runtime.py']

calibration_model = dict(
    type='LinearProbeClassifier',
    encoder=_base_.teacher_model,
    encoder_checkpoint=_base_.teacher_checkpoint,
    num_classes=1000,  # set by each leaf
    resolutions=None,  # e.g. (32, 64, 96) for small images; None: the pipeline's size
    # The encoder is frozen: with a deterministic train pipeline every epoch after the first
    # trains the head on memoised features (exact: changed inputs are recomputed).
    cache_features=True,
    # Balanced softmax: measured best with plain sampling on Fashion-MNIST-LT (docs/teachers.md).
    # MiSLAS-style alternative: LabelAwareSmoothingLoss with a ClassAwareSampler (see
    # configs/ltbin/calibrate_effnet-lite0-mislas_fashion-mnist-lt.py); CrossEntropyLoss.
    loss=dict(type='BalancedSoftmaxLoss', loss_weight=1.0),
    # Inputs are converted from the dataset's normalisation to the encoder's (127.5 / 128).
)
model = calibration_model

# A linear probe on frozen features: Adam, cosine decay, no weight decay.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=30, by_epoch=True, eta_min=0.0)]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=30)  # evaluate at the end
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
# the frozen encoder makes each checkpoint ~20 MB: save every 10th epoch (epoch_30.pth is the
# calibrated teacher)
default_hooks = dict(
    checkpoint=dict(interval=10),
    # the frozen features of every training image before the first epoch, with progress and an
    # ETA (left to the first epoch, that pass made its iterations tens of times slower)
    feature_cache_prefill=dict(type='FeatureCachePrefillHook', batch_size=64))

# The paper's calibration (configs/ltbin/paper-form/): MiSLAS's classifier re-training, label-aware
# smoothing with class-balanced sampling. A leaf applies it with
#   model = _base_.paper_form_calibration_model
#   train_dataloader = _base_.paper_form_calibration_train_dataloader
paper_form_calibration_model = dict(
    loss=dict(_delete_=True, type='LabelAwareSmoothingLoss', smooth_head=0.3, smooth_tail=0.0))
paper_form_calibration_train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassAwareSampler', mode='balanced'))
