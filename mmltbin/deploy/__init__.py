"""Deployment of binary classifiers: OpenVINO graphs with 1-bit convolutions.

OpenVINO is optional (the ``deploy`` extra); importing this package does not need it, building
or running a graph does (an ImportError then says how to install it).
"""
from .backend import INSTALL_HINT, import_openvino, openvino_available, openvino_core
from .classifier import OpenVINOClassifier
from .exporter import export_openvino, fp32_bytes, load_classifier, read_deploy_info
from .graph import UnsupportedLayerError, build_openvino_model, has_binary_layers
from .runtime import (OpenVINOModel, check_binary_kernel, compile_config, execution_kernels,
                      kernel_summary)
from .signs import exported_sign_codes, first_sign_flip, record_sign_margins

__all__ = [
    'INSTALL_HINT', 'import_openvino', 'openvino_available', 'openvino_core',
    'OpenVINOClassifier',
    'export_openvino', 'fp32_bytes', 'load_classifier', 'read_deploy_info',
    'UnsupportedLayerError', 'build_openvino_model', 'has_binary_layers', 'OpenVINOModel',
    'check_binary_kernel', 'compile_config', 'execution_kernels', 'kernel_summary',
    'exported_sign_codes', 'first_sign_flip', 'record_sign_margins'
]
