"""benchmarks/run_table.py: timings read from mmengine's logs, typed rows, preconditions, tables."""
import importlib.util
import json
import os.path as osp
import sys

import pytest
from toolrun import REPO_ROOT


def _load_run_table():
    path = osp.join(REPO_ROOT, 'benchmarks', 'run_table.py')
    spec = importlib.util.spec_from_file_location('run_table', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_table = _load_run_table()
from tables import Key, Row  # noqa: E402 (benchmarks/ is on the path once run_table is loaded)

PROVENANCE = dict(commit='c' * 40, command='python benchmarks/run_table.py --table t',
                  machine=dict(cores=2, threads=1, cpu_model='CPU'), date='2026-12-01T10:00:00')


def _data(rows, runs, targets=()):
    return dict(schema=1, kind='run_table', table='t', title='T', rows=rows,
                targets=list(targets), runs=runs)


def _write_scalars(work_dir, epoch_times):
    """A scalars.json as mmengine writes it: one row per logged training iteration."""
    logs = work_dir / '20260101_000000' / 'vis_data'
    logs.mkdir(parents=True)
    rows, it = [], 0
    for epoch, times in enumerate(epoch_times, start=1):
        for t in times:
            it += 1
            rows.append(dict(lr=1e-3, time=t, epoch=epoch, iter=it, loss=1.0))
    rows.append(dict(accuracy=50.0, step=len(epoch_times)))  # a validation row: skipped
    (logs / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in rows))


def test_seconds_per_epoch_selects_epochs(tmp_path):
    _write_scalars(tmp_path, [[5, 5], [2, 2], [2, 2], [1, 1]])  # 2 iterations per epoch
    assert run_table.seconds_per_epoch(str(tmp_path)) == pytest.approx(2 * 5 / 3)
    assert run_table.seconds_per_epoch(str(tmp_path), epochs='all') == pytest.approx(5.0)
    assert run_table.seconds_per_epoch(str(tmp_path), epochs='last') == pytest.approx(2.0)
    with pytest.raises(ValueError, match='epochs must be one of'):
        run_table.seconds_per_epoch(str(tmp_path), epochs='first')
    assert run_table.seconds_per_epoch(str(tmp_path / 'missing')) is None


def test_a_missing_teacher_checkpoint_is_named_before_training(tmp_path):
    row = Row('student', 'student', 'configs/ltbin/reactnet_fashion-mnist-lt.py',
              (Key('model.teacher.checkpoint', f'{tmp_path}/teacher_seed{{seed}}/epoch_30.pth'), ))
    with pytest.raises(RuntimeError, match=r'teacher_seed3/epoch_30\.pth does not exist'):
        run_table.run_one(row, 3, None, str(tmp_path), 'python', 1)
    assert not (tmp_path / 'student_seed3' / 'train.log').exists()
    with pytest.raises(RuntimeError, match=rf'--table {tmp_path.name} --rows teacher --seeds 3'):
        run_table.run_one(row, 3, None, str(tmp_path), 'python', 1)


def _row_config(row: Row):
    """The config a benchmark row trains: its file with the row's options merged in."""
    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(osp.join(REPO_ROOT, row.config))
    options = run_table.row_options(row, 0, 'w')
    cfg.merge_from_dict({k: DictAction._parse_iterable(v)
                         for k, v in (o.split('=', 1) for o in options)})
    return cfg


