"""Shared helpers for mmltbin's tests (importable because setup.cfg puts tests/ on sys.path)."""
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_DATA = osp.join(REPO_ROOT, 'tests', 'data')
FASHION_MNIST_ROOT = osp.join(REPO_ROOT, 'data', 'fashion_mnist')


def run_tool(args: List[str], cwd: Optional[str] = None, timeout: int = 600,
             extra_env: Optional[dict] = None,
             repo_on_path: bool = True) -> subprocess.CompletedProcess:
    """Run a command with the test interpreter's environment.

    With ``repo_on_path`` the repository root and tests/data (the test-only hooks) are put on
    PYTHONPATH; without it the command sees mmltbin only as installed, as a user would.
    """
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    if repo_on_path:
        env['PYTHONPATH'] = os.pathsep.join([TEST_DATA, REPO_ROOT])
    env['OMP_NUM_THREADS'] = '1'
    env.update(extra_env or {})
    return subprocess.run(args, cwd=cwd or REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def python_tool(script: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return run_tool([sys.executable, osp.join(REPO_ROOT, 'tools', script), *args], **kwargs)


#: What a rank prints when it dies in a native abort at gloo start-up (an intermittent crash
#: of torch's CPU process group on this stack, not a result of the code under test).
NATIVE_ABORT = 'terminate called without an active exception'


def dist_train(config: str, nprocs: int, *args: str, timeout: int = 600
               ) -> subprocess.CompletedProcess:
    """``tools/dist_train.sh CONFIG NPROCS ARGS`` on a free port (gloo on a CPU machine).

    A launch whose rank died of :data:`NATIVE_ABORT` is started once more on a new port; any
    other failure (and a second abort) is returned as it is.
    """
    command = ['bash', osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), str(config), str(nprocs),
               *args]
    for attempt in range(2):
        proc = run_tool(command, timeout=timeout,
                        extra_env={'PORT': str(free_port()), 'PYTHON': sys.executable})
        if proc.returncode == 0 or NATIVE_ABORT not in proc.stderr + proc.stdout:
            break
    return proc


def free_port() -> int:
    """A TCP port free on this machine (for a torchrun rendezvous)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def checkpoint_state_dict(path: str) -> dict:
    """The ``state_dict`` of a checkpoint, loaded safely."""
    from mmltbin.utils import load_checkpoint_safely
    ckpt = load_checkpoint_safely(path)
    return ckpt.get('state_dict', ckpt)


def assert_ok(proc: subprocess.CompletedProcess) -> None:
    """Fail with the end of the command's output unless it exited with 0."""
    assert proc.returncode == 0, (f'exit {proc.returncode}\n{proc.stdout[-3000:]}\n'
                                  f'{proc.stderr[-5000:]}')
