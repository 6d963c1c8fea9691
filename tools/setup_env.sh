#!/usr/bin/env bash
# Create (if missing) the virtual environment .venv in the repository root and install mmltbin
# into it, editable, with the exact versions of requirements/constraints.txt. Idempotent: a
# second run only checks that everything is in place.
#
# Usage: bash tools/setup_env.sh [extras]     (default extras: tests,teachers,deploy)
# Environment: PYTHON (default python3), VENV (default <repo>/.venv)
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-"$ROOT_DIR/.venv"}
PYTHON=${PYTHON:-python3}
EXTRAS=${1:-tests,teachers,deploy}

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 9), "mmltbin needs Python >= 3.9"'
  echo "Creating $VENV ..."
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.mmltbin-installed"
HASH=$(cat "$ROOT_DIR/setup.py" "$ROOT_DIR"/requirements/*.txt | sha256sum | cut -c1-16)-$EXTRAS
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ] && "$VENV/bin/python" -c 'import mmltbin' 2>/dev/null; then
  echo "Environment $VENV is up to date."
  exit 0
fi
echo "Installing mmltbin[$EXTRAS] into $VENV (torch and torchvision from the pinned versions) ..."
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -c "$ROOT_DIR/requirements/constraints.txt" -e "$ROOT_DIR[$EXTRAS]"
# `mim train|test|run mmltbin` look for site-packages/mmltbin, which an editable install lacks
"$VENV/bin/python" -m mmltbin.utils.mim_link
"$VENV/bin/python" -c 'import mmltbin, mmpretrain, torch; print("mmltbin", mmltbin.__version__, "| mmpretrain", mmpretrain.__version__, "| torch", torch.__version__)'
echo "$HASH" > "$STAMP"
