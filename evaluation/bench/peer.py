"""The Python peer of the speed benchmark: the Hugging Face transformers
`text-classification` pipeline on an exported policy-lens model.

Reads sentence JSONL (`{"id", "text"}`, as `policy-lens segment` writes),
writes JSONL `{"id", "scores": {label: p}}` in input order, and prints one
JSON line of timings on stderr: model load seconds, inference seconds and
sentences per second of the inference alone.

    python peer.py --model DIR --input sentences.jsonl --out scores.jsonl
"""

import argparse
import json
import sys
import time

T0 = time.perf_counter()

import torch  # noqa: E402
from transformers import pipeline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    with open(args.input, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    texts = [r["text"] for r in rows]

    clf = pipeline(
        "text-classification",
        model=args.model,
        device=-1,
        dtype=torch.float32,
    )
    max_length = clf.model.config.to_dict().get("policy_lens_max_length", 512)
    t_loaded = time.perf_counter()

    with torch.inference_mode():
        results = clf(
            texts,
            batch_size=args.batch_size,
            function_to_apply="sigmoid",
            top_k=None,
            truncation=True,
            max_length=max_length,
        )
    t_done = time.perf_counter()

    with open(args.out, "w", encoding="utf-8") as f:
        for row, res in zip(rows, results):
            scores = {d["label"]: d["score"] for d in res}
            f.write(json.dumps({"id": row["id"], "scores": scores}, ensure_ascii=False) + "\n")

    infer = t_done - t_loaded
    print(
        json.dumps(
            {
                "tool": "transformers-pipeline",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "sentences": len(texts),
                "load_s": round(t_loaded - T0, 3),
                "infer_s": round(infer, 3),
                "infer_sentences_per_s": round(len(texts) / infer, 2),
            }
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
