"""Compare an exported model with the torch model it came from, on a config's test images."""
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config

from .runtime import OpenVINOModel, check_binary_kernel
from .signs import TIE_MARGIN, first_sign_flip, record_sign_margins

#: logits of the exported model at batch 1 are expected within this of torch's
LOGIT_TOLERANCE = 1e-4


def _student_inputs(inputs):
    return inputs['student'] if isinstance(inputs, Mapping) else inputs


@torch.no_grad()
def compare_with_torch(cfg: Config, model: nn.Module, exported: Union[str, OpenVINOModel],
                       num_images: Optional[int] = None, batch_size: int = 64,
                       tolerance: float = LOGIT_TOLERANCE,
                       torch_batch1: bool = False,
                       tie_margin: float = TIE_MARGIN) -> Dict[str, Any]:
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
            export. Then every image whose exported logits differ from torch's at batch 1 by
            more than ``tolerance`` is traced to the first sign layer where the two disagree
            (:func:`~mmltbin.deploy.signs.first_sign_flip`). Defaults to False.
        tie_margin (float): With ``torch_batch1``, a sign input within this of its threshold
            counts as a tie. Defaults to 1e-5.

    Returns:
        dict: ``images``, ``max_abs_diff``, ``within_tolerance`` (images whose logits all lie
        within it), ``top1_agreement`` (fraction), ``kernel_ok``, ``message``, the torch
        model's ``torch_predictions`` with the ``labels`` (lists), and with ``torch_batch1``
        ``torch_batch1_within_tolerance`` and ``torch_batch1_top1_agreement`` (torch at batch
        1 against torch in batches), ``within_tolerance_of_torch_batch1`` and
        ``top1_agreement_torch_batch1`` (the export against torch at batch 1),
        ``images_with_ties`` (images with a tie in torch at batch 1),
        ``max_abs_diff_torch_batch1_no_ties`` (the export against torch at batch 1 on the
        images without one), ``max_abs_diff_torch_batch1_within`` (on the images within
        ``tolerance``), ``beyond_tolerance_torch_batch1`` (a dict of
        :func:`~mmltbin.deploy.signs.first_sign_flip` per image beyond ``tolerance``, with
        ``image``, ``ties`` and ``max_abs_diff``) and ``beyond_tolerance_at_ties`` (how many of
        those start at a flipped sign that is a tie).

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
    flips: List[Dict[str, Any]] = []  # with torch_batch1: images beyond tolerance, explained
    diffs, agree, kernel, predictions, labels = [], [], None, [], []
    single_runs = []  # with torch_batch1: per image (vs batch, vs export, agreement, ties)
    with record_sign_margins(model) as margins:
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
                    ties = sum(int((m.abs() < tie_margin).sum()) for m in margins.values())
                    single_runs.append((float(np.abs(single - ref).max()),
                                        float(np.abs(out - single).max()),
                                        single.argmax() == ref.argmax(),
                                        out.argmax() == single.argmax(), ties))
                    if single_runs[-1][1] > tolerance:
                        flips.append(dict(first_sign_flip(model, net, image[None], tie_margin),
                                          image=len(diffs) - 1, ties=ties,
                                          max_abs_diff=single_runs[-1][1]))
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
        self_diffs, b1_diffs, self_agree, b1_agree, ties = map(np.asarray, zip(*single_runs))
        no_ties = ties == 0
        report.update(
            torch_batch1_within_tolerance=int((self_diffs <= tolerance).sum()),
            torch_batch1_top1_agreement=float(self_agree.mean()),
            within_tolerance_of_torch_batch1=int((b1_diffs <= tolerance).sum()),
            top1_agreement_torch_batch1=float(b1_agree.mean()),
            tie_margin=tie_margin, images_with_ties=int((~no_ties).sum()),
            max_abs_diff_torch_batch1_no_ties=float(b1_diffs[no_ties].max(initial=0.0)),
            max_abs_diff_torch_batch1_within=float(
                b1_diffs[b1_diffs <= tolerance].max(initial=0.0)),
            beyond_tolerance_torch_batch1=flips,
            beyond_tolerance_at_ties=sum(f['layer'] is not None and f['all_ties']
                                         for f in flips))
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
            f'{tolerance:g} (the others: {report["beyond_tolerance_at_ties"]} of '
            f'{len(flips)} start at a sign whose torch input lies within {tie_margin:g} of its '
            f'threshold); images with no such tie: max |logit difference| '
            f'{report["max_abs_diff_torch_batch1_no_ties"]:.2e}')
    return report
