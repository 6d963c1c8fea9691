"""Benchmark results files: typed runs with their provenance, and Markdown columns.

A results file (``benchmarks/results/<name>.json``) is one JSON object: which script made it
(``kind``), the table's title, rows (name and label, in table order) and targets as they were
when the last run was added, and ``runs``: one record per (row, seed) run with its numbers and
where they came from (:class:`Provenance`: the commit, the exact command, the machine, the
date). Its Markdown (the ``.md`` beside it) is made from this file alone, by the ``markdown``
of the script named by ``kind``; ``python benchmarks/make_docs.py`` remakes them all.

Example:
    >>> fmt([75.0, 77.0])
    '76.0 ± 1.4'
    >>> fmt([None, float('nan')])
    'n/a'
"""
import json
import os
import os.path as osp
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SCHEMA = 1
# a field that was not recorded when the run was made and cannot be recovered
UNKNOWN = 'unknown'
MACHINE_KEYS = ('cores', 'threads', 'cpu_model')
# recorded since 2026-12-06: whether oneDNN runs bfloat16 on this CPU (a teacher with
# ``autocast='bfloat16'`` falls back to float32 where it does not); since 2026-12-07: whether
# the CPU has bfloat16 instructions (without them oneDNN emulates bfloat16 on AVX-512)
OPTIONAL_MACHINE_KEYS = ('native_bfloat16', 'bfloat16_instructions')


def measured(values: List[Optional[float]]) -> List[float]:
    """``values`` without the missing ones (None or NaN)."""
    return [v for v in values if v is not None and v == v]


def fmt(values: List[Optional[float]], digits: int = 1) -> str:
    """Mean ± sample std of the measured ``values`` ('n/a' without any)."""
    values = measured(values)
    if not values:
        return 'n/a'
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


@dataclass(frozen=True)
class Column:
    """A Markdown column declared once: its header and the cell made from a row's runs.

    ``optional``: shown only when some run has ``key``, and then ``note`` is added to the
    table's description.
    """
    header: str
    key: str
    digits: int = 1
    optional: bool = False
    note: str = ''
    get: Callable[[dict, str], Optional[float]] = field(
        default=lambda run, key: run.get(key), compare=False)

    def cell(self, runs: List[dict]) -> str:
        return fmt([self.get(run, self.key) for run in runs], self.digits)

    def shown(self, runs: List[dict]) -> bool:
        return not self.optional or any(self.get(run, self.key) is not None for run in runs)


def table_lines(columns: List[Column], first: List[str], rows: List[tuple]) -> List[str]:
    """A Markdown table: ``first`` leading headers, then ``columns``; each row is
    ``(leading cells, runs)``."""
    lines = ['| ' + ' | '.join([*first, *(c.header for c in columns)]) + ' |',
             '|' + '---|' * (len(first) + len(columns))]
    for cells, runs in rows:
        lines.append('| ' + ' | '.join([*cells, *(c.cell(runs) for c in columns)]) + ' |')
    return lines


@dataclass
class Provenance:
    """Where a run's numbers come from. ``recovered`` says how fields were filled in after
    the fact (empty for a run recorded as it was made); unknown fields are ``UNKNOWN``."""
    commit: str
    command: str
    machine: Dict[str, Any]
    date: str
    recovered: str = ''

    def fields(self) -> dict:
        out = asdict(self)
        if not self.recovered:
            out.pop('recovered')
        return out


def save_with_markdown(out_prefix: str, doc: Any, markdown: Callable[[Any], str],
                       indent: int = 1) -> str:
    """Write ``doc`` to ``<out_prefix>.json`` and ``markdown(doc)`` to ``<out_prefix>.md`` (the
    scripts whose results have a format of their own); return the Markdown."""
    os.makedirs(osp.dirname(osp.abspath(out_prefix)), exist_ok=True)
    with open(out_prefix + '.json', 'w') as f:
        json.dump(doc, f, indent=indent)
    text = markdown(doc)
    with open(out_prefix + '.md', 'w') as f:
        f.write(text)
    return text


