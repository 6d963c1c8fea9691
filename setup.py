"""Install mmltbin.

Like mmpretrain, the package ships its ``configs/`` and ``tools/`` inside ``mmltbin/.mim`` so that
another project's config can inherit ``_base_ = 'mmltbin::_base_/....py'``. A regular install
copies them; an editable install (``pip install -e .``) links them.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')


def read_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmltbin', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(name: str) -> list:
    with open(osp.join(HERE, 'requirements', name), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line and not line.startswith('-')]


def add_mim_extension() -> None:
    """Place configs/ and tools/ under mmltbin/.mim (links when editable)."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install', 'build')):
        mode = 'copy'
    else:
        return
    mim_root = osp.join(HERE, 'mmltbin', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for item in MIM_ITEMS:
        src = osp.join(HERE, item)
        dst = osp.join(mim_root, item)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_root), dst)
        else:
            (shutil.copytree if osp.isdir(src) else shutil.copyfile)(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmltbin',
        version=read_version(),
        description='Binary neural networks on long-tailed data, as an OpenMMLab plug-in',
        long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
        long_description_content_type='text/markdown',
        license='Apache-2.0',
        python_requires='>=3.9',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'benchmarks')),
        include_package_data=True,
        package_data={'mmltbin': ['.mim/model-index.yml', '.mim/configs/**/*', '.mim/tools/**/*',
                                  'model_zoo/*']},
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'tests': read_requirements('tests.txt'),
            'teachers': read_requirements('teachers.txt'),
            'tensorboard': read_requirements('tensorboard.txt'),
            'deploy': read_requirements('deploy.txt'),
        },
        zip_safe=False,
    )
