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
COSINE_40E = ('param_scheduler.0.T_max=40', )
WIDTH_05 = ('model.backbone.widen_factor=0.5', 'model.head.in_channels=512')


def _baseline(name: str, label: str, **kwargs) -> dict:
    return dict(name=name, label=f'binary, {label}', config=BASELINES.format(name), **kwargs)


def _batch(size: int) -> tuple:
    return (f'train_dataloader.batch_size={size}', )


def _drw_start(epochs: int) -> tuple:
    """LDAM-DRW's re-weighting on for the last 20% of ``epochs`` (epoch 16 of 20)."""
    return (f'custom_hooks.0.start_epoch={epochs - max(1, epochs // 5)}', )


def _student(name: str, label: str, config: str, teacher: str = 'teacher',
             options: tuple = (), root: str = '{work_root}', **kwargs) -> dict:
    """A distilled student whose teacher is row ``teacher`` (same seed) of the table whose
    work folder is ``root``: this table (the default; the row then waits for the teacher's)
    or another one (``MAIN_TABLE_DIR``: run that table's teacher first)."""
    row = dict(name=name, label=label, config=LTBIN.format(config),
               options=[TEACHER.format(root, teacher), *options], **kwargs)
    if root == '{work_root}':
        row['needs'] = teacher
    return row


def _variant(name: str, label: str, config: str, **kwargs) -> dict:
    """A distilled student whose teacher is the main table's calibrated teacher (same seed)."""
    return _student(name, label, config, root=MAIN_TABLE_DIR, **kwargs)


def _at_batch_128(rows: list) -> list:
    """``rows`` with the students' batch of 128, the Fashion-MNIST-LT default until the
    batch-size variants below chose 32: the tables measured with it stay reproducible."""
    return [dict(row, options=[*row.get('options', ()), *_batch(128)]) for row in rows]


# The main table's targets: the method's default against the balanced-softmax binary student
# and against its calibrated teacher, overall and on the few-shot classes
MAIN_TARGETS = [
    dict(label='the method against binary balanced softmax, all', row='method',
         against='balanced-softmax', metric='mean_per_class', min_diff=2.0),
    dict(label='the method against its calibrated teacher, all', row='method',
         against='teacher', metric='mean_per_class', min_diff=-1.5),
    dict(label='the method against its calibrated teacher, few-shot classes', row='method',
         against='teacher', metric='few', min_diff=-3.0),
]

TEACHERS = [
    dict(name='teacher', label='FP teacher, calibrated (balanced softmax), 32/64/96 px',
         config=LTBIN.format('calibrate_effnet-lite0_fashion-mnist-lt')),
    dict(name='teacher-32px', label='FP teacher, calibrated, 32 px',
         config=LTBIN.format('calibrate_effnet-lite0-32px_fashion-mnist-lt')),
    dict(name='teacher-ce', label='FP teacher, uncalibrated (cross-entropy), 32/64/96 px',
         config=LTBIN.format('calibrate_effnet-lite0-ce_fashion-mnist-lt')),
    dict(name='teacher-las', label='FP teacher, calibrated as the paper (label-aware smoothing, '
         'class-balanced sampling), 32/64/96 px',
         config=LTBIN.format('calibrate_effnet-lite0-mislas_fashion-mnist-lt')),
]

MAIN_ROWS = [
    *TEACHERS,
    _baseline('ce', 'cross-entropy'),
    _baseline('balanced-softmax', 'balanced softmax'),
    _baseline('ldam-drw', 'LDAM-DRW', epoch_options=_drw_start),
    _baseline('cb-focal', 'class-balanced focal'),
    _baseline('las', 'label-aware smoothing'),
    _student('distill-uncalibrated', 'binary + distillation from the uncalibrated teacher '
             '(otherwise the method)', f'{METHOD}_ce-teacher', 'teacher-ce'),
    _student('calib-distill-fixed', 'calibrate + distill, fixed lambda 0.5 (32 px)',
             f'{METHOD}_32px-fixed-lambda', 'teacher-32px'),
    _student('calib-distill-adv', '+ adversarial balancing (32 px)', f'{METHOD}_32px',
             'teacher-32px'),
    _student('method', '+ multi-resolution = the method (default config)', METHOD),
    _student('one-res', 'the method with one random teacher resolution per sample, no cache',
             f'{METHOD}_one-res'),
    _student('paper-form', "the paper's form: plain KL + cosine feature term, adversarial "
             'lambda in [0, 1], no task loss, uniform sampling, teacher-las',
             f'paper-form/reactnet-paper_{METHOD[len("reactnet_"):]}', 'teacher-las'),
]


