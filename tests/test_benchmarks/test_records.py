"""benchmarks/records.py and tables.py: results files with provenance, Markdown made from them
alone, overrides that find hooks and schedulers by type."""
import glob
import json
import os
import os.path as osp
import re
import sys
from typing import Optional

import pytest
from mmengine.config import Config
from toolrun import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'benchmarks'))
import records  # noqa: E402
import run_table  # noqa: E402
import upgrade_records  # noqa: E402
from tables import TABLES, ByType, Key, Row, hook, scheduler  # noqa: E402

RESULTS = osp.join(REPO_ROOT, 'benchmarks', 'results')
# written by benchmarks/inference.py, gpu_check.py, scaling.py and
# tools/deployment/test_openvino.py in their own formats
OTHER_FORMATS = ('inference', 'gpu_check', 'deploy_fmnist_lt', 'scaling')


def _results_files():
    return sorted(p for p in glob.glob(osp.join(RESULTS, '*.json'))
                  if osp.basename(p).split('.')[0] not in OTHER_FORMATS)


@pytest.mark.parametrize('path', _results_files(), ids=osp.basename)
def test_every_table_is_made_from_its_records_byte_for_byte(path):
    with open(osp.splitext(path)[0] + '.md') as f:
        committed = f.read()
    assert records.render(path) == committed, (
        f'{path}: its .md is not what its records make; run python benchmarks/make_docs.py')


def test_every_markdown_table_has_its_records():
    tables = {osp.splitext(p)[0] for p in glob.glob(osp.join(RESULTS, '*.md'))
              if osp.basename(p).split('.')[0] not in OTHER_FORMATS}
    assert tables == {osp.splitext(p)[0] for p in _results_files()}


@pytest.mark.parametrize('path', _results_files(), ids=osp.basename)
def test_every_run_says_where_it_comes_from(path):
    data = records.load(path)
    assert data['runs']
    for run in data['runs']:
        assert run['command'].startswith('python benchmarks/'), run['command']
        assert (set(records.MACHINE_KEYS) <= set(run['machine'])
                <= {*records.MACHINE_KEYS, *records.OPTIONAL_MACHINE_KEYS})
        # unknown fields only where the run's provenance was recovered after the fact
        unknown = records.UNKNOWN in (run['commit'], run['date'], *run['machine'].values())
        assert not unknown or run.get('recovered'), (run['row'], run['seed'])
        if run['commit'] != records.UNKNOWN:
            assert re.fullmatch(r'[0-9a-f]{40}(-dirty)?', run['commit'])


def test_a_new_run_records_its_commit_command_and_machine(monkeypatch):
    monkeypatch.setattr(sys, 'argv', [osp.join(REPO_ROOT, 'benchmarks', 'run_table.py'),
                                      '--table', 'fmnist_lt_main', '--rows', 'a b'])
    prov = records.provenance(threads=3).fields()
    assert prov['command'] == ("python benchmarks/run_table.py --table fmnist_lt_main "
                               "--rows 'a b'")
    assert prov['machine']['cores'] == os.cpu_count() and prov['machine']['threads'] == 3
    assert prov['machine']['cpu_model']
    assert isinstance(prov['machine']['native_bfloat16'], bool)
    assert isinstance(prov['machine']['bfloat16_instructions'], bool)
    assert re.fullmatch(r'[0-9a-f]{40}(-dirty)?', prov['commit'])
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}', prov['date'])
    assert 'recovered' not in prov


def test_a_list_of_runs_is_refused_with_the_command_that_converts_it(tmp_path):
    path = tmp_path / 'old.json'
    path.write_text(json.dumps([dict(row='ce', seed=0)]))
    with pytest.raises(ValueError, match=r'python benchmarks/upgrade_records\.py .*old\.json'):
        records.load(str(path))


