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
                       tolerance: float = LOGIT_TOLERANCE,
                       torch_batch1: bool = False) -> Dict[str, Any]:
    """Logits and top-1 of the exported model (run one image at a time) against torch.

    Args:
        cfg (Config): Config with a ``test_dataloader``.
        model (nn.Module): The torch classifier (eval mode; batches of ``batch_size``).
        exported (str | OpenVINOModel): The exported folder, or a loaded one.
        num_images (int, optional): The first images of the test set; default all.
        batch_size (int): Torch's batch. Defaults to 64.
        tolerance (float): Largest accepted ``|logit difference|``. Defaults to 1e-4.
        torch_batch1 (bool): Also run torch one image at a time, and count the images whose
            torch logits at batch 1 and in batches differ by more than ``tolerance``: rounding
            alone flips a sign that lies within rounding of its threshold, in torch as in the
            export. Defaults to False.

    Returns:
        dict: ``images``, ``max_abs_diff``, ``within_tolerance`` (images whose logits all lie
        within it), ``top1_agreement`` (fraction), ``kernel_ok``, ``message``, the torch
        model's ``torch_predictions`` with the ``labels`` (lists), and with ``torch_batch1``
        ``torch_batch1_within_tolerance`` and ``torch_batch1_top1_agreement`` (torch at batch
        1 against torch in batches) and ``within_tolerance_of_torch_batch1`` (the export
        against torch at batch 1).

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
    self_diffs, self_agree, b1_diffs = [], [], []
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
            if torch_batch1:
                single = model(torch.from_numpy(image[None]), mode='tensor').numpy()[0]
                self_diffs.append(float(np.abs(single - ref).max()))
                self_agree.append(bool(single.argmax() == ref.argmax()))
                b1_diffs.append(float(np.abs(out - single).max()))
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
    if torch_batch1:
        report.update(
            torch_batch1_within_tolerance=int((np.asarray(self_diffs) <= tolerance).sum()),
            torch_batch1_top1_agreement=float(np.mean(self_agree)),
            within_tolerance_of_torch_batch1=int((np.asarray(b1_diffs) <= tolerance).sum()))
    report['message'] = (
        f'exported vs torch on {report["images"]} test images (exported at batch 1): max |logit '
        f'difference| {report["max_abs_diff"]:.2e}; {report["within_tolerance"]} images within '
        f'{tolerance:g}; top-1 agreement {100 * report["top1_agreement"]:.2f}%\n'
        f'kernel: {kernel[1]}')
    if torch_batch1:
        report['message'] += (
            f'\ntorch at batch 1 vs torch at batch {batch_size}: '
            f'{report["torch_batch1_within_tolerance"]} images within {tolerance:g}, top-1 '
            f'agreement {100 * report["torch_batch1_top1_agreement"]:.2f}%; exported vs torch '
            f'at batch 1: {report["within_tolerance_of_torch_batch1"]} images within '
            f'{tolerance:g}')
    return report
