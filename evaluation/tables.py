#!/usr/bin/env python3
"""Print the markdown tables of evaluation/README.md from the metrics files
that evaluation/run-eval.sh writes (evaluation/results/*/metrics.json).

Usage: python3 evaluation/tables.py [RESULTS_DIR]
"""
import json
import os
import sys

RES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
SYSTEMS = [("model-test", "policy-lens (default model)"), ("ngram-test", "char n-gram LR baseline"), ("keyword-test", "keyword baseline")]


def load(name):
    with open(os.path.join(RES, name, "metrics.json"), encoding="utf-8") as f:
        return json.load(f)


def ci(x, c):
    return f"{x:.3f} [{c['low']:.3f}, {c['high']:.3f}]"


def systems_table(systems):
    """Model and baselines side by side, with 95% CIs; returns the runs found."""
    runs = [(title, load(name)) for name, title in systems if os.path.exists(os.path.join(RES, name, "metrics.json"))]
    labels = [l["label"] for l in runs[0][1]["labels"]]
    print("| system | " + " | ".join(f"{l} F1" for l in labels) + " | topic macro-F1 | topic micro-F1 | directive-category macro-F1 |")
    print("|---|" + "---|" * (len(labels) + 3))
    for title, r in runs:
        cells = [ci(l["f1"], l["f1_ci"]) for l in r["labels"]]
        print(f"| {title} | " + " | ".join(cells) + f" | {ci(r['macro_f1'], r['macro_f1_ci'])} | {ci(r['micro_f1'], r['micro_f1_ci'])} | {ci(r['directive_category_macro_f1'], r['directive_category_macro_f1_ci'])} |")
    print()
    return runs


def paired_table(model_dir):
    comp = os.path.join(RES, model_dir, "comparisons.json")
    if os.path.exists(comp):
        comparisons = json.load(open(comp, encoding="utf-8"))
        c0 = comparisons[0]
        print(f"Paired bootstrap, model minus baseline ({c0['bootstrap'][0]} resamples, seed {c0['bootstrap'][1]}, the same resampled sentences for both):\n")
        print("| baseline | metric | model | baseline | difference [95% CI] | share of resamples where the model is not better |")
        print("|---|---|---:|---:|---|---:|")
        for c in comparisons:
            for d in c["metrics"]:
                print(f"| {c['system_b']} | {d['metric']} | {d['a']:.3f} | {d['b']:.3f} | {d['difference']:+.3f} [{d['difference_ci']['low']:+.3f}, {d['difference_ci']['high']:+.3f}] | {d['share_not_better']:.3f} |")
        print()


def main():
    runs = systems_table(SYSTEMS)
    paired_table("model-test")
    for name, what in (("model-test-round9", "round 9 alone (never used to choose)"), ("model-test-rounds1-3", "rounds 1-3 alone (test v2)")):
        if os.path.exists(os.path.join(RES, name, "metrics.json")):
            m = load(name)
            print(f"Test split by draw, {what}: `{m['gold']}` ({m['sentences']} sentences)\n")
            systems_table([(s + name[len("model-test"):], t) for s, t in SYSTEMS])
            paired_table(name)
    m = runs[0][1]
    print(f"Per label, {runs[0][0]} on `{m['gold']}` ({m['sentences']} sentences):\n")
    print("| label | threshold | precision | recall | F1 | support | PR-AUC | ECE |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for l in m["labels"]:
        print(f"| {l['label']} | {l['threshold']:.3f} | {l['precision']:.3f} | {l['recall']:.3f} | {l['f1']:.3f} | {l['support']} | {l['pr_auc']:.3f} | {l['ece']:.3f} |")
    print()
    print("| directive category | precision | recall | F1 | support |")
    print("|---|---:|---:|---:|---:|")
    for name, d in m["directive_category"]:
        print(f"| {name} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {d['support']} |")
    for sub, gold, what in (
        ("articles", "articles.jsonl", "test split, both draws"),
        ("articles-draw1", "test-draw1.jsonl", "test split, first draw (test v2)"),
        ("articles-draw2", "test-draw2.jsonl", "test split, second draw (never used to choose)"),
        ("articles-dev", "dev-articles.jsonl", "dev split"),
    ):
        art = os.path.join(RES, sub, "article-metrics.json")
        if not os.path.exists(art):
            continue
        a = json.load(open(art, encoding="utf-8"))
        print(f"\nArticle level, {what} ({a['articles']} articles of `data/article-gold/{gold}`):\n")
        print("| category | precision | recall | F1 | gold articles |")
        print("|---|---:|---:|---:|---:|")
        for name, d in a["per_category"]:
            print(f"| {name} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {d['support']} |")
        d = a["micro"]
        print(f"| pooled | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {d['support']} |")


if __name__ == "__main__":
    main()
