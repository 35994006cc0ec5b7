//! Helpers shared by the integration tests: the binary, the shared corpus
//! and JSON Lines parsing.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The `policy-lens` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_policy-lens"))
}

/// `eval` of the default model on the shipped test split with both baselines
/// fitted on train (thresholds from dev) beside it, into `out`; `extra`
/// arguments go before `--out`. Panics with the stderr if it fails.
pub fn eval_test_split_with_baselines(out: &Path, extra: &[&str]) -> Output {
    let o = bin()
        .args([
            "eval",
            "--gold",
            "data/gold/test.jsonl",
            "--train",
            "data/gold/train.jsonl",
            "--dev",
            "data/gold/dev.jsonl",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "eval failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Run `cmd` with `input` on its stdin; stdout is captured, stderr inherited.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// `../shared/corpus`, beside the checkout.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// Parse JSON Lines text (blank lines skipped).
pub fn json_lines(text: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Parse a JSON Lines file.
pub fn read_jsonl(p: &Path) -> Vec<Value> {
    json_lines(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// The numbers in a line such as "articles read: 3, summarised: 2, failed: 1".
pub fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}
