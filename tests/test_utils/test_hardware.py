"""cpu_bfloat16_native: bfloat16 counts as native only where the CPU computes it."""
import pytest
import torch

from mmltbin.utils import cpu_bfloat16_native, hardware


@pytest.mark.parametrize('onednn,avx512_bf16,amx,machine,native', [
    (False, False, False, 'x86_64', False),  # AVX2 only: oneDNN has no bfloat16
    (True, False, False, 'x86_64', False),  # AVX-512 without BF16: oneDNN emulates it
    (True, True, False, 'x86_64', True),
    (True, False, True, 'x86_64', True),
    (True, False, False, 'aarch64', True),  # oneDNN runs bfloat16 on Arm only in hardware
])
def test_bfloat16_is_native_only_with_the_instructions(monkeypatch, onednn, avx512_bf16, amx,
                                                        machine, native):
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', lambda: onednn)
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported', lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: amx)
    monkeypatch.setattr(hardware.platform, 'machine', lambda: machine)
    assert hardware.cpu_bfloat16_native() is native


def test_this_cpu_agrees_with_its_flags():
    flags = open('/proc/cpuinfo').read() if hardware.platform.system() == 'Linux' else None
    if flags is None or hardware.platform.machine().lower() not in hardware.X86:
        pytest.skip('reads the x86 flags of /proc/cpuinfo')
    has = any(f' {f}' in flags for f in ('avx512_bf16', 'amx_tile'))
    assert cpu_bfloat16_native() == (has and torch.ops.mkldnn._is_mkldnn_bf16_supported())
