"""Build the distillation set for the fast student model.

Unlabelled sentences from ../shared/corpus (新闻联播 2022, 丁香园 2020, policy
Q&A 2020), only from articles of the *train* split (the same article hash
as data/tools/sample_sentences.py, so no dev or test article is seen), and
none that is already a gold sentence. All epidemic-related sentences are
kept plus a seeded random sample of the others. The teacher (the default
model) scores them with `policy-lens classify`; its probabilities become
soft targets (`soft`), and every such sentence is marked `silver`: it is
used for training only, never to measure anything.

    python3 data/tools/make_distill_set.py            # writes data/distill/
    python3 data/tools/make_distill_set.py --size 12000 --seed 7

Output: data/distill/teacher-soft.jsonl (silver, soft targets), the second
--train file of the student next to data/gold/train.jsonl (see
models/policy-lens-m3e-small-fast/README.md).
"""

import argparse
import json
import random
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_sentences import EPI, split_of  # noqa: E402

SOURCES = [
    ("cctv-2022", "cctv-2022", lambda a: a),
    ("dxy-news-2020.csv", "dxy-news-2020", lambda a: f"dxy-{a}"),
    ("ncp-policies-qa-2020.tsv", "ncp-policies-qa-2020", lambda a: f"qa-{a}"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--binary", default=str(ROOT / "target/release/policy-lens"))
    ap.add_argument("--teacher", default=str(ROOT / "models/policy-lens-m3e-small"))
    args = ap.parse_args()
    corpus = ROOT.parent / "shared/corpus"
    out_dir = ROOT / "data/distill"
    out_dir.mkdir(parents=True, exist_ok=True)

    gold_texts = set()
    for split in ("train", "dev", "test"):
        for line in open(ROOT / f"data/gold/{split}.jsonl", encoding="utf-8"):
            gold_texts.add(json.loads(line)["text"])

    pool = []
    seen = set()
    for path, source, gold_id in SOURCES:
        seg = subprocess.run(
            [args.binary, "segment", str(corpus / path)],
            check=True, capture_output=True, text=True,
        ).stdout
        for line in seg.splitlines():
            s = json.loads(line)
            text = s["text"].strip()
            if len(text) < 6 or text in gold_texts or text in seen:
                continue
            if split_of(gold_id(s["article"])) != "train":
                continue
            seen.add(text)
            pool.append({"id": f"distill-{s['id']}", "text": text, "source": source,
                         "article": gold_id(s["article"])})

    rng = random.Random(args.seed)
    epi = [s for s in pool if re.search(EPI, s["text"])]
    rest = [s for s in pool if not re.search(EPI, s["text"])]
    rng.shuffle(epi)
    rng.shuffle(rest)
    take_epi = epi[: args.size * 2 // 3]
    chosen = take_epi + rest[: args.size - len(take_epi)]
    chosen.sort(key=lambda s: s["id"])
    print(f"pool {len(pool)} (epidemic {len(epi)}), chosen {len(chosen)} "
          f"(epidemic {len(take_epi)})", file=sys.stderr)

    inp = out_dir / ".classify-input.jsonl"
    with open(inp, "w", encoding="utf-8") as f:
        for s in chosen:
            f.write(json.dumps({"id": s["id"], "text": s["text"]}, ensure_ascii=False) + "\n")
    scored = subprocess.run(
        [args.binary, "classify", "--model", args.teacher, "--input", str(inp)],
        check=True, capture_output=True, text=True,
    ).stdout
    inp.unlink()
    scores = {}
    for line in scored.splitlines():
        r = json.loads(line)
        if "scores" in r:
            scores[r["id"]] = r["scores"]

    teacher = ROOT / "models/policy-lens-m3e-small/thresholds.json"
    thr = json.load(open(teacher))
    soft_path = out_dir / "teacher-soft.jsonl"
    with open(soft_path, "w", encoding="utf-8") as f:
        for s in chosen:
            sc = scores[s["id"]]
            rec = {
                "id": s["id"],
                "text": s["text"],
                # Hard labels at the teacher's thresholds, for reading only;
                # training uses `soft`.
                "labels": [l for l in ("import_control", "vaccination", "infection_control",
                                       "accountability") if sc[l] >= thr[l]],
                "directive": sc["directive"] >= thr["directive"],
                "source": s["source"],
                "silver": True,
                "article": s["article"],
                "stratum": "distill:teacher",
                "soft": {k: round(v, 5) for k, v in sorted(sc.items())},
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {soft_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
