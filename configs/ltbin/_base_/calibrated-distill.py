# Calibrate and Distill, step 2 (distillation): the method, once. Every dataset's config inherits
# it through calibrated-distill_small.py (32 px images) or calibrated-distill_224px.py, so
# changing a default here changes it for every dataset. The defaults are the ones chosen on the
# held-out split of Fashion-MNIST-LT (docs/results.md); where they depart from the paper, see
# the `paper_form_*` preset at the end and configs/ltbin/README.md.
#
# A leaf sets only what differs per dataset: its dataset base, the number of classes (student
# head and teacher head), the calibrated teacher's checkpoint, the schedule (max_epochs) and the
# student's size, and writes `train_dataloader = _base_.method_train_dataloader` (mmengine
# cannot merge two sibling bases' train_dataloader, so the method's sampler and batch size are
# handed to the leaf as a variable).
_base_ = [
    '../../_base_/models/reactnet-a.py',
    '../../_base_/models/teachers/efficientnet-lite0.py',
    '../../_base_/schedules/adam_cosine.py',
    '../../_base_/default_runtime.py',
]

model = dict(
    type='CalibratedDistiller',
    # the student: backbone / neck / head of ../../_base_/models/reactnet-a.py (its head's own
    # loss is not used by the distiller; see task_loss)
    # the calibrated teacher: the frozen encoder plus the head trained by the calibration run
    teacher=dict(
        type='FrozenTeacher',
        model=_base_.teacher_model,
        head=dict(type='LinearClsHead', num_classes=1000),  # num_classes set by each leaf
        resolutions=None,  # set by calibrated-distill_small.py
        checkpoint=None,  # the calibrated teacher (configs/ltbin/calibrate_*.py), set by each leaf
        # where torch runs the teacher (a GPU): bfloat16 convolutions (float32 outputs), about
        # half the online teacher's cost, the same top-1 class as float32 on ~99% of images;
        # float32 where the device has no native bf16 (docs/teachers.md)
        autocast='bfloat16',
        # on a CPU, OpenVINO runs the encoder in float32 (the same outputs up to float
        # rounding, at no more cost than torch's bf16); torch, with autocast, on a GPU
        # (docs/teachers.md)
        runtime='auto',
    ),
    # Consistent Mixup (alpha 1): the data preprocessor mixes the batch before the teacher and
    # the student see it, so they always share one, never repeated view (the "function
    # matching" recipe of Beyer et al., CVPR 2022); the task loss reads the mixed labels.
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
    # The teacher runs on the student's own augmented (and mixed) batch, so its targets are not
    # the near one-hot outputs it gives on clean training images.
    teacher_input='student',
    # tau^2 KL(p_T || p_S) with both logits shifted by prior_strength * log prior: the student's
    # own logits learn the teacher's balanced posterior. prior_strength is the power q of the
    # sampler below (classes drawn prop. to n_c^q; sqrt sampling: 0.5).
    kd_loss=dict(type='KDLoss', tau=1.0, power=1.0, prior_adjust='both', prior_strength=0.5,
                 class_balanced_beta=None),
    # 2 - 2 cos(P(f_S), f_T), P a learned linear projection (student width -> 1280)
    feature_loss=dict(type='CosineFeatureLoss'),
    projector='auto',
    # lambda per sample from an MLP on the detached teacher feature, learned adversarially,
    # bounded to [0.1, 0.9], terms normalised by their running scale, pulled toward 0.5.
    balancer=dict(type='AdversarialBalancer', input='teacher_feature', hidden_dims=(64, ),
                  lo=0.1, hi=0.9, normalize_terms=True, reg_weight=1.0),
    # balanced softmax on the labels at the sampler's prior strength, so the student is not
    # bounded by the teacher's errors
    task_loss=dict(type='BalancedSoftmaxLoss', tau=0.5, loss_weight=1.0),
    save_teacher=False,  # checkpoints hold the student (+ projector, balancer) only
)

# square-root class-aware sampling (class c drawn with probability prop. to sqrt(n_c)), batch 32
method_train_dataloader = dict(
    batch_size=32, sampler=dict(_delete_=True, type='ClassAwareSampler', mode='sqrt'))

# The balancer's schedule (gradient reversal in the training step) and lambda's mean / std in
# the log and vis_data/scalars.json.
custom_hooks = [
    dict(type='AdversarialBalanceHook', mode='reversal', warmup_iters=0, interval=1,
         log_interval=1),
]

# The paper's own form of the objective (configs/ltbin/paper-form/): plain KL, the cosine
# feature term, an unconstrained adversarial lambda in [0, 1], no task loss, uniform sampling,
# no Mixup;
# its teacher is calibrated with label-aware smoothing (calibrate_*-las configs).
paper_form_model = dict(
    kd_loss=dict(prior_adjust='none'),
    balancer=dict(lo=0.0, hi=1.0, normalize_terms=False, reg_weight=0.0),
    task_loss=None,
    train_cfg=dict(_delete_=True))  # no Mixup
paper_form_train_dataloader = dict(
    batch_size=32, sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
