"""``mim train|test|run mmltbin ...`` from another folder, with an editable and a wheel install.

Both installs are made from a copy of the checkout into throw-away places (a fresh venv that
sees this interpreter's packages; a ``pip install --target`` folder), so the environment the
tests run in is left as it is.
"""
import glob
import os
import os.path as osp
import shutil
import site
import sys

import mmengine
import pytest

from toolrun import REPO_ROOT, assert_ok, run_tool

# these tests install mmltbin into the environment: one worker runs them all (xdist_group)
pytestmark = pytest.mark.xdist_group('mim')

CONFIG = 'reactnet-a_ce_fashion-mnist-lt.py'  # by name: mim finds it among the package's configs
TINY_TRAIN = ['--no-validate', '--cfg-options', 'train_dataloader.dataset.n_max=8',
              'train_dataloader.dataset.rho=2', 'train_cfg.max_epochs=1',
              'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']
TINY_TEST = ['--cfg-options', 'test_dataloader.dataset.indices=64',
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
NOT_PACKAGED = {'.git', '.ci', '.venv', 'data', 'checkpoints', 'work_dirs', 'build', 'dist',
                'tests', 'benchmarks', 'docs'}


def _copy_checkout(dst: str) -> str:
    """What setup.py packages, copied without build leftovers (``.mim``, egg-info, caches)."""
    def ignore(folder, names):
        skip = {n for n in names if n in ('__pycache__', '.mim') or n.endswith('.egg-info')}
        return skip | (NOT_PACKAGED & set(names) if folder == REPO_ROOT else set())

    shutil.copytree(REPO_ROOT, dst, ignore=ignore, symlinks=True)
    return dst


@pytest.fixture
def run_dir(tmp_path, fashion_mnist_root):
    """An empty folder outside the checkout holding only the data, where a user runs mim."""
    folder = tmp_path / 'elsewhere'
    folder.mkdir()
    os.symlink(osp.dirname(fashion_mnist_root), folder / 'data')
    return str(folder)


def _mim(python, run_dir, *args, pythonpath=None):
    proc = run_tool([python, '-m', 'mim', *args], cwd=run_dir, repo_on_path=False,
                    extra_env={'PYTHONPATH': pythonpath} if pythonpath else None)
    assert_ok(proc)
    return proc.stdout


def _check_test_and_run(python, run_dir, checkpoint, pythonpath=None):
    out = osp.join(run_dir, f'metrics_{len(os.listdir(run_dir))}.json')
    _mim(python, run_dir, 'test', 'mmltbin', CONFIG, '--checkpoint', checkpoint, '--work-dir',
         osp.join(run_dir, 'work_test'), '--out', out, *TINY_TEST, pythonpath=pythonpath)
    assert 0.0 <= mmengine.load(out)['accuracy/top1'] <= 100.0
    stdout = _mim(python, run_dir, 'run', 'mmltbin', 'get_ops', CONFIG, pythonpath=pythonpath)
    assert 'size, 1-bit weights' in stdout


@pytest.mark.slow
def test_mim_with_a_wheel_install(tmp_path, run_dir):
    source = _copy_checkout(str(tmp_path / 'src'))
    wheels, target = str(tmp_path / 'wheels'), str(tmp_path / 'site')
    pip = [sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '-q']
    assert_ok(run_tool([sys.executable, '-m', 'pip', 'wheel', *pip[4:], '-w', wheels, source],
                       repo_on_path=False))
    assert_ok(run_tool([*pip, '--target', target, *glob.glob(f'{wheels}/*.whl')],
                       repo_on_path=False))
    assert osp.isfile(f'{target}/mmltbin/.mim/tools/train.py')

    work_dir = osp.join(run_dir, 'work_train')
    stdout = _mim(sys.executable, run_dir, 'train', 'mmltbin', CONFIG, '--work-dir', work_dir,
                  *TINY_TRAIN, pythonpath=target)
    assert f'{target}/mmltbin/.mim/configs/baselines/{CONFIG}' in stdout
    _check_test_and_run(sys.executable, run_dir, f'{work_dir}/epoch_1.pth', pythonpath=target)


@pytest.mark.slow
def test_mim_with_the_editable_install_of_the_set_up(tmp_path, run_dir):
    """What tools/setup_env.sh does: ``pip install -e .``, then the link mim needs."""
    source = _copy_checkout(str(tmp_path / 'src'))
    venv = str(tmp_path / 'venv')
    assert_ok(run_tool([sys.executable, '-m', 'venv', '--without-pip', venv]))
    python = osp.join(venv, 'bin', 'python')
    purelib = run_tool([python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                       repo_on_path=False).stdout.strip()
    with open(osp.join(purelib, 'test_interpreter_packages.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    assert_ok(run_tool([python, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '-q',
                        '-e', source], repo_on_path=False))
    # from the checkout, as tools/setup_env.sh does (its mmltbin.egg-info is not the install)
    assert_ok(run_tool([python, '-m', 'mmltbin.utils.mim_link'], cwd=source,
                       repo_on_path=False))
    assert osp.realpath(osp.join(purelib, 'mmltbin')) == osp.join(source, 'mmltbin')

    work_dir = osp.join(run_dir, 'work_editable')
    stdout = _mim(python, run_dir, 'train', 'mmltbin', CONFIG, '--work-dir', work_dir,
                  *TINY_TRAIN)
    assert f'{source}/configs/baselines/{CONFIG}' in stdout  # the checkout's own config
    _check_test_and_run(python, run_dir, f'{work_dir}/epoch_1.pth')

    # uninstalling removes the link, not what it points at
    assert_ok(run_tool([python, '-m', 'pip', 'uninstall', '-y', '-q', 'mmltbin'],
                       repo_on_path=False))
    assert not osp.lexists(osp.join(purelib, 'mmltbin'))
    assert osp.isfile(osp.join(source, 'mmltbin', '__init__.py'))
