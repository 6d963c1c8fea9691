"""The benchmark tables: rows of (name, label, config, extra --cfg-options, needs).

``options`` may name ``{seed}`` and ``{work_root}`` (the table's work folder); a row with
``needs`` starts after that row of the same seed has finished (e.g. a student after the run
that calibrates its teacher).
"""

BASELINES = 'configs/baselines/reactnet-a_{}_fashion-mnist-lt.py'
LTBIN = 'configs/ltbin/{}.py'
TEACHER = 'model.teacher.checkpoint={}/{}_seed{{seed}}/epoch_30.pth'
MAIN_TABLE_DIR = '{work_root}/../fmnist_lt_main'
HELDOUT_VAL = 'configs/_base_/datasets/fashion_mnist_lt_heldout_val.py'
METHOD = 'reactnet_fashion-mnist-lt'


def _baseline(name: str, label: str) -> dict:
    return dict(name=name, label=f'binary, {label}', config=BASELINES.format(name))


def _student(name: str, label: str, config: str, teacher: str = 'teacher',
             options: tuple = (), **kwargs) -> dict:
    """A distilled student whose teacher is row ``teacher`` of the same table (same seed)."""
    return dict(name=name, label=label, config=LTBIN.format(config),
                options=[TEACHER.format('{work_root}', teacher), *options], needs=teacher,
                **kwargs)


def _cost_student(name: str, label: str, config: str, **kwargs) -> dict:
    """A distilled student timed with the teacher calibrated by the main table (seed 0)."""
    return dict(name=name, label=label, config=LTBIN.format(config),
                options=[TEACHER.format(MAIN_TABLE_DIR, 'teacher')], **kwargs)


TEACHERS = [
    dict(name='teacher', label='FP teacher, calibrated (balanced softmax), 32/64/96 px',
         config=LTBIN.format('calibrate_effnet-lite0_fashion-mnist-lt')),
    dict(name='teacher-32px', label='FP teacher, calibrated, 32 px',
         config=LTBIN.format('calibrate_effnet-lite0-32px_fashion-mnist-lt')),
    dict(name='teacher-ce', label='FP teacher, uncalibrated (cross-entropy), 32/64/96 px',
         config=LTBIN.format('calibrate_effnet-lite0-ce_fashion-mnist-lt')),
]

TABLES = {
    'fmnist_lt_baselines': dict(
        title='Binary ReActNet-A (width 0.25) on Fashion-MNIST-LT (n_max 1000, rho 100)',
        heldout_val=HELDOUT_VAL,
        rows=[
            _baseline('ce', 'cross-entropy'),
            _baseline('balanced-softmax', 'balanced softmax'),
            _baseline('ldam-drw', 'LDAM-DRW'),
            _baseline('cb-focal', 'class-balanced focal'),
            _baseline('las', 'label-aware smoothing'),
        ]),
    'fmnist_lt_main': dict(
        title='Calibrate and Distill on Fashion-MNIST-LT (n_max 1000, rho 100): ReActNet-A '
        '(width 0.25) students, 20 epochs; EfficientNet-Lite0 teachers',
        heldout_val=HELDOUT_VAL,
        rows=[
            *TEACHERS,
            _baseline('ce', 'cross-entropy'),
            _baseline('balanced-softmax', 'balanced softmax'),
            _baseline('ldam-drw', 'LDAM-DRW'),
            _baseline('cb-focal', 'class-balanced focal'),
            _baseline('las', 'label-aware smoothing'),
            _student('distill-uncalibrated', 'binary + distillation from the uncalibrated '
                     'teacher (otherwise the method)', f'{METHOD}_ce-teacher', 'teacher-ce'),
            _student('calib-distill-fixed', 'calibrate + distill, fixed lambda 0.5 (32 px)',
                     f'{METHOD}_32px-fixed-lambda', 'teacher-32px'),
            _student('calib-distill-adv', '+ adversarial balancing (32 px)', f'{METHOD}_32px',
                     'teacher-32px'),
            _student('method', '+ multi-resolution = the method (default config)', METHOD),
            _student('one-res', 'the method with one random teacher resolution per sample, '
                     'no cache', f'{METHOD}_one-res'),
        ]),
    # Variants of the method's defaults, chosen on the held-out balanced validation split.
    'fmnist_lt_variants': dict(
        title='Variants of the method on Fashion-MNIST-LT (n_max 1000, rho 100), seed 0: '
        'defaults are chosen on the held-out validation split',
        heldout_val=HELDOUT_VAL,
        rows=[
            _student('method', 'default: KD prior-adjusted on both sides, no task loss',
                     METHOD),
            _student('task-bs', '+ balanced-softmax task loss', f'{METHOD}_task-bs'),
            _student('kd-plain', 'plain KD (no prior adjustment)', METHOD,
                     options=('model.kd_loss.prior_adjust=none', )),
            _student('task-bs-kd-plain', 'plain KD + balanced-softmax task loss',
                     f'{METHOD}_task-bs', options=('model.kd_loss.prior_adjust=none', )),
            _student('kd-student', 'KD prior-adjusted on the student side only', METHOD,
                     options=('model.kd_loss.prior_adjust=student', )),
            _student('kd-student-half', 'KD prior-adjusted on the student side, strength 0.5',
                     METHOD, options=('model.kd_loss.prior_adjust=student',
                                      'model.kd_loss.prior_strength=0.5')),
            _student('one-res', 'one random teacher resolution per sample, no cache',
                     f'{METHOD}_one-res'),
        ]),
    'fmnist_lt_cost': dict(
        title='Training cost on Fashion-MNIST-LT (n_max 1000, rho 100): ReActNet-A (width 0.25) '
        'student, one process, one thread, nothing else running',
        test=False,
        rows=[
            dict(_baseline('ce', 'cross-entropy'), label='binary, plain cross-entropy (5 epochs)',
                 epochs=5),
            _cost_student('no-cache', 'the method without the cache (all 3 teacher '
                          'resolutions every batch, 3 epochs)', f'{METHOD}_no-cache', epochs=3),
            _cost_student('one-res', 'resolution subset: one random teacher resolution per '
                          'sample, no cache (3 epochs)', f'{METHOD}_one-res', epochs=3),
            _cost_student('method', 'the method (all 3 resolutions, teacher-output cache, '
                          '20 epochs)', METHOD),
        ]),
}
