#!/usr/bin/env bash
# Creates the PySpark virtualenv for evaluation/spark (default: .venv-spark in
# the repository root; override with SPARK_VENV) and installs
# evaluation/spark/requirements.txt from PyPI. Idempotent: an existing venv
# that already imports the pinned pyspark is left alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
venv="${SPARK_VENV:-.venv-spark}"
python="${PYTHON:-python3}"
want="$(sed -n 's/^pyspark==\([^ ]*\).*/\1/p' "$here/requirements.txt")"

if [[ -x "$venv/bin/python" ]] &&
   have="$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null)" &&
   [[ "$have" == "$want" ]]; then
    echo "setup.sh: $venv already has pyspark $have" >&2
    exit 0
fi
if ! command -v java >/dev/null 2>&1; then
    echo "setup.sh: warning: no java on PATH; Spark needs Java 8/11/17" >&2
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
"$venv/bin/python" -c 'import pyspark; print("setup.sh: pyspark", pyspark.__version__, "in '"$venv"'")'
