#!/usr/bin/env bash
# Cross-fitted dev evaluation of the stage-8 recipe (train + dev, no dev
# split): every dev sentence and dev article is scored by a model that did not
# train on it. Needs out/stage5-avg (the README's retraining recipe, stages
# 1-5) and takes about an hour on two cores (two training runs).
# Usage: evaluation/results/stage8/crossfit.sh [OUT_DIR]   (default: out/s8)
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT="${1:-out/s8}"
cargo build --release --quiet
BIN=target/release/policy-lens
mkdir -p "$OUT"
python3 data/tools/split_halves.py data/gold/dev.jsonl "$OUT/dev-halves" --seed 7
# A trains on half a and scores half b; B the other way round.
for h in a b; do
  [ "$h" = a ] && other=b || other=a
  M="$OUT/model-$(echo $h | tr a-z A-Z)"
  if [ ! -f "$M/model.safetensors" ]; then
    $BIN train --base out/stage5-avg --train data/gold/train.jsonl --train "$OUT/dev-halves/$h.jsonl" \
      --out "$M" --epochs 2 --patience 2 --batch-size 32 --lr 4e-5 --seed 44
  fi
  # The article rule of the default model (minimum evidence score 0.70).
  cp models/policy-lens-m3e-small/aggregate.json "$M/"
  $BIN classify --model "$M" --input "$OUT/dev-halves/$other.jsonl" > "$OUT/scores-$other.jsonl"
done
cat "$OUT/scores-a.jsonl" "$OUT/scores-b.jsonl" > "$OUT/scores-dev.jsonl"
$BIN eval --gold data/gold/dev.jsonl --scores "$OUT/scores-dev.jsonl" --out "$OUT/dev-crossfit"
# Articles: those with sentences in dev half a go to model B, all others to
# model A (neither model saw an article that has no dev gold sentences).
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
half_a = {json.loads(l)["id"].rsplit("-s", 1)[0] for l in open(f"{out}/dev-halves/a.jsonl")}
with open(f"{out}/articles-for-B.jsonl", "w") as fb, open(f"{out}/articles-for-A.jsonl", "w") as fa:
    for line in open("data/article-gold/dev-articles.jsonl"):
        (fb if json.loads(line)["id"] in half_a else fa).write(line)
PY
for m in A B; do
  $BIN eval-articles --gold "$OUT/articles-for-$m.jsonl" --model "$OUT/model-$m" --out "$OUT/articles-$m"
done
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
tp = fp = fn = 0
for m in "AB":
    micro = json.load(open(f"{out}/articles-{m}/article-metrics.json"))["micro"]
    tp, fp, fn = tp + micro["tp"], fp + micro["fp"], fn + micro["fn_"]
p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
print(f"cross-fitted dev articles (minimum evidence score 0.70): "
      f"tp {tp} fp {fp} fn {fn}  precision {p:.3f} recall {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f}")
PY
