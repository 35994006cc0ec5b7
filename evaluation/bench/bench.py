"""Speed benchmark: `policy-lens classify` against the Hugging Face
transformers `text-classification` pipeline, side by side.

Both score the same fixed sample of sentences (the first N sentences of
../shared/corpus/cctv-2022 in file order, as `policy-lens segment` splits
them) with the same exported model, 2 threads each, batch size 32. Runs
alternate (ours, peer, ours, peer, ...); the table reports medians.
Wall time is the whole command (start-up, model load, tokenisation,
inference, output), measured by this script; peak RSS comes from wait4.

Run through evaluation/bench/run.sh, which builds the binary and the
Python virtualenv first. Standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def timed(cmd, stdout_path, env=None):
    """Run cmd; return (wall seconds, peak RSS MiB, stderr text)."""
    with open(stdout_path, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n{err.decode(errors='replace')}")
    return wall, usage.ru_maxrss / 1024.0, err.decode(errors="replace")


def scores_by_id(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "scores" in r:
                out[str(r["id"])] = r["scores"]
    return out


def max_abs_diff(a, b):
    """Largest |score difference| over every id and label of `a` (ids as in `b`)."""
    return max(abs(a[k][l] - b[k][l]) for k in a for l in a[k])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "target/release/policy-lens"))
    ap.add_argument("--python", default=str(ROOT / ".venv-bench/bin/python"))
    ap.add_argument("--model", default=None, help="policy-lens model dir (default: the shipped model)")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus/cctv-2022"))
    ap.add_argument("--sentences", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=str(ROOT / "out/bench"))
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--engine", default="auto", help="policy-lens --engine (auto: int8 on AVX-512 VNNI CPUs)")
    args = ap.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    hf = work / "model-hf"
    export = [args.binary, "export", "--hf", str(hf)]
    if args.model:
        export += ["--model", args.model]
    subprocess.run(export, check=True, stdout=subprocess.DEVNULL)

    sample = work / "sentences.jsonl"
    with open(sample, "wb") as f:
        subprocess.run(
            [args.binary, "segment", args.corpus, "--limit", str(args.sentences)],
            check=True,
            stdout=f,
            stderr=subprocess.DEVNULL,
        )
    n = sum(1 for _ in open(sample, encoding="utf-8"))
    if n < args.sentences:
        sys.exit(f"only {n} sentences in {args.corpus}")

    env = dict(os.environ)
    env["RAYON_NUM_THREADS"] = str(args.threads)
    env["OMP_NUM_THREADS"] = str(args.threads)
    env["TOKENIZERS_PARALLELISM"] = "true"
    ours_cmd = [
        args.binary, "classify", "--model", str(hf), "--input", str(sample),
        "--batch-size", "32", "--engine", args.engine,
    ]
    peer_cmd = [
        args.python, str(ROOT / "evaluation/bench/peer.py"),
        "--model", str(hf), "--input", str(sample),
        "--out", str(work / "peer-scores.jsonl"),
        "--threads", str(args.threads), "--batch-size", "32",
    ]

    runs = {"policy-lens": [], "transformers": []}
    peer_infer = []
    for i in range(args.runs):
        wall, rss, ours_err = timed(ours_cmd, work / "ours-scores.jsonl", env)
        runs["policy-lens"].append((wall, rss))
        print(f"run {i + 1}: policy-lens  {wall:7.2f} s  {rss:7.1f} MiB", file=sys.stderr)
        wall, rss, err = timed(peer_cmd, work / "peer-stdout.txt", env)
        runs["transformers"].append((wall, rss))
        info = json.loads([l for l in err.splitlines() if l.startswith("{")][-1])
        peer_infer.append(info["infer_s"])
        print(f"run {i + 1}: transformers {wall:7.2f} s  {rss:7.1f} MiB", file=sys.stderr)

    ours = scores_by_id(work / "ours-scores.jsonl")
    peer = scores_by_id(work / "peer-scores.jsonl")
    if set(ours) != set(peer):
        sys.exit("the two tools scored different sentence ids")
    max_diff = max_abs_diff(ours, peer)
    # The engine that ran (classify names it on stderr), and, untimed, the
    # f32 engine's scores: how close the model itself is to transformers.
    engine = next(l.split(":", 1)[1].strip() for l in ours_err.splitlines() if l.startswith("engine:"))
    f32_cmd = ours_cmd[:-1] + ["fast"]
    timed(f32_cmd, work / "ours-f32-scores.jsonl", env)
    ours_f32 = scores_by_id(work / "ours-f32-scores.jsonl")
    max_diff_f32 = max_abs_diff(ours_f32, peer)

    med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    rss = {k: max(r for _, r in v) for k, v in runs.items()}
    sps = {k: n / med[k] for k in med}
    peer_infer_sps = n / statistics.median(peer_infer)
    result = {
        "sentences": n,
        "runs": args.runs,
        "threads": args.threads,
        "median_wall_s": med,
        "sentences_per_s": sps,
        "peak_rss_mib": rss,
        "ratio": sps["policy-lens"] / sps["transformers"],
        "peer_inference_only_sentences_per_s": peer_infer_sps,
        "ratio_vs_peer_inference_only": sps["policy-lens"] / peer_infer_sps,
        "engine": engine,
        "max_abs_score_diff": max_diff,
        "max_abs_score_diff_f32_engine": max_diff_f32,
        "all_runs": runs,
    }
    print(f"\n{n} sentences from {args.corpus}, {args.runs} alternating runs, {args.threads} threads, batch 32\n")
    print("| tool | median wall (s) | sentences/s | peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for k in ("policy-lens", "transformers"):
        print(f"| {k} | {med[k]:.2f} | {sps[k]:.1f} | {rss[k]:.0f} |")
    print(f"\nratio (policy-lens / transformers, whole command): {result['ratio']:.2f}x")
    print(
        f"transformers inference alone (model loaded, median): {peer_infer_sps:.1f} sentences/s; "
        f"ratio against that: {result['ratio_vs_peer_inference_only']:.2f}x"
    )
    cells = f"{n} x {len(next(iter(ours.values())))} scores"
    print(f"policy-lens engine: {engine}")
    print(f"max |score difference| over {cells}: {max_diff:.2e} ({engine} engine)")
    print(f"max |score difference| with the f32 engine (--engine fast, untimed run): {max_diff_f32:.2e}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
