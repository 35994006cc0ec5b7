#!/usr/bin/env bash
# One command for the speed benchmark, from a clean clone:
#   bash evaluation/bench/run.sh            # classify vs transformers pipeline
#   bash evaluation/bench/run.sh --full     # also: analyze on all of cctv-2022
# Builds the release binary, creates the Python peer's virtualenv from
# evaluation/bench/requirements.txt, then runs bench.py (extra arguments,
# other than --full, go to bench.py).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
full=0
args=()
for a in "$@"; do
  if [[ "$a" == "--full" ]]; then full=1; else args+=("$a"); fi
done
cargo build --release --quiet
bash "$here/setup.sh"
python3 "$here/bench.py" "${args[@]}"
if [[ $full == 1 ]]; then
  python3 "$here/full_corpus.py"
  python3 "$here/full_corpus.py" --model models/policy-lens-m3e-small-fast --out out/bench/full-corpus-fast
fi
