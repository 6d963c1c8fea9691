"""tools/analysis_tools/shot_table.py: the table printed from test-tool outputs."""
import json

import pytest
from toolrun import python_tool

METRICS = {'accuracy/top1': 71.0, 'accuracy/mean_per_class': 72.25, 'accuracy/many': 80.0,
           'accuracy/medium': 65.5, 'accuracy/few': 59.94}


@pytest.mark.slow
def test_table_rows_follow_the_files(tmp_path):
    first, second = tmp_path / 'a.json', tmp_path / 'b.json'
    first.write_text(json.dumps(METRICS))
    second.write_text(json.dumps(dict(METRICS, **{'accuracy/few': 90.0})))
    out = tmp_path / 'table.md'
    proc = python_tool('analysis_tools/shot_table.py', f'teacher={first}', f'student={second}',
                       '--out', str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[2] == '| teacher | 80.0 | 65.5 | 59.9 | 72.2 |'
    assert lines[3] == '| student | 80.0 | 65.5 | 90.0 | 72.2 |'
    assert out.read_text().strip() == proc.stdout.strip()


@pytest.mark.slow
def test_missing_file_and_metric_are_named(tmp_path):
    proc = python_tool('analysis_tools/shot_table.py', f'x={tmp_path / "none.json"}')
    assert proc.returncode != 0 and 'none.json' in proc.stderr
    plain = tmp_path / 'plain.json'
    plain.write_text(json.dumps({'accuracy/top1': 50.0}))
    proc = python_tool('analysis_tools/shot_table.py', f'x={plain}')
    assert proc.returncode != 0 and 'accuracy/many' in proc.stderr
    assert 'ShotAccuracy' in proc.stderr
    proc = python_tool('analysis_tools/shot_table.py', str(plain))
    assert proc.returncode != 0 and 'LABEL=FILE' in proc.stderr
