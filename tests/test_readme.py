"""Every command the README shows works as written after its set-up command.

Each shell line of the README's ``bash`` blocks is checked without running the long jobs: the
script exists and accepts ``--help``; every config it names loads (unknown keys refused); every
``work_dirs/<config>/epoch_<N>.pth`` it names is what training that config writes (the config
exists and trains N epochs); ``pip install`` names only extras that setup.py declares.
"""
import os.path as osp
import re
import shlex
import subprocess
import sys
from typing import List

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
README = osp.join(REPO_ROOT, 'README.md')
# the README's two commands: CI runs the second; the first is the 12-minute main job
SET_UP = {'bash tools/quickstart.sh', 'bash tools/run_tests.sh'}


def readme_commands(text: str) -> List[str]:
    """The shell commands of the ``bash`` blocks of ``text``, continuation lines joined,
    comments removed."""
    commands = []
    for block in re.findall(r'```bash\n(.*?)```', text, flags=re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split(' #', 1)[0].strip()
            if line and not line.startswith('#'):
                commands.append(' '.join(line.split()))
    return commands


COMMANDS = readme_commands(open(README).read())


def test_readme_has_its_commands():
    assert SET_UP <= set(COMMANDS)
    assert any(c.startswith('python tools/train.py') for c in COMMANDS)


def test_command_parser_joins_continuations():
    text = '```bash\npython tools/test.py a.py \\\n    b.pth  # a comment\n```\n'
    assert readme_commands(text) == ['python tools/test.py a.py b.pth']


@pytest.mark.parametrize('command', [c for c in COMMANDS if c.startswith('pip install')])
def test_pip_extras_exist(command):
    extras = re.findall(r'\[([a-z,]+)\]', command)
    declared = open(osp.join(REPO_ROOT, 'setup.py')).read()
    for extra in ','.join(extras).split(',') if extras else []:
        assert f"'{extra}': read_requirements" in declared, f'{command}: no extra {extra!r}'
    assert '-c requirements/constraints.txt' in command


@pytest.mark.parametrize('command', [c for c in COMMANDS if c not in SET_UP
                                     and not c.startswith('pip install')])
def test_paths_in_command_exist(command):
    from mmengine.config import Config
    argv = shlex.split(command)
    assert argv[0] in ('python', 'bash'), command
    assert osp.isfile(osp.join(REPO_ROOT, argv[1])), f'{command}: no {argv[1]}'
    for arg in argv[2:]:
        if arg.startswith('configs/'):
            assert osp.isfile(osp.join(REPO_ROOT, arg)), f'{command}: no config {arg}'
            Config.fromfile(osp.join(REPO_ROOT, arg))
        match = re.fullmatch(r'work_dirs/([^/]+)/epoch_(\d+)\.pth', arg)
        if match:  # a checkpoint the README's own training command writes
            name, epochs = match.groups()
            config = osp.join(REPO_ROOT, 'configs', 'ltbin', f'{name}.py')
            assert osp.isfile(config), f'{command}: no config makes {arg}'
            assert Config.fromfile(config).train_cfg.max_epochs == int(epochs), \
                f'{command}: {name}.py does not train {epochs} epochs'


@pytest.mark.slow
@pytest.mark.parametrize('script', sorted({shlex.split(c)[1] for c in COMMANDS
                                           if c.startswith('python ')}))
def test_python_scripts_accept_help(script):
    out = subprocess.run([sys.executable, script, '--help'], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'usage' in out.stdout.lower()
