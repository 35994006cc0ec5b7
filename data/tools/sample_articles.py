#!/usr/bin/env python3
"""Draw articles for article-level gold from one split (default: dev).

The test-split article gold (data/article-gold/articles.jsonl) was drawn as
75 random articles (45 新闻联播 2022 epidemic items, 10 other 新闻联播 items,
20 丁香园 items) plus 50 articles with at least three topic-keyword hits.
This draws the same mix from another split, so the aggregation rule can be
checked (and tuned) on dev without touching test. The keywords choose what
gets read, never the labels.

Usage: python3 data/tools/sample_articles.py SHARED_CORPUS_DIR OUT.jsonl [--split dev] [--exclude GOLD.jsonl...]
"""
import json
import random
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_sentences import EPI, KW, cctv_articles, dxy_articles, split_of, split_sentences  # noqa: E402


def main():
    root, out_path = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    split = "dev"
    exclude = set()
    while args:
        flag = args.pop(0)
        if flag == "--split":
            split = args.pop(0)
        elif flag == "--exclude":
            while args and not args[0].startswith("--"):
                with open(args.pop(0), encoding="utf-8") as f:
                    exclude |= {json.loads(line)["id"] for line in f if line.strip()}
    rng = random.Random(20261130)
    kw = re.compile("|".join(KW.values()))
    pools = {"cctv-epi": [], "cctv-other": [], "dxy": [], "kw": []}
    for src, gen, inp in (
        ("cctv", cctv_articles, None),
        ("dxy", dxy_articles, "dxy-news-2020.csv"),
    ):
        for aid, title, body in gen(root):
            if split_of(aid) != split or aid in exclude or aid[4:] in exclude:
                continue
            item = {
                # the id `policy-lens analyze` gives the article (丁香园 rows: the bare `_id`)
                "id": aid[4:] if src == "dxy" else aid,
                "input": inp or f"cctv-2022/{aid[5:13]}.md",
                "title": title,
                "sentences": split_sentences(body),
            }
            hits = len(kw.findall(title + body))
            if hits >= 3:
                pools["kw"].append(item)
            if src == "dxy":
                pools["dxy"].append(item)
            elif re.search(EPI, title + body):
                pools["cctv-epi"].append(item)
            else:
                pools["cctv-other"].append(item)
    chosen, seen = [], set()
    for pool, n in (("cctv-epi", 45), ("cctv-other", 10), ("dxy", 20), ("kw", 50)):
        cands = pools[pool][:]
        rng.shuffle(cands)
        got = 0
        for item in cands:
            if got >= n:
                break
            if item["id"] in seen:
                continue
            seen.add(item["id"])
            chosen.append(dict(item, stratum=pool))
            got += 1
    with open(out_path, "w", encoding="utf-8") as f:
        for item in chosen:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(chosen)} {split}-split articles -> {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
