"""Importing OpenVINO, an optional dependency (the ``deploy`` extra), and its one ``Core``."""
import functools
import importlib
from typing import Any

INSTALL_HINT = ('OpenVINO is not installed; it is the optional "deploy" extra: '
                'pip install -c requirements/constraints.txt -e ".[deploy]" '
                '(or: pip install -r requirements/deploy.txt)')


def openvino_available() -> bool:
    """Whether ``import openvino`` works.

    Example:
        >>> isinstance(openvino_available(), bool)
        True
    """
    try:
        importlib.import_module('openvino')
    except ImportError:
        return False
    return True


def import_openvino():
    """``(openvino, openvino.opset13)``, or an ImportError that says how to install it.

    Example:
        >>> ov, ops = import_openvino()  # doctest: +SKIP
    """
    try:
        ov = importlib.import_module('openvino')
        ops = importlib.import_module('openvino.opset13')
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    return ov, ops


@functools.lru_cache(maxsize=None)
def openvino_core() -> Any:
    """The process's one ``openvino.Core``, made on first use.

    One ``Core`` per application is OpenVINO's advice (it owns the device plugins): a process
    that made one per compiled model corrupted its heap and crashed later (CHANGELOG).

    Example:
        >>> openvino_core() is openvino_core()  # doctest: +SKIP
        True
    """
    ov, _ = import_openvino()
    return ov.Core()