@pytest.mark.parametrize('table', ['fmnist_lt_n6000_r100', 'fmnist_lt_n6000_r10'])
def test_large_set_rows_change_the_data_and_the_student_schedule(table):
    """Every row of the n_max 6000 tables, merged into its own config, trains on that set;
    the students' cosine schedule (and LDAM-DRW's re-weighting) fit their shorter run, their
    batch is the 128 these tables were measured with, and the teachers' calibration is left as
    it is. The rho 100 table trains the default and balanced softmax again at 40, 80, 160 and
    320 epochs (where does balanced softmax stop improving), with the issue's targets at those
    lengths, and two stronger teachers (EfficientNet-Lite1; Lite0 with its last stage adapted)
    with the default distilled from each at 80."""
    rho = int(table.rsplit('_r', 1)[1])
    main = {row.name: row for row in run_table.TABLES['fmnist_lt_main'].rows}
    rows = run_table.TABLES[table].rows
    stronger = {'teacher-lite1': None, 'default-lite1-80e': 80, 'teacher-adapt': None,
                'default-adapt-80e': 80} if rho == 100 else {}
    longer = {f'{name}-{e}e': e for e in (40, 80, 160, 320)
              for name in ('balanced-softmax', 'default') if rho == 100}
    assert [row.name for row in rows] == [*main, *stronger, *longer]
    lengths = {**stronger, **longer}
    targets = {(t.row, t.against) for t in run_table.TABLES[table].targets}
    for e in (40, 80, 160, 320):
        assert (f'default-{e}e', f'balanced-softmax-{e}e') in targets or rho != 100
    for row in rows:
        cfg = _row_config(row)
        data = cfg.train_dataloader.dataset
        assert (data.type, data.n_max, data.rho) == ('LongTailDataset', 6000, rho), row.name
        if 'lite1' in row.name:
            encoder = cfg.model.encoder if row.name.startswith('teacher') else \
                cfg.model.teacher.model
            assert encoder.model_name == 'tf_efficientnet_lite1', row.name
        if row.name == 'teacher-adapt':
            assert cfg.model.adapt_encoder and not cfg.model.cache_features
        if row.name == 'default-adapt-80e':
            assert row.needs == 'teacher-adapt'
            assert 'teacher-adapt_seed' in cfg.model.teacher.checkpoint
        if row.name.startswith('teacher'):
            assert row.epochs is None and cfg.param_scheduler[0].T_max == 30
            continue
        epochs = row.epochs
        assert epochs == lengths.get(row.name, 20 if rho == 100 else 10), row.name
        assert cfg.param_scheduler[0].T_max == epochs, row.name
        assert cfg.train_dataloader.batch_size == 128, row.name
        if row.name == 'ldam-drw':  # re-weighted for the last 20% of the epochs
            assert cfg.custom_hooks[0].type == 'DRWHook'
            assert cfg.custom_hooks[0].start_epoch == epochs * 4 // 5
        if row.needs:
            assert cfg.model.teacher.checkpoint == f'w/{row.needs}_seed0/epoch_30.pth'


@pytest.mark.parametrize('table', ['fmnist_lt_main', 'fmnist_lt_variants', 'fmnist_lt_cost'])
def test_student_rows_train_with_the_batch_they_were_measured_with(table):
    """Batch 32 is the students' default (the main and cost tables); the variant rows measured
    before it keep batch 128 unless the row is about the batch (``-bs<N>`` names its own)."""
    for row in run_table.TABLES[table].rows:
        if row.name.startswith('teacher'):
            continue
        cfg = _row_config(row)
        if '-bs' in row.name:
            expected = int(row.name.split('-bs')[1].split('-')[0])
        else:
            expected = 32 if table in ('fmnist_lt_main', 'fmnist_lt_cost') else 128
        assert cfg.train_dataloader.batch_size == expected, (table, row.name)


