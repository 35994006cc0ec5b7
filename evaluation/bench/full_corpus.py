"""`policy-lens analyze` on all of ../shared/corpus/cctv-2022: wall time,
peak RSS and counts (one run; a fresh output directory each time)."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    binary = ROOT / "target/release/policy-lens"
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/corpus/cctv-2022"
    out = ROOT / "out/bench/full-corpus"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "analyze", corpus, "--out", out], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = p.stdout.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("analyze failed")
    print(f"\nanalyze {corpus}: {wall:.1f} s wall ({wall / 60:.2f} min), peak RSS {usage.ru_maxrss / 1024:.0f} MiB")
    print(stdout.strip())


if __name__ == "__main__":
    main()
