"""`policy-lens analyze` on a whole corpus (default: all of
../shared/corpus/cctv-2022): wall time, peak RSS (wait4), CPU time and the
record counts, one run into a fresh output directory.

    python3 evaluation/bench/full_corpus.py [--model DIR] [--corpus PATH] [--out DIR]
"""

import argparse
import os
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
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    cmd = [args.binary, "analyze", args.corpus, "--out", args.out]
    if args.model:
        cmd += ["--model", args.model]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = p.stdout.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("analyze failed")
    print(
        f"\nanalyze {args.corpus} (model {args.model or 'default'}): {wall:.1f} s wall "
        f"({wall / 60:.2f} min), peak RSS {usage.ru_maxrss / 1024:.0f} MiB, "
        f"CPU {usage.ru_utime:.0f} s user + {usage.ru_stime:.0f} s system"
    )
    print(stdout.strip())


if __name__ == "__main__":
    main()
