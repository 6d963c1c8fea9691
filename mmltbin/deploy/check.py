"""Compare an exported model with the torch model it came from, on a config's test images."""
from collections.abc import Mapping
from typing import Any, Dict, Optional, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config

from .runtime import OpenVINOModel, check_binary_kernel

#: logits of the exported model at batch 1 are expected within this of torch's
LOGIT_TOLERANCE = 1e-4


def _student_inputs(inputs):
    return inputs['student'] if isinstance(inputs, Mapping) else inputs


@torch.no_grad()
def compare_with_torch(cfg: Config, model: nn.Module, exported: Union[str, OpenVINOModel],
                       num_images: Optional[int] = None, batch_size: int = 64,
                       tolerance: float = LOGIT_TOLERANCE) -> Dict[str, Any]:
    """Logits and top-1 of the exported model (run one image at a time) against torch.

    Args:
        cfg (Config): Config with a ``test_dataloader``.
        model (nn.Module): The torch classifier (eval mode; batches of ``batch_size``).
        exported (str | OpenVINOModel): The exported folder, or a loaded one.
        num_images (int, optional): The first images of the test set; default all.
        batch_size (int): Torch's batch. Defaults to 64.
        tolerance (float): Largest accepted ``|logit difference|``. Defaults to 1e-4.

    Returns:
        dict: ``images``, ``max_abs_diff``, ``within_tolerance`` (images whose logits all lie
        within it), ``top1_agreement`` (fraction), ``kernel_ok``, ``message``, and the torch
        model's ``torch_predictions`` with the ``labels`` (lists).

    Example:
        >>> report = compare_with_torch(cfg, model, 'work_dirs/deploy', 64)  # doctest: +SKIP
        >>> report['top1_agreement']  # doctest: +SKIP
        1.0
    """
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    net = exported if isinstance(exported, OpenVINOModel) else OpenVINOModel(exported)
    loader_cfg = cfg.test_dataloader.copy()
    loader_cfg.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    model.eval()
    diffs, agree, kernel, predictions, labels = [], [], None, [], []
    for batch in Runner.build_dataloader(loader_cfg):
        data = model.data_preprocessor(batch, False)
        inputs = _student_inputs(data['inputs'])
        if num_images is not None:
            inputs = inputs[:num_images - len(diffs)]
        reference = model(inputs, mode='tensor').numpy()
        predictions += reference.argmax(1).tolist()
        labels += [int(s.gt_label) for s in data['data_samples'][:len(inputs)]]
        for image, ref in zip(inputs.numpy(), reference):
            out = net(image[None])[0]
            diffs.append(float(np.abs(out - ref).max()))
            agree.append(bool(out.argmax() == ref.argmax()))
        if kernel is None:
            kernel = check_binary_kernel(net.compiled((1, ) + tuple(inputs.shape[1:])),
                                         net.binary_layers())
        if num_images is not None and len(diffs) >= num_images:
            break
    diffs_arr = np.asarray(diffs)
    report = dict(images=len(diffs), max_abs_diff=float(diffs_arr.max()),
                  within_tolerance=int((diffs_arr <= tolerance).sum()), tolerance=tolerance,
                  top1_agreement=float(np.mean(agree)), kernel_ok=kernel[0],
                  kernel=kernel[1], torch_batch_size=batch_size,
                  torch_predictions=predictions, labels=labels)
    report['message'] = (
        f'exported vs torch on {report["images"]} test images (exported at batch 1): max |logit '
        f'difference| {report["max_abs_diff"]:.2e}; {report["within_tolerance"]} images within '
        f'{tolerance:g}; top-1 agreement {100 * report["top1_agreement"]:.2f}%\n'
        f'kernel: {kernel[1]}')
    return report