def test_a_converted_run_gets_the_command_that_covers_its_row_and_seed():
    commands = ['python benchmarks/run_table.py --table t --jobs 2 --out o.json --seeds 0',
                'python benchmarks/run_table.py --table t --jobs 2 --out o.json --rows a c '
                '--seeds 1 2']
    assert upgrade_records.command_of(commands, 'b', 0) == commands[0]
    assert upgrade_records.command_of(commands, 'c', 2) == commands[1]
    assert upgrade_records.command_of(commands, 'b', 1) == records.UNKNOWN


def test_overrides_find_hooks_and_schedulers_by_type_not_position():
    cfg = Config(dict(custom_hooks=[dict(type='EMAHook'), dict(type='DRWHook', start_epoch=16)],
                      param_scheduler=[dict(type='LinearLR'), dict(type='CosineAnnealingLR')]))
    assert hook('DRWHook', 'start_epoch', 8).option(cfg) == 'custom_hooks.1.start_epoch=8'
    assert (scheduler('CosineAnnealingLR', 'T_max', 40).option(cfg)
            == 'param_scheduler.1.T_max=40')
    cfg.custom_hooks.reverse()
    assert hook('DRWHook', 'start_epoch', 8).option(cfg) == 'custom_hooks.0.start_epoch=8'
    with pytest.raises(ValueError, match=r"exactly one ClassCountsHook .*\['DRWHook', 'EMAHook'"):
        hook('ClassCountsHook', 'x', 1).option(cfg)
    cfg.param_scheduler.append(dict(type='CosineAnnealingLR'))
    with pytest.raises(ValueError, match='exactly one CosineAnnealingLR'):
        scheduler('CosineAnnealingLR', 'T_max', 40).option(cfg)
    with pytest.raises(KeyError, match="no 'train_dataloader'"):
        ByType('train_dataloader.dataset.pipeline', 'RandomFlip', 'prob', 0).option(cfg)
    row = Row('r', 'r', 'c.py', (Key('work', '{work_root}/x_seed{seed}'), ))
    assert not row.needs_config() and row.options(None, seed=3, work_root='w') == [
        'work=w/x_seed3']


def _work_root(options):
    """The table's work folder the teacher checkpoint of ``options`` was under (None without
    a teacher)."""
    for option in options:
        if option.startswith('model.teacher.checkpoint='):
            return re.sub(r'(/\.\./fmnist_lt_main)?/[^/]+_seed\d+/epoch_30\.pth$', '',
                          option.split('=', 1)[1])
    return 'unused'


@pytest.mark.parametrize('name', ['fmnist_lt_main', 'fmnist_lt_cost'])
def test_rows_give_the_options_their_records_were_made_with(name):
    """The typed rows resolve to the options the recorded runs passed to tools/train.py
    (list positions included), so the tables stay reproducible."""
    data = records.load(osp.join(RESULTS, f'{name}.json'))
    rows = {row.name: row for row in TABLES[data['table']].rows}
    for run in data['runs']:
        recorded = [o for o in run['options'] if not o.startswith('train_cfg.max_epochs=')]
        mine = run_table.row_options(rows[run['row']], run['seed'], _work_root(recorded))
        assert mine == recorded, (run['row'], run['seed'])


def test_docs_results_is_what_the_records_make():
    import make_docs
    with open(make_docs.DOC) as f:
        committed = f.read()
    assert make_docs.docs() == committed, 'run python benchmarks/make_docs.py'
    # every results file is in it, with its records named
    for path in make_docs.results_files():
        assert f'Records: `benchmarks/results/{osp.basename(path)}`' in committed


def test_numbers_in_the_account_are_read_from_the_records():
    import make_docs
    numbers = make_docs.Numbers()
    numbers.data['fmnist_lt_variants'] = dict(runs=[
        dict(row='method', seed=s, mean_per_class=v, val_mean_per_class=v + 1)
        for s, v in ((0, 70.0), (1, 72.0))])
    assert numbers.both('fmnist_lt_variants', 'method') == '71.0 ± 1.4 / 72.0 ± 1.4 (2 seeds)'
    assert numbers.both('fmnist_lt_variants', 'method', seed=1) == '72.0 / 73.0'
    with pytest.raises(KeyError, match="no run of row 'absent'"):
        numbers('fmnist_lt_variants', 'absent')
    numbers.data['fmnist_lt_variants']['runs'] += [
        dict(row=name, seed=s) for name in ('method-160e', 'method-40e', 'method-bs32-40e')
        for s in (0, 1)]
    assert numbers.lengths('fmnist_lt_variants', 'method') == [40, 160]


