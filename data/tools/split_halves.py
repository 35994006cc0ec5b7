#!/usr/bin/env python3
"""Split a gold JSONL file into two halves by article (seeded).

Used for cross-fitting: train on train + half A, score half B, and the other
way round, so that every sentence of the file is scored by a model that did
not see it. A sentence id is `ARTICLE-sNNN`; all sentences of an article go
to the same half.

    python3 data/tools/split_halves.py data/gold/dev.jsonl OUTDIR [--seed 7]

writes OUTDIR/a.jsonl and OUTDIR/b.jsonl (lines in input order) and prints
the counts.
"""
import argparse
import json
import os
import random


def article(sentence_id):
    return sentence_id.rsplit("-s", 1)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with open(args.gold, encoding="utf-8") as f:
        lines = [l for l in f if l.strip()]
    ids = [json.loads(l)["id"] for l in lines]
    articles = sorted({article(i) for i in ids})
    random.Random(args.seed).shuffle(articles)
    half_a = set(articles[: len(articles) // 2])
    os.makedirs(args.out, exist_ok=True)
    counts = {"a": 0, "b": 0}
    with open(os.path.join(args.out, "a.jsonl"), "w", encoding="utf-8") as fa, open(
        os.path.join(args.out, "b.jsonl"), "w", encoding="utf-8"
    ) as fb:
        for i, line in zip(ids, lines):
            half = "a" if article(i) in half_a else "b"
            (fa if half == "a" else fb).write(line)
            counts[half] += 1
    print(
        f"{len(articles)} articles: a {len(half_a)} ({counts['a']} sentences), "
        f"b {len(articles) - len(half_a)} ({counts['b']} sentences)"
    )


if __name__ == "__main__":
    main()