def test_a_resumed_run_keeps_its_timings_and_reports_no_memory(tmp_path):
    """A run stopped and resumed logs in two folders: the timings come from both (the later
    folder wins for an iteration logged twice); its peak memory is not the whole run's, so
    none is recorded."""
    work_dir = tmp_path / 'table' / 'row_seed0'
    _write_scalars(work_dir, [[9, 9], [3, 3]])  # first run: epochs 1-2
    later = work_dir / '20260102_000000' / 'vis_data'
    later.mkdir(parents=True)
    (later / 'scalars.json').write_text('\n'.join(
        json.dumps(dict(lr=1e-3, time=t, epoch=e, iter=i, loss=1.0))
        for e, i, t in [(2, 4, 5), (3, 5, 1), (3, 6, 1)]))
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_2.pth'))
    fake = tmp_path / 'python'  # stands for the interpreter: train does nothing, test writes
    fake.write_text('#!/bin/sh\nfor a; do [ "$prev" = --out ] && echo \'{"accuracy/mean_per_'
                    'class": 50.0}\' > "$a"; prev=$a; done\n')
    fake.chmod(0o755)
    row = Row('row', 'row', 'configs/baselines/reactnet-a_ce_fashion-mnist-lt.py')
    record = run_table.run_one(row, 0, None, str(tmp_path / 'table'), str(fake), 1)
    assert record['resumed_from'].endswith('epoch_2.pth')
    assert record['peak_rss_mb'] is None and record['train_wall_s'] is None
    assert record['mean_per_class'] == 50.0
    # epochs 2 (3 then 5: the resumed run's) and 3 after the first: 2 iterations per epoch
    assert record['s_per_epoch'] == pytest.approx(2 * (4 + 1) / 2)


def test_cache_prefill_time_is_read_and_shown_only_where_there_was_one(tmp_path):
    work_dir = tmp_path / 'prefilled'
    _write_scalars(work_dir, [[2, 2], [1, 1]])
    logs = work_dir / '20260101_000000' / 'vis_data' / 'scalars.json'
    logs.write_text(json.dumps(dict(teacher_cache_prefill_s=42.5, teacher_cache_entries=8,
                                    step=0)) + '\n' + logs.read_text())
    assert run_table.cache_prefill_seconds(str(work_dir)) == 42.5
    assert run_table.seconds_per_epoch(str(work_dir), epochs='all') == pytest.approx(3.0)
    plain = tmp_path / 'plain'
    _write_scalars(plain, [[2, 2]])
    assert run_table.cache_prefill_seconds(str(plain)) is None

    rows = [dict(name='ce', label='CE'), dict(name='method', label='method')]
    base = dict(PROVENANCE, seed=0, s_per_epoch=3.0, peak_rss_mb=100.0)
    without = run_table.markdown(_data(rows, [dict(base, row='ce', cache_prefill_s=None)]))
    assert 'prefill' not in without
    table = run_table.markdown(_data(rows, [dict(base, row='ce', cache_prefill_s=None),
                                            dict(base, row='method', cache_prefill_s=42.5)]))
    table = table.splitlines()
    header = [line for line in table if line.startswith('| row')][0]
    assert table[table.index(header) - 1] == ''  # the table starts a paragraph
    assert 'Cache prefill: seconds' in table[table.index(header) - 2]
    assert header.endswith('| cache prefill s |')
    method = [line for line in table if line.startswith('| method')][0]
    ce = [line for line in table if line.startswith('| CE')][0]
    assert method.endswith('| 42.5 |') and ce.endswith('| n/a |')
    assert all(line.count('|') == header.count('|') for line in table if line.startswith('|'))