def _on_set(rows: list, n_max: int, rho: int, epochs: int) -> list:
    """``rows`` on another Fashion-MNIST-LT set (``n_max``, ``rho``): the students trained for
    ``epochs`` epochs (cosine decay over them, plus a row's own ``epoch_options(epochs)``) with
    batch 128 (as these tables were measured), the teachers' calibration unchanged (30 epochs,
    cached features)."""
    data = (f'train_dataloader.dataset.n_max={n_max}', f'train_dataloader.dataset.rho={rho}')
    teachers = {row['name'] for row in TEACHERS}
    out = []
    for row in rows:
        options = [*row.get('options', ()), *data]
        if row['name'] in teachers:
            out.append(dict(row, options=options))
            continue
        options += [f'param_scheduler.0.T_max={epochs}', *_batch(128),
                    *row.get('epoch_options', lambda _: ())(epochs)]
        out.append(dict(row, options=options, epochs=epochs))
    return out


def _large_set_table(rho: int, epochs: int) -> dict:
    return dict(
        title=f'Calibrate and Distill on Fashion-MNIST-LT (n_max 6000, rho {rho}): ReActNet-A '
        f'(width 0.25) students, {epochs} epochs, batch 128; EfficientNet-Lite0 teachers. No '
        'held-out split: the head class uses all 6,000 of its training images (the defaults '
        'are the ones chosen on n_max 1000, rho 100, before batch 32)',
        rows=_on_set(MAIN_ROWS, 6000, rho, epochs),
        # the main table's overall targets (these sets have no few-shot class)
        targets=MAIN_TARGETS[:2])


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
        '(width 0.25) students, 20 epochs, batch 32; EfficientNet-Lite0 teachers',
        heldout_val=HELDOUT_VAL,
        rows=MAIN_ROWS,
        targets=MAIN_TARGETS),
    # The larger sets (6x and 10x the images of the main table). 5-epoch students ended far
    # from their own epoch-4 checkpoints (benchmarks/results/previous/fmnist_lt_n6000_*): rho
    # 100 trains the main table's 20 epochs; rho 10 10 epochs (5x the main table's training
    # samples), for the time 20 would take on 2 cores.
    'fmnist_lt_n6000_r100': _large_set_table(100, epochs=20),
    'fmnist_lt_n6000_r10': _large_set_table(10, epochs=10),
    # Variants of the method's defaults, chosen on the held-out balanced validation split.
    # Their teacher is the main table's (run `--table fmnist_lt_main --rows teacher` first).
    'fmnist_lt_variants': dict(
        title='Variants of the method on Fashion-MNIST-LT (n_max 1000, rho 100), seed 0: '
        'defaults are chosen on the held-out validation split. Batch 128 unless the row names '
        'its batch (the default until the batch rows chose 32)',
        heldout_val=HELDOUT_VAL,
        rows=[
            *_at_batch_128([
                _variant('method', 'default: square-root sampling, KD prior-adjusted on both '
                         'sides + balanced-softmax task loss (both strength 0.5)', METHOD),
                _variant('no-task-loss', 'no task loss (distillation terms only)',
                         f'{METHOD}_no-task-loss'),
                _variant('instance-sampling', 'uniform sampling, KD prior-adjusted on both sides '
                         '(strength 1), no task loss (the earlier default)',
                         f'{METHOD}_instance-sampling'),
                _variant('balanced-sampling', 'class-balanced sampling, plain KD',
                         f'{METHOD}_balanced-sampling'),
                _variant('balanced-sampling-slots8', 'class-balanced sampling, plain KD, 8 '
                         'augmentation slots per image', f'{METHOD}_balanced-sampling',
                         options=('train_dataloader.dataset.dataset.pipeline.1.num_slots=8', )),
                _variant('balanced-sampling-tau2', 'class-balanced sampling, plain KD, '
                         'temperature 2', f'{METHOD}_balanced-sampling',
                         options=('model.kd_loss.tau=2.0', )),
                _variant('balanced-sampling-ce', 'class-balanced sampling, plain KD + '
                         'cross-entropy task loss', f'{METHOD}_balanced-sampling',
                         options=('model.task_loss._delete_=True',
                                  'model.task_loss.type=CrossEntropyLoss')),
                _variant('no-cache', 'no teacher-output cache (the teacher runs on every batch, '
                         'augmentations not limited to 4 per image)', f'{METHOD}_no-cache'),
                # a longer schedule for the student (cosine over 40 epochs), method and baseline
                _variant('method-40e', 'default, 40 epochs', METHOD, options=COSINE_40E,
                         epochs=40),
                _variant('balanced-sampling-40e', 'class-balanced sampling, plain KD, 40 epochs',
                         f'{METHOD}_balanced-sampling', options=COSINE_40E, epochs=40),
                dict(_baseline('balanced-softmax', 'balanced softmax, 40 epochs'),
                     name='balanced-softmax-40e', options=COSINE_40E, epochs=40),
            ]),
            # smaller batches: 4x (8x) the optimiser steps in the same 20 epochs; batch 32 is
            # the default since (16 is within the seed spread on the held-out split, and slower)
            _variant('method-bs32', 'default, batch 32', METHOD, options=_batch(32)),
            dict(_baseline('balanced-softmax', 'balanced softmax, batch 32'),
                 name='balanced-softmax-bs32', options=_batch(32)),
            _variant('method-bs16', 'default, batch 16', METHOD,
                     options=_batch(16)),
            dict(_baseline('balanced-softmax', 'balanced softmax, batch 16'),
                 name='balanced-softmax-bs16', options=_batch(16)),
            _variant('method-bs32-slots8', 'default, batch 32, 8 augmentation slots per image',
                     METHOD, options=(*_batch(32),
                                      'train_dataloader.dataset.dataset.pipeline.1.num_slots=8')),
            # the width-0.25 students fit only about 85% of their own training images (clean,
            # per class): a wider student, method and baseline
            _variant('method-bs32-w0.5', 'default, batch 32, width 0.5', METHOD,
                     options=WIDTH_05),
            dict(_baseline('balanced-softmax', 'balanced softmax, batch 32, width 0.5'),
                 name='balanced-softmax-bs32-w0.5', options=WIDTH_05),
            # the students fit only 79-84% of their training images in 20 epochs: twice the
            # optimiser steps (cosine over 40 epochs), method and baseline
            _variant('method-bs32-40e', 'default, batch 32, 40 epochs', METHOD,
                     options=COSINE_40E, epochs=40),
            dict(_baseline('balanced-softmax', 'balanced softmax, batch 32, 40 epochs'),
                 name='balanced-softmax-bs32-40e', options=COSINE_40E, epochs=40),
            # the share of the feature term: a fixed lambda (KD weight) of 0.2 and 0.8
            *[_variant(f'method-bs32-lambda{lam}',
                       f'default, batch 32, fixed lambda {lam} (KD weight)', METHOD,
                       options=('model.balancer._delete_=True',
                                'model.balancer.type=FixedBalancer', f'model.balancer.lam={lam}',
                                'model.balancer.normalize_terms=True'))
              for lam in (0.2, 0.8)],
        ]),
    # Timings: one run at a time (`--jobs 1`) on an otherwise idle machine. Batch 32, the
    # default; the batch-128 table is benchmarks/results/previous/fmnist_lt_cost_bs128.md, the
    # lazily filled cache (before TeacherCachePrefillHook)
    # previous/fmnist_lt_cost_bs32_lazy-cache.md.
    'fmnist_lt_cost': dict(
        title='Training cost on Fashion-MNIST-LT (n_max 1000, rho 100): ReActNet-A (width 0.25) '
        'student, batch 32, one process, one thread, nothing else running',
        test=False,
        jobs=1,
        rows=[
            dict(_baseline('ce', 'cross-entropy'), label='binary, plain cross-entropy (5 epochs)',
                 epochs=5),
            _variant('no-cache', 'the method without the cache (all 3 teacher resolutions every '
                     'batch, 3 epochs)', f'{METHOD}_no-cache', epochs=3),
            _variant('one-res', 'resolution subset: one random teacher resolution per sample, '
                     'no cache (3 epochs)', f'{METHOD}_one-res', epochs=3),
            _variant('method', 'the method (all 3 resolutions made inside the teacher, '
                     'teacher-output cache filled before training, 20 epochs)', METHOD),
        ]),
}
