"""Deployment of binary classifiers: OpenVINO graphs with 1-bit convolutions.

OpenVINO is optional (the ``deploy`` extra); importing this package does not need it, building
or running a graph does.
"""
from .backend import INSTALL_HINT, import_openvino, openvino_available
from .graph import UnsupportedLayerError, build_openvino_model, has_binary_layers

__all__ = [
    'INSTALL_HINT', 'import_openvino', 'openvino_available', 'UnsupportedLayerError',
    'build_openvino_model', 'has_binary_layers'
]
