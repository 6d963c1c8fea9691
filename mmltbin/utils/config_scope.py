"""Let mmengine resolve ``mmltbin::`` base configs."""
import os.path as osp

from mmengine.config import config as mmengine_config
from mmengine.config.utils import MODULE2PACKAGE

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
_original_get_installed_path = mmengine_config.get_installed_path


def _get_installed_path(package: str) -> str:
    """mmengine's look-up, except that mmltbin answers for itself.

    mmengine derives a package's folder from its distribution's location, which is wrong for
    editable installs (PEP 660 puts only a finder hook in site-packages). The imported package
    knows where it is, whatever the install mode.
    """
    if package == 'mmltbin':
        return PACKAGE_DIR
    return _original_get_installed_path(package)


def enable_mmltbin_configs() -> None:
    """Teach mmengine that the ``mmltbin::`` prefix names the installed ``mmltbin`` package.

    mmengine only resolves ``package::path`` bases for packages listed in its
    ``MODULE2PACKAGE`` table; importing :mod:`mmltbin` adds itself there, so a config outside
    this repository can write ``_base_ = 'mmltbin::_base_/default_runtime.py'``. The configs are
    read from ``mmltbin/.mim/configs`` (copied at install time, linked for editable installs).

    Example:
        >>> import mmltbin  # calls this function
        >>> from mmengine.config.utils import MODULE2PACKAGE
        >>> MODULE2PACKAGE['mmltbin']
        'mmltbin'
    """
    MODULE2PACKAGE.setdefault('mmltbin', 'mmltbin')
    mmengine_config.get_installed_path = _get_installed_path
