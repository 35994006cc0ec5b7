"""`policy-lens analyze` on a whole corpus (default: all of
../shared/corpus/cctv-2022): wall time, peak RSS (wait4), CPU time and the
record counts; each run into a fresh output directory, the median wall time
and the largest peak RSS of --runs runs (default 3).

    python3 evaluation/bench/full_corpus.py [--model DIR] [--corpus PATH] [--out DIR] [--runs N]
"""

import argparse
import os
import statistics
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "target/release/policy-lens"))
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus/cctv-2022"))
    ap.add_argument("--model", default=None, help="model dir (default: the shipped model)")
    ap.add_argument("--out", default=str(ROOT / "out/bench/full-corpus"))
    ap.add_argument("--runs", type=int, default=3, help="runs; the median wall time is reported")
    args = ap.parse_args()
    cmd = [args.binary, "analyze", args.corpus, "--out", args.out]
    if args.model:
        cmd += ["--model", args.model]
    walls, rss = [], []
    for run in range(1, args.runs + 1):
        wall, usage, stdout = analyze_once(cmd, args.out)
        walls.append(wall)
        rss.append(usage.ru_maxrss / 1024)
        print(
            f"run {run}: {wall:.1f} s wall, peak RSS {rss[-1]:.0f} MiB, "
            f"CPU {usage.ru_utime:.0f} s user + {usage.ru_stime:.0f} s system",
            flush=True,
        )
    wall = statistics.median(walls)
    print(
        f"\nanalyze {args.corpus} (model {args.model or 'default'}), median of {args.runs}: "
        f"{wall:.1f} s wall ({wall / 60:.2f} min), peak RSS {max(rss):.0f} MiB"
    )
    print(stdout.strip())


def analyze_once(cmd, out):
    """One `analyze` into a fresh `out`: wall seconds, rusage, stdout."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = p.stdout.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("analyze failed")
    return wall, usage, stdout


if __name__ == "__main__":
    main()