def test_the_online_cost_is_judged_per_machine_and_only_when_measured_side_by_side():
    import make_docs
    numbers = make_docs.Numbers()

    def table(cpu: str, seconds: list, bf16: Optional[dict] = None,
              rows=('ce', 'online-mixup', 'online-mixup-bf16')) -> dict:
        machine = dict(cores=2, threads=1, cpu_model=cpu, **(bf16 or {}))
        return dict(runs=[dict(row=row, seed=seed, s_per_epoch=s, command=f'cmd{seed}',
                               machine=machine)
                          for seed, per_row in enumerate(seconds)
                          for row, s in zip(rows, per_row)])

    numbers.data['cost_a'] = table('CPU A', [(10.0, 23.0, 18.8)])
    numbers.data['cost_b'] = table('CPU B', [(20.0, 39.0, 44.0), (20.0, 41.0, 45.0),
                                             (20.0, 25.0, 44.0)],
                                   dict(native_bfloat16=True, bfloat16_instructions=False))
    a, b = make_docs.online_cost_lines(numbers, ['cost_a', 'cost_b'])
    assert '`cost_a`: one run at a time on the idle machine, CPU A; `cmd0`' in a
    assert '2.30x the plain binary step in float32 (1 seed; target: at most 2x, missed)' in a
    assert "1.88x with the teacher in bfloat16 (`FrozenTeacher(autocast='bfloat16')`, met;" in a
    assert 'emulated' not in a
    assert 'CPU B, bfloat16 emulated by oneDNN (no bfloat16 instructions); `cmd0` then `cmd1` ' \
        'then `cmd2`' in b
    # 1.95, 2.05, 1.25: the target lies within the spread
    assert '1.75 ± 0.44x the plain binary step in float32 (3 seeds; target: at most 2x, ' \
        'unresolved (within the seed spread))' in b
    assert '2.22 ± 0.03x with the teacher in bfloat16' in b
    assert 'missed; emulated by oneDNN on this CPU, slower than float32 in 3 of 3 runs' in b
    # a seed whose rows were not run by one command is left out
    numbers.data['cost_b']['runs'][5]['command'] = 'another'  # seed 1's bfloat16 row
    b = make_docs.online_cost_lines(numbers, ['cost_b'])[0]
    assert 'in float32 (2 seeds;' in b and '`cmd1`' not in b
    numbers.data['cost_a']['runs'][2]['command'] = 'another'
    assert make_docs.online_cost_lines(numbers, ['cost_a']) == []
    # a table of the teacher folded and unfolded, without bfloat16
    numbers.data['cost_c'] = table('CPU C', [(10.0, 15.0, 20.0), (10.0, 16.0, 19.0)],
                                   rows=('ce', 'online-mixup', 'online-mixup-unfolded'))
    c, = make_docs.online_cost_lines(numbers, ['cost_c'])
    assert '1.55 ± 0.07x the plain binary step in float32 (2 seeds; target: at most 2x, met); ' \
        '1.95 ± 0.07x with the teacher\'s BatchNorms not folded' in c
    assert 'folding was faster in 2 of 2 runs; larger than the seed spread).' in c
    assert 'bfloat16' not in c and 'OpenVINO' not in c
    # the teacher in torch and in OpenVINO: the faster variant is the row's, with its target
    numbers.data['cost_e'] = table('CPU E', [(10.0, 21.0, 15.0), (10.0, 22.0, 21.5)],
                                   rows=('ce', 'online-mixup', 'online-mixup-openvino'))
    e, = make_docs.online_cost_lines(numbers, ['cost_e'])
    assert '2.15 ± 0.07x the plain binary step in float32 (2 seeds; target: at most 2x, ' \
        'missed); 1.82 ± 0.46x with the teacher\'s encoder run by ' \
        "OpenVINO in float32 (`FrozenTeacher(runtime='openvino')`; target: unresolved (within " \
        'the seed spread); OpenVINO was faster in 2 of 2 runs; within the seed spread: ' \
        'unresolved).' in e
    # OpenVINO in bfloat16 is compared with torch in bfloat16, not with float32
    numbers.data['cost_f'] = table('CPU F', [(10.0, 20.0, 16.0, 14.0), (10.0, 21.0, 17.0, 13.0)],
                                   rows=('ce', 'online-mixup', 'online-mixup-bf16',
                                         'online-mixup-bf16-openvino'))
    f, = make_docs.online_cost_lines(numbers, ['cost_f'])
    assert '; 1.65 ± 0.07x with the teacher in bfloat16' in f
    assert ('; 1.35 ± 0.07x with the teacher\'s encoder run by OpenVINO in bfloat16 '
            "(`FrozenTeacher(autocast='bfloat16', runtime='openvino')`, against torch in "
            'bfloat16; target: met; OpenVINO was faster in 2 of 2 runs; larger than the seed '
            'spread).') in f
    # a table without the online row gives no line
    numbers.data['cost_d'] = table('CPU D', [(10.0, )])
    assert make_docs.online_cost_lines(numbers, ['cost_d']) == []
    assert make_docs.cost_tables() == ['fmnist_lt_cost', 'fmnist_lt_cost_epyc_avx2',
                                       'fmnist_lt_cost_epyc_avx512',
                                       'fmnist_lt_cost_xeon']


