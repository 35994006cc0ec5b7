#!/usr/bin/env python3
"""Assemble gold JSONL splits from the annotation files.

Inputs (data/annotation/):
  sample.tsv          round 1 sentences (id, article, split, stratum, text)
  sample-2.tsv        round 2 sentences (same columns)
  sample-3.tsv … -9   rounds 3-9 sentences (same columns; round 9 extends the
                      test split)
  labels-N.tsv        first annotation of batch N (id, labels, directive)
  double-b.tsv        independent second annotation of 300 sentences (also
                      double-4b.tsv for round 4, double-67b.tsv for rounds 6-7,
                      double-testb.tsv for every test-split sentence of rounds
                      1-3, double-9b.tsv for every sentence of round 9)
  ic-pass-b.tsv       a second reader's infection_control 1/0 for the train/dev
                      sentences near that boundary (the consistency pass)
  adjudication.tsv    the adjudicator's final decisions (override)

Outputs: data/gold/{train,dev,test}.jsonl in the ANNOTATION.md format, the
test split's two draws as data/gold/test-rounds1-3.jsonl and
data/gold/test-round9.jsonl (subsets of test.jsonl), and data/gold/stats.md with per-split label counts and Cohen's kappa of the
double annotation (computed before adjudication).

Usage: python3 data/tools/build_gold.py
"""
import csv
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ANN = os.path.join(HERE, "..", "annotation")
GOLD = os.path.join(HERE, "..", "gold")
TOPICS = ["import_control", "vaccination", "infection_control", "accountability"]


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(r)
        return [dict(zip(header, row)) for row in r]


def parse(row):
    labels = sorted(set(x for x in row["labels"].split(",") if x and x != "-"), key=TOPICS.index)
    assert row["directive"] in ("0", "1"), row
    return labels, row["directive"] == "1"


def kappa(a, b):
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def agreement(a, b):
    """Observed agreement, Cohen's kappa and F1 of reader B against reader A (0/1 lists)."""
    agree = sum(x == y for x, y in zip(a, b)) / len(a)
    both = sum(x and y for x, y in zip(a, b))
    f1 = 2 * both / (sum(a) + sum(b)) if sum(a) + sum(b) else 1.0
    return agree, kappa(a, b), f1


def is_round9(row):
    """Whether a gold row was drawn in round 9 (its stratum names the round)."""
    return row["stratum"].split(":")[0] in ("kw9", "kw9b", "kw9dir", "hard9", "epi9", "rand9")


