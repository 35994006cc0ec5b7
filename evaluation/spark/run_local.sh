#!/usr/bin/env bash
# The one command: run policy-lens on the 新闻联播 2022 corpus with Spark in
# local[2] mode and check it against the single-process run.
#
#   bash evaluation/spark/run_local.sh
#
# Steps: (1) PySpark venv (evaluation/spark/setup.sh, once), (2) cctv-2022 ->
# $OUT_DIR/corpus.jsonl (to_jsonl.py), (3) the Spark job (policy_lens_job.py,
# spark-submit --master local[2]) -> $OUT_DIR/spark, (4) the single-process
# `policy-lens analyze CORPUS --out $OUT_DIR/single` (skipped if SINGLE_OUT
# names an existing output directory), (5) compare.py: same ids, same
# categories_present per id, records in = records out. Prints one verdict
# line; exits non-zero on a mismatch.
#
# Environment (all optional):
#   POLICY_LENS_BIN    binary         (default target/release/policy-lens)
#   POLICY_LENS_MODEL  model dir      (default models/policy-lens-m3e-small)
#   CORPUS_DIR         transcripts    (default shared/corpus/cctv-2022, else ../shared/...)
#   OUT_DIR            outputs        (default out/spark-cctv-2022; replaced)
#   SINGLE_OUT         existing `policy-lens analyze --out` dir of the same corpus
#   SPARK_MASTER       (default local[2])
#   PARTITIONS         (default: 2 x cores of the master)
#   SPARK_VENV         PySpark venv   (default .venv-spark)
#   LIMIT_DAYS         only the first N days (development; default: all 365)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

bin="${POLICY_LENS_BIN:-target/release/policy-lens}"
model="${POLICY_LENS_MODEL:-models/policy-lens-m3e-small}"
if [[ -n "${CORPUS_DIR:-}" ]]; then corpus="$CORPUS_DIR"
elif [[ -d shared/corpus/cctv-2022 ]]; then corpus=shared/corpus/cctv-2022
else corpus=../shared/corpus/cctv-2022; fi
out="${OUT_DIR:-out/spark-cctv-2022}"
master="${SPARK_MASTER:-local[2]}"
venv="${SPARK_VENV:-.venv-spark}"

die() { echo "run_local.sh: $*" >&2; exit 2; }
[[ -x "$bin" ]] || die "no policy-lens binary at $bin (cargo build --release, or set POLICY_LENS_BIN)"
[[ -d "$model" ]] || die "no model directory at $model (set POLICY_LENS_MODEL)"
[[ -d "$corpus" ]] || die "no corpus folder at $corpus (set CORPUS_DIR)"
if [[ -d src ]] && [[ -n "$(find src Cargo.toml -newer "$bin" -print -quit 2>/dev/null)" ]]; then
    echo "run_local.sh: warning: $bin is older than the sources (stale build?)" >&2
fi

SPARK_VENV="$venv" bash "$here/setup.sh"
py="$root/$venv/bin/python"
[[ "$venv" = /* ]] && py="$venv/bin/python"
export PATH="$(dirname "$py"):$PATH" PYSPARK_PYTHON="$py" PYSPARK_DRIVER_PYTHON="$py"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# The input files: the whole folder, or its first LIMIT_DAYS transcripts.
if [[ -n "${LIMIT_DAYS:-}" ]]; then
    mapfile -t inputs < <(find "$corpus" -maxdepth 1 -name '*.md' | LC_ALL=C sort | head -n "$LIMIT_DAYS")
else
    inputs=("$corpus")
fi

rm -rf "$out"
mkdir -p "$out"
echo "== 1/4 converting ${#inputs[@]} input(s) from $corpus to $out/corpus.jsonl" >&2
"$py" "$here/to_jsonl.py" "${inputs[@]}" --out "$out/corpus.jsonl"

echo "== 2/4 Spark job ($master) -> $out/spark" >&2
spark-submit --master "$master" \
    --conf spark.ui.enabled=false \
    "$here/policy_lens_job.py" \
    --input "$out/corpus.jsonl" --out "$out/spark" \
    --binary "$bin" --model "$model" \
    ${PARTITIONS:+--partitions "$PARTITIONS"}

if [[ -n "${SINGLE_OUT:-}" ]]; then
    [[ -f "$SINGLE_OUT/articles.jsonl" ]] || die "SINGLE_OUT=$SINGLE_OUT has no articles.jsonl"
    single="$SINGLE_OUT"
    echo "== 3/4 single-process run: reusing $single" >&2
else
    single="$out/single"
    echo "== 3/4 single-process policy-lens analyze -> $single" >&2
    "$bin" analyze "${inputs[@]}" --model "$model" --out "$single"
fi

echo "== 4/4 compare" >&2
"$py" "$here/compare.py" --corpus "$out/corpus.jsonl" --spark "$out/spark" --single "$single"
