"""Let mmengine resolve ``mmltbin::`` base configs."""
from mmengine.config.utils import MODULE2PACKAGE


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