def test_the_larger_set_line_waits_for_its_runs_and_judges_where_the_baseline_stops():
    import make_docs
    numbers = make_docs.Numbers()
    runs = [dict(row='balanced-softmax', seed=s, mean_per_class=v)
            for s, v in ((0, 82.0), (1, 83.0), (2, 82.5))]
    runs += [dict(row='teacher', seed=0, mean_per_class=86.0)]
    numbers.data['fmnist_lt_n6000_r100'] = dict(runs=runs)
    assert make_docs.large_set_lines(numbers) == []
    runs += [dict(row='default', seed=0, mean_per_class=85.0),
             dict(row='balanced-softmax-40e', seed=0, mean_per_class=82.2)]
    line, = make_docs.large_set_lines(numbers)
    # seed 0 gains 0.2 from 20 to 40 epochs, less than the 3 seeds' std at 20 (0.5)
    assert 'changes by less than its 20-epoch seed spread from 20 to 40 epochs' in line
    assert '(seed 0: +0.2)' in line and 'balanced softmax 82.5 ± 0.5 (3 seeds)' in line
    assert '20 epochs: the default 85.0 (+2.5 against balanced softmax)' in line
    assert '40 epochs: the default not run' in line and 'checked at 20 epochs' in line
    runs.append(dict(row='default-40e', seed=0, mean_per_class=86.0))
    assert ('40 epochs: the default 86.0 (+3.8 against balanced softmax), '
            in make_docs.large_set_lines(numbers)[0])
    runs[-2]['mean_per_class'] = 83.0
    line, = make_docs.large_set_lines(numbers)
    assert 'Balanced softmax still improves from 20 to 40' in line
    assert 'not yet confirmed on this set' in line
    # a longer row: judged at 40 once balanced softmax stops improving from 40 to 80
    runs += [dict(row='balanced-softmax-80e', seed=0, mean_per_class=83.4),
             dict(row='default-80e', seed=0, mean_per_class=87.0)]
    line, = make_docs.large_set_lines(numbers)
    assert 'still improves from 20 to 40 epochs (seed 0: +1.0), then changes' in line
    assert '80 epochs: the default 87.0 (+3.6 against balanced softmax)' in line
    assert 'checked at 40 epochs in the table' in line and 'Lite1' not in line
    # the stronger teacher, then its student
    runs.append(dict(row='teacher-lite1', seed=0, mean_per_class=87.5))
    line, = make_docs.large_set_lines(numbers)
    assert 'the teacher 86.0. Another teacher, EfficientNet-Lite1 calibrated the same way: ' \
        '87.5. Balanced softmax' in line
    runs.append(dict(row='default-lite1-80e', seed=0, mean_per_class=88.0))
    line, = make_docs.large_set_lines(numbers)
    assert 'Lite1 calibrated the same way: 87.5; the default distilled from it at 80 epochs ' \
        '88.0 (+4.6 against balanced softmax). Balanced softmax' in line
    runs += [dict(row='teacher-adapt', seed=0, mean_per_class=89.0),
             dict(row='default-adapt-80e', seed=0, mean_per_class=86.4)]
    line, = make_docs.large_set_lines(numbers)
    assert '(+4.6 against balanced softmax). Another teacher, Lite0 calibrated with its last ' \
        'stage adapted: 89.0; the default distilled from it at 80 epochs 86.4 (+3.0 against ' \
        'balanced softmax). Balanced softmax' in line
    assert 'Every teacher measured' not in line  # balanced softmax 83.4 at 80 epochs
    runs.append(dict(row='balanced-softmax-160e', seed=0, mean_per_class=89.5))
    line, = make_docs.large_set_lines(numbers)
    assert 'Every teacher measured here is below balanced softmax at 160 epochs (seed 0: ' \
        '89.5). Balanced softmax' in line


