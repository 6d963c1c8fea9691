"""A tiny real-data long-tailed training run for tests of LT losses, heads and hooks.

sklearn digits (ships with scikit-learn), long-tailed by LongTailDataset (n_max 40, rho 10:
40, 31, 24, 18, 14, 11, 8, 6, 5, 4 images), the small GroupNorm CNN of tests/data/digits_tiny.py.
"""
import os.path as osp
from typing import Optional

from mmengine.config import Config

from toolrun import TEST_DATA

LT_TRAIN = dict(type='LongTailDataset', n_max=40, rho=10)


def digits_lt_config(work_dir: str, loss: Optional[dict] = None, max_epochs: int = 2,
                     **overrides) -> Config:
    """The tiny digits config on a long-tailed training set, ready for ``Runner.from_cfg``."""
    cfg = Config.fromfile(osp.join(TEST_DATA, 'digits_tiny.py'))
    cfg.train_dataloader.dataset = dict(LT_TRAIN, dataset=cfg.train_dataloader.dataset)
    cfg.train_dataloader.batch_size = 16
    if loss is not None:
        cfg.model.head.loss = loss
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.param_scheduler = []
    cfg.log_level = 'WARNING'
    cfg.merge_from_dict(overrides)
    return cfg


# The tiny digits CNN with BatchNorm, fixed weights (lr 0) and the 159 long-tailed digits in 53
# batches of 3: the mean of the per-batch means of a layer's input is its mean over the whole
# set, whatever the shuffling (what a BatchNorm re-estimation must give for the first layer).
BN_DIGITS = {'model.backbone.norm_cfg': dict(_delete_=True, type='BN'),
             'train_dataloader.batch_size': 3,
             'optim_wrapper.optimizer.lr': 0.0}


def stem_input_mean(runner) -> 'torch.Tensor':
    """Per-channel mean of what the first BatchNorm of ``runner.model`` sees over the whole
    training set (eval mode, so nothing is updated)."""
    import torch
    model = runner.model
    seen = []
    handle = model.backbone.norm1.register_forward_hook(
        lambda module, args, out: seen.append(args[0].mean(dim=(0, 2, 3))))
    model.eval()
    with torch.no_grad():
        for data in runner.build_dataloader(runner.cfg.train_dataloader):
            model(**model.data_preprocessor(data, False))
    handle.remove()
    return torch.stack(seen).mean(0)



#: The tiny real-data distillation config (digits, long-tailed; the teacher checkpoint is set by
#: each test through model.teacher.checkpoint).
DISTILL_DIGITS = osp.join(osp.dirname(__file__), 'test_models', 'test_classifiers', 'data',
                          'distill_digits.py')


def save_digits_teacher(path: str, std: Optional[float] = None) -> str:
    """Save a checkpoint of the teacher of :data:`DISTILL_DIGITS` (seeded initialisation; with
    ``std``, weights redrawn from N(0, std), far from any default initialisation)."""
    import copy

    import torch
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    torch.manual_seed(1)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MODELS.build(copy.deepcopy(Config.fromfile(DISTILL_DIGITS).teacher_classifier))
    if std is not None:
        for param in teacher.parameters():
            param.data.normal_(0, std)
    torch.save({'state_dict': teacher.state_dict(), 'meta': {}}, path)
    return path
