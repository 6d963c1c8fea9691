# Calibrate-and-Distill (step 2): a binary ReActNet-A student distilled from the calibrated
# ImageNet EfficientNet-Lite0 teacher (frozen encoder + the linear head trained on the LT set by
# configs/ltbin/calibrate_effnet-lite0_*.py). Leaves set the dataset, the number of classes,
# the teacher checkpoint and (small images) the multi-resolution teacher views.
# Every switch below is a default to be settled by the benchmark (configs/ltbin/README.md).
_base_ = [
    '../../_base_/models/reactnet-a.py',
    '../../_base_/models/teachers/efficientnet-lite0.py',
]

model = dict(
    type='CalibratedDistiller',
    # the student: backbone / neck / head of ../../_base_/models/reactnet-a.py (its head's own
    # loss is not used by the distiller; see task_loss)
    teacher=dict(
        type='FrozenTeacher',
        model=dict(
            type='LinearProbeClassifier',
            encoder=_base_.teacher_model,
            num_classes=10,  # set by each leaf
            resolutions=None,  # the distiller feeds the resolutions (MultiResPipeline views)
        ),
        checkpoint=None,  # the calibrated teacher, set by each leaf
    ),
    # What the teacher sees: 'auto' = the MultiResPipeline views when present, else the
    # student's own (augmented, mixed) batch. Either way the teacher runs online on the
    # student's augmented images, so its targets are not the near one-hot outputs it gives on
    # clean training images.
    teacher_input='auto',
    # tau^2 KL(p_T || p_S). prior_adjust='both': the teacher's balanced logits and the
    # student's logits both shifted by prior_strength * log prior (optimum: the student's own
    # logits equal the teacher's balanced ones; one-hot targets: balanced softmax). Set
    # prior_strength to the power q of a ClassAwareSampler (classes drawn prop. to n_c^q:
    # 1 uniform over images, 0.5 square-root, 0 class-balanced, where 'none' is the same).
    # 'student': only the student's shifted (over-corrects soft targets toward the tail);
    # 'none': plain KD (learns the head bias). power < 1 flattens the teacher's targets
    # (DiVE); class_balanced_beta weights the term per class (None: off).
    kd_loss=dict(type='KDLoss', tau=1.0, power=1.0, prior_adjust='both', prior_strength=1.0,
                 class_balanced_beta=None),
    # 2 - 2 cos(P(f_S), f_T), P a learned linear projection (student width -> 1280)
    feature_loss=dict(type='CosineFeatureLoss'),
    projector='auto',
    # lambda per sample from an MLP on the detached teacher feature, learned adversarially,
    # bounded to [0.1, 0.9], terms normalised by their running scale, pulled toward 0.5.
    # The paper's unconstrained form: lo=0.0, hi=1.0, normalize_terms=False, reg_weight=0.0.
    balancer=dict(type='AdversarialBalancer', input='teacher_feature', hidden_dims=(64, ),
                  lo=0.1, hi=0.9, normalize_terms=True, reg_weight=1.0),
    # optional task loss on the labels, e.g. dict(type='BalancedSoftmaxLoss', loss_weight=1.0)
    task_loss=None,
    save_teacher=False,  # checkpoints hold the student (+ projector, balancer) only
)

# The balancer's schedule (gradient reversal in the training step; warm-up, interval) and
# lambda's mean / std in the log and vis_data/scalars.json.
custom_hooks = [
    dict(type='AdversarialBalanceHook', mode='reversal', warmup_iters=0, interval=1,
         log_interval=1),
]
