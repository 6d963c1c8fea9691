"""Silence the one warning that every mmltbin command would otherwise print.

mmcv-lite (mmcv without compiled ops; classification needs none) warns at import that
``MultiScaleDeformableAttention`` cannot be imported: a detection op mmltbin never uses. Only
that message from that module is ignored; every other warning is shown as before. Imported first
by ``mmltbin/__init__.py``, before anything imports mmcv.

Example:
    >>> import warnings
    >>> import mmltbin  # noqa: F401
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.filterwarnings('always', 'another warning')
    ...     warnings.warn_explicit(MMCV_LITE_MESSAGE, UserWarning, 'transformer.py', 1,
    ...                            module=MMCV_LITE_MODULE)
    ...     warnings.warn_explicit('another warning', UserWarning, 'transformer.py', 2,
    ...                            module=MMCV_LITE_MODULE)
    >>> [str(w.message) for w in seen]
    ['another warning']
"""
import warnings

MMCV_LITE_MODULE = 'mmcv.cnn.bricks.transformer'
MMCV_LITE_MESSAGE = ('Fail to import ``MultiScaleDeformableAttention`` from '
                     '``mmcv.ops.multi_scale_deform_attn``, You should install ``mmcv`` rather '
                     'than ``mmcv-lite`` if you need this module. ')

warnings.filterwarnings('ignore', message=r'Fail to import ``MultiScaleDeformableAttention``',
                        category=UserWarning, module=MMCV_LITE_MODULE.replace('.', r'\.'))
