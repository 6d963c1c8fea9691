"""Check an exported model against the original on real images of a config's test set."""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.config import Config


def model_config(cfg: Config) -> dict:
    """``cfg.model`` with the top-level ``data_preprocessor`` folded in, as the Runner does."""
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None and 'data_preprocessor' not in model_cfg:
        model_cfg['data_preprocessor'] = cfg.data_preprocessor
    return model_cfg


def first_test_images(cfg: Config, model: nn.Module,
                      num_images: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """The first ``num_images`` of the config's test set, preprocessed by ``model``.

    Args:
        cfg (Config): A config with ``test_dataloader`` (e.g. a training config).
        model (nn.Module): An mmpretrain model; its ``data_preprocessor`` prepares the batch.
        num_images (int): How many images.

    Returns:
        tuple: ``inputs`` (N, C, H, W) float tensor and ``labels`` (N, ) long tensor.
    """
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    if not cfg.get('test_dataloader'):
        raise KeyError('first_test_images: the config has no test_dataloader')
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader_cfg = cfg.test_dataloader.copy()
    loader_cfg.update(batch_size=num_images, num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(loader_cfg)))
    data = model.data_preprocessor(batch, False)
    labels = torch.tensor([int(s.gt_label) for s in data['data_samples']])
    return data['inputs'], labels


@torch.no_grad()
def max_output_difference(original: nn.Module, other: nn.Module,
                          inputs: torch.Tensor) -> Tuple[float, float]:
    """Max ``|original(x) - other(x)|`` and max ``|original(x)|`` over ``inputs`` (eval mode).

    mmpretrain classifiers run with ``mode='tensor'`` (logits); other modules are called
    directly, and tuple outputs are compared element by element.
    """
    def run(model):
        model.eval()
        out = model(inputs, mode='tensor') if hasattr(model, 'data_preprocessor') \
            else model(inputs)
        return out if isinstance(out, (tuple, list)) else (out, )

    diffs, refs = [], []
    for ref, out in zip(run(original), run(other)):
        diffs.append((ref - out).abs().max().item())
        refs.append(ref.abs().max().item())
    return max(diffs), max(refs)
