#!/usr/bin/env python3
"""Run ``policy-lens analyze --stream`` over a JSONL corpus with Apache Spark.

The corpus is split into ``--partitions`` partitions; each partition is piped
(``RDD.pipe``) through ONE ``policy-lens analyze --stream --model MODEL``
process, so the model is loaded once per partition, and a cluster runs as many
such processes at a time as it has task slots (executors x cores / task cpus).

Outputs under ``--out`` (a local path or any Hadoop URI: hdfs://, s3a://, ...):

* ``records/``            the output records, one JSON object per input line
                          (an article record, or ``{"id","line","error","path"}``),
                          in input order, as JSONL part files (``--format jsonl``,
                          default) or Parquet (``--format parquet``: columns
                          ``idx, id, error, categories_present, record``);
* ``category_counts/``    CSV (header): ``category,articles`` -- articles with
                          the category present;
* ``counts/``             one JSON object: records_in / records_out /
                          summarised / failed / partitions / per-category counts;
* for a local ``--out`` also plain ``counts.json``, ``category_counts.csv``
  and ``_SUCCESS_POLICY_LENS`` files.

Every non-blank input line must come back as exactly one output record with
the same id: records in and out are counted per partition, then input and
output are paired (``RDD.zip``) and ids compared; the job fails with exit
status 3 (and writes no records) if records in != records out, if an id
differs, or if a policy-lens process exits non-zero.

Binary and model: either paths present on every node (``--binary``,
``--model``), or shipped with the job the Spark way and named by their
shipped name::

    spark-submit --files target/release/policy-lens \\
                 --archives model.tar.gz#model \\
                 policy_lens_job.py --shipped-binary policy-lens \\
                 --shipped-model model --input ... --out ...

(``model.tar.gz`` made with ``tar -C models/policy-lens-m3e-small -czf
model.tar.gz .`` so that its files sit at the top of the archive.) A shipped
name is resolved with ``SparkFiles.get`` for a local master and as
``./NAME`` (the executor's working directory, where YARN and Kubernetes put
``--files`` / ``--archives``) otherwise. Without ``--binary`` /
``--shipped-binary`` the job uses a shipped ``policy-lens`` if
``spark.files`` names one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import posixpath
import shlex
import sys
from urllib.parse import urlparse

from pyspark import SparkFiles, StorageLevel
from pyspark.sql import SparkSession


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="policy-lens analyze --stream on Spark (one model load per partition)"
    )
    ap.add_argument("--input", required=True, help="JSONL corpus (path or URI; globs ok)")
    ap.add_argument("--out", required=True, help="output directory (must not exist)")
    ap.add_argument("--partitions", type=int, default=None,
                    help="number of partitions = policy-lens processes (default: 2 x cores)")
    ap.add_argument("--binary", default=None,
                    help="policy-lens path present on every node")
    ap.add_argument("--model", default=None,
                    help="model directory present on every node")
    ap.add_argument("--shipped-binary", default=None, metavar="NAME",
                    help="name of the binary shipped with --files")
    ap.add_argument("--shipped-model", default=None, metavar="NAME",
                    help="name (#alias) of the model archive shipped with --archives")
    ap.add_argument("--threads", type=int, default=None,
                    help="RAYON_NUM_THREADS for each policy-lens process "
                         "(default: spark.task.cpus, i.e. 1)")
    ap.add_argument("--batch-size", type=int, default=None,
                    help="passed to policy-lens --batch-size (sentences per forward batch)")
    ap.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
    ap.add_argument("--verbose", action="store_true", help="keep Spark's INFO logging")
    ap.add_argument("--master", default=None,
                    help="Spark master when run with plain python (spark-submit sets it)")
    return ap.parse_args(argv)


def is_local_path(uri: str) -> bool:
    scheme = urlparse(uri).scheme
    return scheme in ("", "file")


def local_path(uri: str) -> str:
    return urlparse(uri).path if uri.startswith("file:") else uri


def shipped(sc, name: str, local_master: bool) -> str:
    """Where executors find a file/archive shipped as NAME."""
    if local_master:
        # Local executors run in the driver's JVM and see the driver's
        # SparkFiles directory (files get a+x when fetched).
        return SparkFiles.get(name)
    # YARN / Kubernetes / standalone executors fetch --files and unpack
    # --archives into their working directory, which is the pipe's cwd.
    return "./" + name


def shipped_names(conf, key: str) -> list[str]:
    names = []
    for item in (conf.get(key, "") or "").split(","):
        item = item.strip()
        if not item:
            continue
        if "#" in item:
            names.append(item.rsplit("#", 1)[1])
        else:
            names.append(posixpath.basename(urlparse(item).path or item))
    return names


def resolve(sc, args, local_master: bool) -> tuple[str, str]:
    conf = sc.getConf()
    files = shipped_names(conf, "spark.files") + shipped_names(conf, "spark.yarn.dist.files")
    archives = (shipped_names(conf, "spark.archives")
                + shipped_names(conf, "spark.yarn.dist.archives"))

    if args.shipped_binary:
        binary = shipped(sc, args.shipped_binary, local_master)
    elif args.binary:
        binary = os.path.abspath(args.binary) if is_local_path(args.binary) else args.binary
    elif "policy-lens" in files:
        binary = shipped(sc, "policy-lens", local_master)
    else:
        sys.exit("policy_lens_job: give --binary PATH or ship it (--files policy-lens "
                 "and --shipped-binary policy-lens)")

    if args.shipped_model:
        if args.shipped_model not in archives + files:
            print(f"policy_lens_job: warning: {args.shipped_model!r} is not among the "
                  f"shipped archives {archives} / files {files}", file=sys.stderr)
        model = shipped(sc, args.shipped_model, local_master)
    elif args.model:
        model = os.path.abspath(args.model)
    elif "model" in archives:
        model = shipped(sc, "model", local_master)
    else:
        sys.exit("policy_lens_job: give --model DIR or ship it "
                 "(--archives model.tar.gz#model and --shipped-model model)")

    if local_master:
        for what, p in (("binary", binary), ("model", model)):
            if not os.path.exists(p):
                sys.exit(f"policy_lens_job: {what} not found: {p}")
        if not os.access(binary, os.X_OK):
            sys.exit(f"policy_lens_job: binary is not executable: {binary}")
    return binary, model


def input_id(line: str):
    """The id policy-lens will give a JSONL line (None if it will make one up)."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    v = obj.get("id")
    if isinstance(v, bool):
        return None
    if isinstance(v, str) and v.strip():
        return v.strip()
    if isinstance(v, int):
        return str(v)
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    builder = SparkSession.builder.appName("policy-lens").config(
        "spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    if not args.verbose:
        sc.setLogLevel("WARN")
    # local / local[N] / local[*]: executors share the driver JVM and its
    # SparkFiles dir; local-cluster, standalone, YARN, k8s: separate executors.
    local_master = sc.master == "local" or sc.master.startswith("local[")

    binary, model = resolve(sc, args, local_master)
    task_cpus = int(sc.getConf().get("spark.task.cpus", "1"))
    threads = args.threads or task_cpus
    partitions = args.partitions or 2 * sc.defaultParallelism

    cmd = [binary, "analyze", "--stream", "--model", model]
    if args.batch_size:
        cmd += ["--batch-size", str(args.batch_size)]
    command = shlex.join(cmd)
    # RDD.pipe replaces the whole environment with `env`: pass what is needed.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "RAYON_NUM_THREADS": str(threads),
    }
    print(f"policy_lens_job: {partitions} partitions, command: {command} "
          f"(RAYON_NUM_THREADS={threads})", file=sys.stderr)

    # Blank lines produce no output record in --stream mode: drop them here so
    # that records in == records out holds line for line.
    lines = sc.textFile(args.input).filter(lambda l: l.strip() != "")
    # Deterministic round-robin partitioning by input position, so the input
    # partition i is exactly what process i reads, even if recomputed.
    indexed = (
        lines.zipWithIndex()
        .map(lambda p: (p[1], p[0]))
        .partitionBy(partitions, lambda idx: idx)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    outputs = (
        indexed.map(lambda kv: kv[1])
        .pipe(command, env=env, checkCode=True)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )

    def per_partition(rdd):
        return dict(rdd.mapPartitionsWithIndex(lambda i, it: [(i, sum(1 for _ in it))]).collect())

    in_counts = per_partition(indexed)
    try:
        # Runs the policy-lens processes (once: the output is persisted).
        out_counts = per_partition(outputs)
    except Exception as e:
        text = str(e)
        tail = [l for l in text.splitlines() if "Error" in l or "error" in l][-3:]
        print(f"policy_lens_job: FAILED: a policy-lens process failed: {' / '.join(tail) or text[:500]}",
              file=sys.stderr)
        spark.stop()
        return 3
    records_in = sum(in_counts.values())
    records_out = sum(out_counts.values())
    bad = {i: (in_counts.get(i, 0), out_counts.get(i, 0))
           for i in set(in_counts) | set(out_counts)
           if in_counts.get(i, 0) != out_counts.get(i, 0)}
    if records_in != records_out or bad:
        print(f"policy_lens_job: FAILED: records in {records_in}, records out {records_out}; "
              f"partitions (in, out): {dict(sorted(bad.items())[:10])}", file=sys.stderr)
        spark.stop()
        return 3
    # zip pairs input i with output i inside each partition (same counts, checked above).
    paired = indexed.zip(outputs).persist(StorageLevel.MEMORY_AND_DISK)

    def check(pair):
        (idx, line), out = pair
        try:
            rec = json.loads(out)
        except ValueError:
            return ("bad_output", idx, out[:200])
        want = input_id(line)
        got = rec.get("id") if isinstance(rec, dict) else None
        if want is not None and got != want:
            return ("id_mismatch", idx, f"input id {want!r}, output id {got!r}")
        return None

    problems = paired.map(check).filter(lambda x: x is not None).take(20)
    if problems:
        print(f"policy_lens_job: FAILED: {len(problems)}+ output records do not match "
              f"their input lines: {problems[:5]}",
              file=sys.stderr)
        spark.stop()
        return 3

    def summarize(rec_json):
        rec = json.loads(rec_json)
        if "error" in rec:
            return (0, 1, {}, ())
        cats = {c: 0 for c in rec.get("categories", {})}
        for c in rec.get("categories_present", []):
            cats[c] = 1
        return (1, 0, cats, ())

    def merge(a, b):
        cats = dict(a[2])
        for c, n in b[2].items():
            cats[c] = cats.get(c, 0) + n
        return (a[0] + b[0], a[1] + b[1], cats, ())

    summarised, failed, cats, _ = paired.map(lambda p: summarize(p[1])).fold((0, 0, {}, ()), merge)
    counts = {
        "records_in": records_in,
        "records_out": records_out,
        "summarised": summarised,
        "failed": failed,
        "partitions": partitions,
        "categories": dict(sorted(cats.items())),
        "input": args.input,
        "model": model,
    }

    ordered = paired.map(lambda p: (p[0][0], p[1])).sortByKey(numPartitions=partitions)
    out = args.out.rstrip("/")
    if args.format == "jsonl":
        ordered.map(lambda kv: kv[1]).saveAsTextFile(out + "/records")
    else:
        from pyspark.sql import Row

        def row(kv):
            rec = json.loads(kv[1])
            return Row(idx=kv[0], id=rec.get("id"), error=rec.get("error"),
                       categories_present=rec.get("categories_present"), record=kv[1])

        spark.createDataFrame(
            ordered.map(row),
            "idx long, id string, error string, categories_present array<string>, record string",
        ).write.parquet(out + "/records")

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["category", "articles"])
    for c, n in sorted(cats.items()):
        w.writerow([c, n])
    w.writerow(["_records_in", records_in])
    w.writerow(["_summarised", summarised])
    w.writerow(["_failed", failed])
    table = buf.getvalue()
    sc.parallelize(table.splitlines(), 1).saveAsTextFile(out + "/category_counts")
    sc.parallelize([json.dumps(counts, ensure_ascii=False)], 1).saveAsTextFile(out + "/counts")
    if is_local_path(out):
        d = local_path(out)
        with open(os.path.join(d, "category_counts.csv"), "w", encoding="utf-8") as f:
            f.write(table)
        with open(os.path.join(d, "counts.json"), "w", encoding="utf-8") as f:
            json.dump(counts, f, ensure_ascii=False, indent=2)
            f.write("\n")
        open(os.path.join(d, "_SUCCESS_POLICY_LENS"), "w").close()

    print(f"policy_lens_job: records in {records_in}, out {records_out}, summarised "
          f"{summarised}, failed {failed}; wrote {out}", file=sys.stderr)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
