"""Distributed start-up that works on GPUs (nccl) and CPU-only machines (gloo)."""
import os
from datetime import timedelta

import torch
import torch.distributed as dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> Config:
    """Make a launched (``--launcher pytorch|slurm``) run work on a machine without CUDA.

    mmengine's launcher calls ``torch.cuda.set_device`` unconditionally and wraps the model in
    DDP with ``device_ids=[LOCAL_RANK]``; both fail on CPU. When ``cfg.launcher`` is not
    ``'none'`` and no GPU is visible, this initialises a gloo process group from the torchrun
    (or slurm) environment before the Runner is built (mmengine then skips its own
    initialisation) and sets ``model_wrapper_cfg`` to CPU DDP. With a GPU it changes nothing.

    Args:
        cfg (Config): The training/test config (``launcher`` already set).

    Returns:
        Config: The same config, possibly with ``model_wrapper_cfg`` added.

    Example:
        >>> from mmengine.config import Config
        >>> cfg = prepare_cpu_distributed(Config(dict(launcher='none')))
        >>> 'model_wrapper_cfg' in cfg
        False
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return cfg
    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            import subprocess
            nodes = os.environ['SLURM_NODELIST']
            os.environ['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {nodes} | head -n1')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher {launcher} needs the environment variables {missing}; '
                           'start the run with tools/dist_train.sh (torchrun) or slurm')
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
        dist.init_process_group(backend='gloo', timeout=timedelta(seconds=timeout))
    wrapper = dict(cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return cfg


def destroy_process_group() -> None:
    """Shut the default process group down cleanly at the end of a launched run (no-op otherwise).

    Leaving a gloo group to the interpreter's exit can abort a rank after its work is done.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
