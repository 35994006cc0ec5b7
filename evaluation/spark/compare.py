#!/usr/bin/env python3
"""Compare the Spark job's output with a single-process policy-lens run.

    compare.py --corpus corpus.jsonl --spark SPARK_OUT --single FILE_MODE_OUT

SPARK_OUT is policy_lens_job.py's ``--out`` (records/part-* JSONL and
counts.json); FILE_MODE_OUT is ``policy-lens analyze ... --out`` (articles.jsonl
and errors.jsonl), or with ``--single-stream FILE`` the stdout of
``policy-lens analyze --stream`` on the same corpus.

Checks: records in (non-blank corpus lines) = records out (Spark) = records of
the single run; same set of summarised ids; same set of failed ids; the same
``categories_present`` for every id. Prints ONE verdict line (``OK`` or
``MISMATCH``, with the first differences) and exits 1 on a mismatch.

Scores are not compared: they can differ in the last float digits because a
Spark partition batches different sentences together (padding), which is
harmless unless a score sits exactly on a threshold -- then the article
shows up here as a categories_present difference, with its ids.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys


def read_jsonl(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except ValueError as e:
                        raise SystemExit(f"compare.py: {p}:{n}: bad JSON: {e}")
    return out


def split(records):
    """(summarised: id -> sorted categories_present, failed ids, failed without id).

    A failure is an ``--stream`` error record (``error`` key) or an
    errors.jsonl record of file mode (``reason`` key)."""
    ok, failed, anon = {}, [], 0
    for r in records:
        if "error" in r or "reason" in r:
            if r.get("id") is None:
                anon += 1
            else:
                failed.append(r["id"])
        else:
            ok[r["id"]] = sorted(r.get("categories_present") or [])
    return ok, failed, anon


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="the JSONL the Spark job read")
    ap.add_argument("--spark", required=True, help="policy_lens_job.py --out directory")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--single", help="policy-lens analyze --out directory")
    g.add_argument("--single-stream", help="policy-lens analyze --stream output file")
    args = ap.parse_args(argv)

    problems = []
    with open(args.corpus, encoding="utf-8") as f:
        records_in = sum(1 for line in f if line.strip())

    parts = sorted(glob.glob(os.path.join(args.spark, "records", "part-*")))
    if not parts:
        raise SystemExit(f"compare.py: no {args.spark}/records/part-* (did the job fail?)")
    spark = read_jsonl(parts)
    counts_path = os.path.join(args.spark, "counts.json")
    if os.path.exists(counts_path):
        with open(counts_path, encoding="utf-8") as f:
            counts = json.load(f)
        if counts["records_in"] != counts["records_out"]:
            problems.append(f"job counted in {counts['records_in']} != out {counts['records_out']}")
        if counts["records_in"] != records_in:
            problems.append(f"job read {counts['records_in']} records, corpus has {records_in}")
    else:
        problems.append(f"no {counts_path}")

    if args.single:
        single = read_jsonl([os.path.join(args.single, "articles.jsonl")])
        errs = os.path.join(args.single, "errors.jsonl")
        single += read_jsonl([errs]) if os.path.exists(errs) else []
    else:
        single = read_jsonl([args.single_stream])

    if len(spark) != records_in:
        problems.append(f"records in {records_in} != Spark records out {len(spark)}")
    if len(single) != records_in:
        problems.append(f"records in {records_in} != single-process records {len(single)}")

    s_ok, s_failed, s_anon = split(spark)
    f_ok, f_failed, f_anon = split(single)
    if len(s_ok) + len(s_failed) + s_anon != len(spark):
        problems.append("duplicate ids in Spark output")
    if set(s_ok) != set(f_ok):
        only_s = sorted(set(s_ok) - set(f_ok))
        only_f = sorted(set(f_ok) - set(s_ok))
        problems.append(f"summarised ids differ: only Spark {len(only_s)} {only_s[:5]}, "
                        f"only single {len(only_f)} {only_f[:5]}")
    if sorted(s_failed) != sorted(f_failed) or s_anon != f_anon:
        problems.append(f"failed ids differ: Spark {sorted(s_failed)[:5]} (+{s_anon} without id), "
                        f"single {sorted(f_failed)[:5]} (+{f_anon} without id)")
    cat_diff = [i for i in sorted(set(s_ok) & set(f_ok)) if s_ok[i] != f_ok[i]]
    if cat_diff:
        problems.append(f"categories_present differs for {len(cat_diff)} ids, e.g. "
                        + "; ".join(f"{i}: Spark {s_ok[i]} vs single {f_ok[i]}" for i in cat_diff[:3]))

    summary = (f"records in {records_in}, Spark out {len(spark)} "
               f"({len(s_ok)} summarised, {len(s_failed) + s_anon} failed), "
               f"single-process {len(single)}")
    if problems:
        print(f"MISMATCH: {summary}: " + " | ".join(problems))
        return 1
    print(f"OK: {summary}; same ids, same categories_present for all {len(s_ok)} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
