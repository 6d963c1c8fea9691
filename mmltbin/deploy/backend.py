"""Importing OpenVINO, an optional dependency (the ``deploy`` extra)."""
import importlib

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