def test_provenance_names_the_machine_and_whether_it_computes_bfloat16():
    run = dict(commit='c' * 40, date='2026-12-06T03:00:00',
               machine=dict(cores=2, threads=1, cpu_model='CPU'))
    line, = records.provenance_lines([run])
    assert line == ('- machine: 2 cores, 1 threads, CPU cpu model; commits `cccccccccc` (1 run, '
                    '2026-12-06)')
    run['machine']['native_bfloat16'] = False
    assert 'CPU cpu model, no native bfloat16;' in records.provenance_lines([run])[0]
    # oneDNN runs bfloat16 on any AVX-512 CPU; only the CPU's flags say whether it is emulated
    run['machine'].update(native_bfloat16=True, bfloat16_instructions=False)
    assert 'CPU cpu model, bfloat16 emulated by oneDNN (no bfloat16 instructions);' in \
        records.provenance_lines([run])[0]
    run['machine']['bfloat16_instructions'] = True
    assert 'CPU cpu model, native bfloat16;' in records.provenance_lines([run])[0]


def test_held_out_verdict_resolves_only_beyond_the_seed_spread():
    import make_docs
    n = make_docs.Numbers()

    def table(a: list, b: list) -> dict:
        runs = [dict(row=row, seed=s, val_mean_per_class=v)
                for row, values in (('a', a), ('b', b)) for s, v in enumerate(values)]
        return dict(runs=runs)

    n.data['t'] = table([84.0, 84.5, 83.5], [80.0, 80.5, 79.5])
    line = make_docs.held_out_verdict(n, 'a', 'A', {'b': 'B'}, table='t', against_table='t')
    assert line == (' On the held-out split (3 seeds each), A: 84.0 ± 0.5, against B 80.0 ± 0.5 '
                    '(+4.0, larger than the seed spread).')
    n.data['t'] = table([81.0, 82.0, 80.0], [80.0, 81.0, 79.0])
    line = make_docs.held_out_verdict(n, 'a', 'A', {'b': 'B'}, table='t', against_table='t')
    assert '(+1.0, within the seed spread: unresolved)' in line
    n.data['t'] = table([84.0, 84.5], [80.0, 80.5, 79.5])  # a verdict needs 3 seeds of each
    assert make_docs.held_out_verdict(n, 'a', 'A', {'b': 'B'}, table='t',
                                      against_table='t') == ''
    assert make_docs.held_out_verdict(n, 'a', 'A', {'c': 'C'}, table='t',
                                      against_table='t') == ''