def main():
    sample = read_tsv(os.path.join(ANN, "sample.tsv"))
    for extra in ("sample-2.tsv", "sample-3.tsv", "sample-4.tsv", "sample-5.tsv", "sample-6.tsv", "sample-7.tsv", "sample-8.tsv", "sample-9.tsv"):
        if os.path.exists(os.path.join(ANN, extra)):
            sample += read_tsv(os.path.join(ANN, extra))
    assert len({s["id"] for s in sample}) == len(sample), "duplicate sentence ids"
    first = {}
    for name in sorted(os.listdir(ANN)):
        if name.startswith("labels-") and name.endswith(".tsv"):
            for row in read_tsv(os.path.join(ANN, name)):
                first[row["id"]] = parse(row)
    missing = [s["id"] for s in sample if s["id"] not in first]
    assert not missing, f"{len(missing)} sentences unlabelled, e.g. {missing[:3]}"
    stats = []
    for second_name, what in (("double-b.tsv", "round 1"), ("double-4b.tsv", "round 4"), ("double-67b.tsv", "rounds 6-7"), ("double-testb.tsv", "the test split of rounds 1-3"), ("double-9b.tsv", "round 9, test split")):
        second_path = os.path.join(ANN, second_name)
        if not os.path.exists(second_path):
            continue
        second = {r["id"]: parse(r) for r in read_tsv(second_path)}
        ids = sorted(second)
        stats.append(f"Double annotation ({what}, `{second_name}`): {len(ids)} sentences annotated independently twice.\n")
        stats.append("| label | agreement | Cohen's kappa | F1 of B against A | positives (A / B) |\n|---|---|---|---|---|")
        for lab in TOPICS + ["directive"]:
            get = (lambda p: p[1]) if lab == "directive" else (lambda p, lab=lab: lab in p[0])
            a = [int(get(first[i])) for i in ids]
            b = [int(get(second[i])) for i in ids]
            agree, k, f1 = agreement(a, b)
            stats.append(f"| {lab} | {agree:.3f} | {k:.3f} | {f1:.3f} | {sum(a)} / {sum(b)} |")
        stats.append("")
    adj_path = os.path.join(ANN, "adjudication.tsv")
    final = dict(first)
    before_ic_pass = None
    if os.path.exists(adj_path):
        adj = read_tsv(adj_path)
        for row in adj:
            assert row["id"] in final, row["id"]
            if row["note"].startswith("IC pass") and before_ic_pass is None:
                before_ic_pass = dict(final)
            final[row["id"]] = parse(row)
        stats.append(f"Adjudication changed or confirmed {len(adj)} sentences (data/annotation/adjudication.tsv).\n")
    ic_path = os.path.join(ANN, "ic-pass-b.tsv")
    if os.path.exists(ic_path):
        # The infection-control consistency pass: a second reader's 1/0 for every
        # train/dev sentence near the boundary, against the gold before that pass.
        base = before_ic_pass or final
        second = {r["id"]: r["infection_control"] == "1" for r in read_tsv(ic_path)}
        ids = sorted(second)
        a = [int("infection_control" in base[i][0]) for i in ids]
        b = [int(second[i]) for i in ids]
        agree, k, f1 = agreement(a, b)
        changed = sum(("infection_control" in base[i][0]) != ("infection_control" in final[i][0]) for i in ids)
        stats.append(
            f"Infection-control consistency pass (`ic-pass-b.tsv`): {len(ids)} train/dev sentences read again for "
            f"`infection_control` only; agreement {agree:.3f}, "
            f"Cohen's kappa {k:.3f}, F1 of B against the gold {f1:.3f} "
            f"(positives {sum(a)} / {sum(b)}); adjudication changed {changed} of the {sum(x != y for x, y in zip(a, b))} disagreements.\n"
        )
    os.makedirs(GOLD, exist_ok=True)
    splits = {"train": [], "dev": [], "test": []}
    for s in sample:
        labels, directive = final[s["id"]]
        src = s["id"].split("-")[0]
        splits[s["split"]].append({
            "id": s["id"], "text": s["text"], "labels": labels, "directive": directive,
            "source": {"cctv": "cctv-2022", "dxy": "dxy-news-2020", "qa": "ncp-policies-qa-2020"}[src],
            "silver": False, "article": s["article"], "stratum": s["stratum"],
        })
    stats.append("| split | sentences | articles | " + " | ".join(TOPICS) + " | directive |")
    stats.append("|---|---|---|" + "---|" * (len(TOPICS) + 1))
    for name, rows in splits.items():
        rows.sort(key=lambda r: r["id"])
        with open(os.path.join(GOLD, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        counts = [sum(lab in r["labels"] for r in rows) for lab in TOPICS]
        stats.append(f"| {name} | {len(rows)} | {len(set(r['article'] for r in rows))} | "
                     + " | ".join(map(str, counts)) + f" | {sum(r['directive'] for r in rows)} |")
    # The test split by draw: rounds 1-3 (the 720 sentences every decision up to
    # stage 9 was confirmed on) and round 9 (added later, never used to choose).
    for name, keep in (("test-rounds1-3", lambda r: not is_round9(r)), ("test-round9", is_round9)):
        rows = [r for r in splits["test"] if keep(r)]
        if rows:
            with open(os.path.join(GOLD, f"{name}.jsonl"), "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    allrows = [r for rows in splits.values() for r in rows]
    counts = [sum(lab in r["labels"] for r in allrows) for lab in TOPICS]
    stats.append(f"| all | {len(allrows)} | {len(set(r['article'] for r in allrows))} | "
                 + " | ".join(map(str, counts)) + f" | {sum(r['directive'] for r in allrows)} |")
    arts = [set(r["article"] for r in rows) for rows in splits.values()]
    assert not (arts[0] & arts[1] or arts[0] & arts[2] or arts[1] & arts[2]), "article in two splits"
    with open(os.path.join(GOLD, "stats.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(stats) + "\n")
    print("\n".join(stats))


if __name__ == "__main__":
    main()