def test_targets_are_checked_against_the_measured_means():
    rows = [dict(name='bs', label='BS'), dict(name='method', label='method'),
            dict(name='teacher', label='teacher')]
    base = dict(PROVENANCE, s_per_epoch=3.0, peak_rss_mb=100.0)
    records = [dict(base, row='bs', seed=s, mean_per_class=v) for s, v in ((0, 75.0), (1, 77.0))]
    records += [dict(base, row='method', seed=s, mean_per_class=v, few=f)
                for s, v, f in ((0, 78.0, 84.0), (1, 79.0, 86.0), (2, 80.0, None))]
    records.append(dict(base, row='teacher', seed=0, mean_per_class=81.0, few=90.0))
    targets = [dict(label='lead', row='method', against='bs', metric='mean_per_class',
                    min_diff=2.0, seeds=2),
               dict(label='gap', row='method', against='teacher', metric='mean_per_class',
                    min_diff=-1.5),
               dict(label='few gap', row='method', against='teacher', metric='few',
                    min_diff=-3.0),
               dict(label='absent', row='method', against='ldam', metric='few', min_diff=0.0)]
    lines = run_table.target_lines(records, targets)
    # 79.0 - 76.0 = +3.0 >= 2: met (2 seeds of each row asked for); 79.0 - 81.0 = -2.0 < -1.5:
    # missed, on one teacher run where the default of 3 seeds is asked for
    assert lines[0] == '- lead (target +2.0): 79.0 against 76.0 (3 / 2 seeds), +3.0: **met**'
    indicative = ' (indicative: a verdict needs 3 seeds of each row)'
    assert lines[1].endswith('-2.0: **missed**' + indicative)
    # few: the method's seeds without a few value are left out of its mean
    assert lines[2] == ('- few gap (target -3.0): 85.0 against 90.0 (2 / 1 seeds), -5.0: '
                        '**missed**' + indicative)
    assert lines[3] == '- absent: not measured (method or ldam not run)'
    table = run_table.markdown(_data(rows, records, targets))
    assert lines[-1] + '\n\nProvenance' in table and 'Targets (means' in table
    assert 'Targets' not in run_table.markdown(_data(rows, records))


def test_the_command_line_records_each_run_with_its_provenance(tmp_path, monkeypatch):
    """run_table.py's CLI (--table --rows --seeds --epochs --work-root --jobs): each new run
    is appended with the exact command, the commit, the machine and the date, an existing
    run is not made again, and the Markdown is what the results file makes."""
    import records
    made = []

    def fake_run_one(row, seed, epochs, work_root, python, threads, heldout=None, test=True,
                     extra=()):
        made.append((row.name, seed, epochs, work_root))
        return dict(row=row.name, seed=seed, config=row.config, options=[],
                    s_per_epoch=1.0 + seed, peak_rss_mb=10.0)

    monkeypatch.setattr(run_table, 'run_one', fake_run_one)
    out = str(tmp_path / 'cost.json')
    argv = ['benchmarks/run_table.py', '--table', 'fmnist_lt_cost', '--rows', 'ce', '--seeds',
            '0', '1', '--epochs', '2', '--work-root', str(tmp_path / 'w'), '--jobs', '2',
            '--out', out]
    monkeypatch.setattr(sys, 'argv', argv)
    run_table.main()
    assert sorted(made) == [('ce', 0, 2, str(tmp_path / 'w' / 'fmnist_lt_cost')),
                            ('ce', 1, 2, str(tmp_path / 'w' / 'fmnist_lt_cost'))]
    data = records.load(out)
    assert data['kind'] == 'run_table' and data['table'] == 'fmnist_lt_cost'
    for run in data['runs']:
        assert run['command'] == 'python ' + ' '.join(argv)
        assert run['machine']['threads'] == 1 and run['commit'] and run['date']
    with open(tmp_path / 'cost.md') as f:
        assert f.read() == records.render(out)
    made.clear()
    run_table.main()  # both runs are recorded: nothing is made again
    assert made == [] and len(records.load(out)['runs']) == 2
    # one process: each seed's rows run back to back (side-by-side timings)
    argv[argv.index('ce') + 1:argv.index('ce') + 1] = ['online-mixup']
    argv[argv.index('--jobs') + 1] = '1'
    monkeypatch.setattr(sys, 'argv', argv)
    run_table.main()
    assert [(name, seed) for name, seed, *_ in made] == [('online-mixup', 0), ('online-mixup', 1)]
    made.clear()
    argv[argv.index('--out') + 1] = str(tmp_path / 'cost2.json')
    run_table.main()
    assert [(name, seed) for name, seed, *_ in made] == [
        ('ce', 0), ('online-mixup', 0), ('ce', 1), ('online-mixup', 1)]