def git_commit() -> str:
    """HEAD of the repository, with ``-dirty`` when tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        head = git('rev-parse', 'HEAD')
        dirty = git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.CalledProcessError):
        return UNKNOWN
    return head + ('-dirty' if dirty else '')


def cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or UNKNOWN


def machine(threads: int) -> Dict[str, Any]:
    """This machine: logical cores, the threads each run was given, the CPU model, whether
    oneDNN runs bfloat16 on it and whether the CPU has bfloat16 instructions."""
    import torch  # imported here: the records' other readers do not need them
    from mmltbin.utils import cpu_bfloat16_native
    return dict(cores=os.cpu_count(), threads=threads, cpu_model=cpu_model(),
                native_bfloat16=bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
                bfloat16_instructions=cpu_bfloat16_native())


def this_command(argv: Optional[List[str]] = None) -> str:
    """The command line of this process as it would be typed in the repository root."""
    argv = sys.argv if argv is None else argv
    script = osp.relpath(osp.abspath(argv[0]), ROOT)
    return shlex.join(['python', script, *argv[1:]])


def provenance(threads: int) -> Provenance:
    return Provenance(commit=git_commit(), command=this_command(), machine=machine(threads),
                      date=time.strftime('%Y-%m-%dT%H:%M:%S%z'))


def load(path: str) -> dict:
    """A results file (``kind``, title, rows, ``runs``...). A plain list of runs is the
    format before provenance was recorded: it is refused with the command that converts it."""
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, list):
        raise ValueError(f'{path} is a list of runs without provenance: convert it with '
                         f'`python benchmarks/upgrade_records.py {path}`')
    if data.get('schema') != SCHEMA:
        raise ValueError(f'{path}: schema {data.get("schema")!r}, this code reads {SCHEMA}')
    return data


def save(path: str, data: dict) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write('\n')


def commands(runs: List[dict]) -> List[str]:
    """The distinct commands that made ``runs``, in order of first appearance."""
    return list(dict.fromkeys(run['command'] for run in runs))


def _short(commit: str) -> str:
    """A commit abbreviated as git does, a dirty tree still said."""
    if commit == UNKNOWN:
        return commit
    return commit[:10] + ('-dirty' if commit.endswith('-dirty') else '')


def bfloat16_emulated(machine: Dict[str, Any]) -> bool:
    """Whether oneDNN ran bfloat16 on a machine record's CPU without bf16 instructions.

    Example:
        >>> bfloat16_emulated(dict(native_bfloat16=True, bfloat16_instructions=False))
        True
    """
    return bool(machine.get('native_bfloat16')) and machine.get('bfloat16_instructions') is False


def bfloat16_label(machine: Dict[str, Any]) -> str:
    """How a machine record's CPU runs bfloat16 (runs before 2026-12-07 did not record its
    instructions: their CPUs were told apart by oneDNN alone).

    Example:
        >>> bfloat16_label(dict(native_bfloat16=True, bfloat16_instructions=False))
        'bfloat16 emulated by oneDNN (no bfloat16 instructions)'
    """
    if not machine['native_bfloat16']:
        return 'no native bfloat16'
    if bfloat16_emulated(machine):
        return 'bfloat16 emulated by oneDNN (no bfloat16 instructions)'
    return 'native bfloat16'


def provenance_lines(runs: List[dict]) -> List[str]:
    """A Markdown list of the machines the runs were made on, each with its commits (the
    number of runs and their dates) and, for recovered runs, how they were recovered."""
    groups: Dict[tuple, Dict[str, List[dict]]] = {}
    for run in runs:
        m = run['machine']
        if all(m.get(k) == UNKNOWN for k in MACHINE_KEYS):
            where = 'machine unknown'
        else:
            where = ('machine: ' + ', '.join(f'{m.get(k, UNKNOWN)} {k.replace("_", " ")}'
                                             for k in MACHINE_KEYS))
            if 'native_bfloat16' in m:
                where += ', ' + bfloat16_label(m)
        group = groups.setdefault((where, run.get('recovered', '')), {})
        group.setdefault(_short(run['commit']), []).append(run)
    lines = []
    for (where, recovered), by_commit in groups.items():
        commits = []
        for commit, rs in by_commit.items():
            dates = sorted({str(r['date'])[:10] for r in rs})
            when = dates[0] if len(dates) == 1 else f'{dates[0]} to {dates[-1]}'
            commits.append(f'`{commit}` ({len(rs)} run{"s" * (len(rs) > 1)}, {when})')
        lines.append(f'- {where}; commits {", ".join(commits)}'
                     + (f'; {recovered}' if recovered else ''))
    return lines


def header(data: dict) -> List[str]:
    """The title and the commands of a results file's Markdown."""
    shown = '` then `'.join(commands(data['runs']))
    lines = [f'# {data["title"]}', '']
    if data.get('note'):
        lines += [data['note'], '']
    return lines + [f'Command: `{shown}`', '']


def footer(data: dict) -> List[str]:
    return ['', 'Provenance (machine; commits with their number of runs and dates):', '',
            *provenance_lines(data['runs'])]


def renderers() -> Dict[str, Callable[[dict], str]]:
    """``kind`` -> the function that makes a results file's Markdown."""
    if osp.join(ROOT, 'benchmarks') not in sys.path:
        sys.path.insert(0, osp.join(ROOT, 'benchmarks'))
    import precise_bn_table
    import run_table
    import teacher_precision
    return {'run_table': run_table.markdown, 'precise_bn': precise_bn_table.markdown,
            'teacher_precision': teacher_precision.markdown}


def render(path: str) -> str:
    """The Markdown of the results file at ``path``."""
    data = load(path)
    kinds = renderers()
    if data.get('kind') not in kinds:
        raise ValueError(f'{path}: kind {data.get("kind")!r} is none of {sorted(kinds)}')
    return kinds[data['kind']](data)
