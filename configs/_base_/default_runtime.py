# Runtime shared by every mmltbin config: mmpretrain's scope plus mmltbin's components.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmltbin'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the last checkpoint of every epoch so `--resume auto` can always continue; written
    # atomically, so a crash while saving leaves the previous one usable
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=2, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # every random draw of the training pipelines (in any worker) and of the main process a
    # function of (seed, epoch, sample): `--resume auto` continues with exactly the draws of
    # the uninterrupted run
    epoch_seed=dict(type='EpochSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # pushes the training set's per-class counts (metainfo['class_counts'] of LongTailDataset,
    # or the checkpoint's dataset_meta when only testing) into LT losses, heads and ShotAccuracy;
    # a no-op for models that need no counts
    class_counts=dict(type='ClassCountsHook'),
    # checks before the first step, each naming the config key to fix: the heads' num_classes
    # against the dataset; with a teacher-output cache, that aug_key fixes the pixels
    num_classes_check=dict(type='NumClassesCheckHook'),
    teacher_cache_check=dict(type='TeacherCacheCheckHook'),
    # a NaN / infinite loss term or balancing weight stops training before it is checkpointed
    finite_loss=dict(type='FiniteLossHook'),
    # a model.head.in_channels that is not the backbone's width fails here, naming both
    head_in_channels=dict(type='HeadInChannelsCheckHook'),
    # after the last epoch, before the last checkpoint: BatchNorm statistics of the final
    # weights, re-estimated on training images; a binary network's running averages can end
    # far from them and its evaluation collapse (docs/backbones.md); num_samples=0 trains as
    # the records made before this default
    precise_bn=dict(type='FinalPreciseBNHook', num_samples=8192),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPUs; tools/train.py switches to gloo on CPU-only machines
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
