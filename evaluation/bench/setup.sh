#!/usr/bin/env bash
# Creates the benchmark's Python virtualenv (default: .venv-bench at the
# repository root) from evaluation/bench/requirements.txt. Idempotent: a venv
# whose requirements stamp matches is reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${BENCH_VENV:-$root/.venv-bench}"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "bench venv up to date: $venv" >&2
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
echo "$want" > "$stamp"
echo "bench venv ready: $venv" >&2
