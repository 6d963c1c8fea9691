#!/usr/bin/env bash
# Place Fashion-MNIST (the embedded default data) under data/fashion_mnist/ as mmpretrain's
# FashionMNIST dataset reads it: the four idx files, un-gzipped.
#
# Source: the Debian package `dataset-fashion-mnist` (MIT). Uses the installed copy under
# /usr/share/datasets/fashion-mnist when present; otherwise downloads the .deb with
# `apt-get download` (no root needed) and unpacks it with dpkg-deb. Idempotent.
#
# Usage: bash tools/prepare_data.sh [DATA_ROOT]     (default: data/fashion_mnist)
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-"$ROOT_DIR/data/fashion_mnist"}
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
SYSTEM_DIR=/usr/share/datasets/fashion-mnist

have_all() { for f in "${FILES[@]}"; do [ -s "$DEST/$f" ] || return 1; done; }

if have_all; then
  echo "Fashion-MNIST already prepared in $DEST"
  exit 0
fi
mkdir -p "$DEST"

SRC=""
if [ -s "$SYSTEM_DIR/${FILES[0]}.gz" ]; then
  SRC=$SYSTEM_DIR
else
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
    echo "error: Fashion-MNIST is not installed and apt-get/dpkg-deb are missing." >&2
    echo "Install the Debian package dataset-fashion-mnist, or copy the four *-ubyte.gz files" >&2
    echo "from https://github.com/zalandoresearch/fashion-mnist into $SYSTEM_DIR." >&2
    exit 1
  }
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  echo "Downloading the Debian package dataset-fashion-mnist ..."
  if ! (cd "$TMP" && apt-get download dataset-fashion-mnist >/dev/null 2>"$TMP/err"); then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >/dev/null 2>&1 || true
      (cd "$TMP" && apt-get download dataset-fashion-mnist >/dev/null 2>"$TMP/err") || {
        echo "error: apt-get download dataset-fashion-mnist failed:" >&2; cat "$TMP/err" >&2; exit 1; }
    else
      echo "error: apt-get download dataset-fashion-mnist failed (run 'apt-get update' as root?):" >&2
      cat "$TMP/err" >&2; exit 1
    fi
  fi
  dpkg-deb -x "$TMP"/dataset-fashion-mnist_*.deb "$TMP/x"
  SRC="$TMP/x$SYSTEM_DIR"
fi

for f in "${FILES[@]}"; do
  [ -s "$SRC/$f.gz" ] || { echo "error: $SRC/$f.gz is missing from the package" >&2; exit 1; }
  gzip -dc "$SRC/$f.gz" > "$DEST/$f.part" && mv "$DEST/$f.part" "$DEST/$f"
done
echo "Fashion-MNIST prepared in $DEST"
