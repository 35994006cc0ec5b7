#!/usr/bin/env bash
# Runs the property-based fuzz targets of tests/properties.rs for a time
# budget each (default 600 s), two at a time on a 2-core machine:
#   splitter   sentence splitter invariants (offsets, bounds, no text lost)
#   text-html  plain-text / HTML / transcript ingest on tag soup and bad bytes
#   jsonl-csv  JSON Lines (file and streaming) and CSV readers on broken records
# A failure prints the seed; replay it with POLICY_LENS_FUZZ_SEED=<seed>.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
cargo test --release --test properties --no-run --quiet
run() { POLICY_LENS_FUZZ_SECS="$secs" cargo test --release --quiet --test properties "$1" -- --nocapture 2>&1 | grep -E "fuzz target|panicked|seed|FAILED|test result"; }
run splitter_invariants & a=$!
run text_and_html_ingest & b=$!
wait $a && wait $b
run jsonl_and_csv_readers
