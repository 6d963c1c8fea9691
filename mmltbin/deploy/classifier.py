"""An exported OpenVINO model as an mmengine model, so the usual test loop evaluates it."""
from collections.abc import Mapping
from typing import List, Optional

import torch
from mmengine.model import BaseModel
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .runtime import OpenVINOModel, check_binary_kernel


@MODELS.register_module()
class OpenVINOClassifier(BaseModel):
    """Runs an exported model folder; ``tools/test.py``'s loop and metrics work unchanged.

    Args:
        model_dir (str): Folder written by :func:`~mmltbin.deploy.export_openvino` (or its
            ``model.xml``).
        num_threads (int, optional): CPU threads. Defaults to the plugin's choice.
        data_preprocessor (dict, optional): The exported model's own preprocessor (its inputs
            are the preprocessor's outputs). A ``MultiResDataPreprocessor`` gives the student
            view.

    Example:
        >>> # in a test config, in place of the trained model
        >>> model = dict(type='OpenVINOClassifier', model_dir='work_dirs/deploy',
        ...              data_preprocessor=dict(type='ClsDataPreprocessor', mean=[72.94] * 3,
        ...                                     std=[90.02] * 3))
    """

    def __init__(self, model_dir: str, num_threads: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='ClsDataPreprocessor'))
        self.net = OpenVINOModel(model_dir, num_threads=num_threads)
        self._kernel_checked = False
        self.kernel_ok: Optional[bool] = None
        self.kernel_message = ''

    def forward(self, inputs, data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        if isinstance(inputs, Mapping):  # MultiResDataPreprocessor: the student's view
            inputs = inputs['student']
        logits = torch.from_numpy(self.net(inputs.detach().cpu().numpy()))
        if not self._kernel_checked:
            self.kernel_ok, self.kernel_message = check_binary_kernel(
                self.net.compiled(inputs.shape), self.net.binary_layers())
            self._kernel_checked = True
        if mode == 'tensor':
            return logits
        if mode != 'predict':
            raise RuntimeError(f'OpenVINOClassifier runs inference only (mode "tensor" or '
                               f'"predict"), got mode="{mode}"')
        scores = logits.softmax(dim=1)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(logits))]
        for sample, score in zip(data_samples, scores):
            sample.set_pred_score(score).set_pred_label(score.argmax(keepdim=True))
        return data_samples
