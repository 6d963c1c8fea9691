"""What the CPU computes natively."""
import platform

import torch

#: ``platform.machine()`` of the x86 CPUs, where oneDNN emulates bfloat16 on AVX-512
X86 = frozenset({'x86_64', 'amd64', 'i386', 'i686'})


def cpu_bfloat16_native() -> bool:
    """Whether this CPU computes bfloat16 in hardware, so that ``torch.autocast('cpu',
    torch.bfloat16)`` is faster than float32.

    oneDNN runs bfloat16 on any x86 CPU with AVX-512 (``torch.ops.mkldnn
    ._is_mkldnn_bf16_supported()``), but without AVX-512 BF16 or AMX it converts every value to
    float32 and back, which costs more than staying in float32 (docs/teachers.md). On Arm
    oneDNN runs bfloat16 only where the CPU has it.

    Example:
        >>> isinstance(cpu_bfloat16_native(), bool)
        True
    """
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False
    if platform.machine().lower() not in X86:
        return True
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
