"""benchmarks/schedule_figure.py: accuracy against epochs gathered from the tables' records."""
import os.path as osp
import sys

from toolrun import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'benchmarks'))
import records as rec  # noqa: E402
import schedule_figure  # noqa: E402


def _save(root, table: str, runs: list) -> None:
    rec.save(osp.join(root, f'{table}.json'), dict(schema=rec.SCHEMA, runs=runs))


def test_series_from_the_schedule_main_and_views_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule_figure, 'RESULTS', str(tmp_path))
    _save(tmp_path, 'fmnist_lt_schedule', [
        dict(row='method-160e', seed=s, mean_per_class=80.0 + s) for s in (0, 1)] + [
        dict(row='teacher', seed=0, mean_per_class=82.0),
        dict(row='balanced-softmax-20e', seed=0, mean_per_class=70.0)])
    _save(tmp_path, 'fmnist_lt_main', [
        dict(row='method', seed=0, mean_per_class=75.0),
        dict(row='balanced-softmax', seed=0, mean_per_class=None)])  # not measured
    _save(tmp_path, 'fmnist_lt_variants', [])
    _save(tmp_path, 'fmnist_lt_views', [
        dict(row='online-mixup-bf16-160e', seed=0, mean_per_class=83.0),
        dict(row='online-mixup-80e', seed=0, mean_per_class=81.0)])
    series = schedule_figure.gather('mean_per_class')
    assert series['the method'] == {160: [80.0, 81.0], 20: [75.0]}
    # the schedule table wins where both measured a length
    assert series['binary, balanced softmax'] == {20: [70.0]}
    assert series[schedule_figure.ONLINE_MIXUP] == {80: [81.0], 160: [83.0]}
