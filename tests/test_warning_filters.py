"""Importing mmltbin silences mmcv-lite's MultiScaleDeformableAttention warning, and only it."""
import sys

from toolrun import run_tool

# what a user's `python -W default` shows after importing mmltbin (pytest's own warning filters,
# setup.cfg's included, are not in play in a fresh interpreter)
SCRIPT = '''
import warnings
import mmltbin
from mmltbin.warning_filters import MMCV_LITE_MESSAGE, MMCV_LITE_MODULE
for message, module in [(MMCV_LITE_MESSAGE, MMCV_LITE_MODULE),
                        ('another warning', MMCV_LITE_MODULE),
                        (MMCV_LITE_MESSAGE, 'mmltbin.something')]:
    warnings.warn_explicit(message, UserWarning, module + '.py', 1, module=module)
'''


def test_only_the_mmcv_lite_warning_is_silenced():
    proc = run_tool([sys.executable, '-W', 'default', '-c', SCRIPT])
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if 'UserWarning' in line]
    assert lines == ['mmcv.cnn.bricks.transformer.py:1: UserWarning: another warning',
                     'mmltbin.something.py:1: UserWarning: Fail to import '
                     '``MultiScaleDeformableAttention`` from ``mmcv.ops.multi_scale_deform_attn``,'
                     ' You should install ``mmcv`` rather than ``mmcv-lite`` if you need this '
                     'module. ']


def test_mmcv_lite_does_warn_without_mmltbin():
    """The filter has something to do: mmcv-lite warns when imported on its own."""
    proc = run_tool([sys.executable, '-W', 'default', '-c', 'import mmcv.cnn.bricks.transformer'])
    assert 'MultiScaleDeformableAttention' in proc.stderr
