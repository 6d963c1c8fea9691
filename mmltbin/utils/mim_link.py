"""Let OpenMMLab's ``mim`` find the configs and tools of an editable install of mmltbin.

``mim train|test|run mmltbin ...`` looks for ``<site-packages>/mmltbin/.mim/{configs,tools}``:
it takes the folder of the installed distribution's metadata and appends the package name.
A regular (wheel) install has that folder. An editable install (``pip install -e .``, PEP 660)
does not: only the metadata and an import hook are in site-packages, the package stays in the
checkout. :func:`link_editable_install` adds ``<site-packages>/mmltbin`` as a link to the
checkout's package (whose ``.mim`` links to ``configs/`` and ``tools/``) and lists the link in
the distribution's ``RECORD``, so ``pip uninstall`` (and a later regular install, which
uninstalls first) removes the link instead of writing through it.

Run ``python -m mmltbin.utils.mim_link`` after ``pip install -e .`` (``tools/setup_env.sh``
does).
"""
import json
import os
import os.path as osp
import sys
from importlib import metadata
from typing import Optional
from urllib.parse import unquote, urlparse

DIST_NAME = 'mmltbin'


def editable_source(dist: metadata.Distribution) -> Optional[str]:
    """The checkout an editable install points at (PEP 610 ``direct_url.json``), else None.

    Example:
        >>> from importlib import metadata
        >>> import mmltbin.utils.mim_link as mim_link
        >>> source = mim_link.editable_source(metadata.distribution('mmltbin'))
        >>> source is None or os.path.isfile(os.path.join(source, 'setup.py'))
        True
    """
    text = dist.read_text('direct_url.json')
    if not text:
        return None
    direct_url = json.loads(text)
    if not direct_url.get('dir_info', {}).get('editable'):
        return None
    url = urlparse(direct_url['url'])
    return unquote(url.path) if url.scheme == 'file' else None


def installed_distribution(dist_name: str = DIST_NAME) -> metadata.Distribution:
    """The distribution installed in the environment, not one in the current folder.

    ``python -m`` puts the current folder first on ``sys.path``; run from the checkout, the
    ``<name>.egg-info`` that ``pip install -e`` leaves there would be found instead of the
    install's metadata (which alone says where the editable checkout is).

    Example:
        >>> import mmltbin.utils.mim_link as mim_link
        >>> mim_link.installed_distribution('mmltbin').metadata['Name']
        'mmltbin'
    """
    cwd = os.getcwd()
    path = [p for p in sys.path if osp.abspath(p or os.curdir) != cwd]
    dist = next(iter(metadata.distributions(name=dist_name, path=path)), None)
    if dist is None:
        raise metadata.PackageNotFoundError(dist_name)
    return dist


def link_editable_install(dist_name: str = DIST_NAME) -> Optional[str]:
    """Link ``<site-packages>/<package>`` to the editable checkout's package, for ``mim``.

    Args:
        dist_name (str): The installed distribution (its package has the same name).

    Returns:
        str | None: The link made, or None when nothing was needed (not an editable install,
        or the link is there already).
    """
    dist = installed_distribution(dist_name)
    source = editable_source(dist)
    if source is None:
        return None
    package_dir = osp.join(source, dist_name)
    if not osp.isdir(osp.join(package_dir, '.mim')):
        raise FileNotFoundError(f'{package_dir}/.mim does not exist: reinstall with '
                                f'`pip install -e {source}`, which makes it')
    link = str(dist.locate_file(dist_name))
    if osp.islink(link):
        if osp.realpath(link) == osp.realpath(package_dir):
            return None
        os.remove(link)  # left by an editable install of another checkout
    elif osp.exists(link):
        raise FileExistsError(f'{link} exists and is not a link: another mmltbin is installed '
                              'there; `pip uninstall mmltbin` first')
    os.symlink(package_dir, link)
    record = next(f for f in dist.files if f.name == 'RECORD' and f.parent.suffix == '.dist-info')
    with open(dist.locate_file(record), 'a', encoding='utf-8') as f:
        f.write(f'{dist_name},,\n')
    return link


if __name__ == '__main__':
    made = link_editable_install()
    print(f'mim: linked {made}' if made else 'mim: nothing to link')
