//! The Spark job (evaluation/spark/policy_lens_job.py) in local[2] on two
//! days of 新闻联播 converted to JSONL: its records must be those of
//! `policy-lens analyze --stream` on the same JSONL, one per input line.
//!
//! Runs only where a Python with pyspark is available:
//! `POLICY_LENS_SPARK_PYTHON=/path/to/python`, or `.venv-spark/bin/python`
//! (made by `evaluation/spark/setup.sh`); otherwise prints a skip notice and
//! passes. The model is the binary's default (`POLICY_LENS_MODEL`, else
//! models/policy-lens-m3e-small), as in the other integration tests.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python that imports pyspark, if there is one.
fn spark_python() -> Option<PathBuf> {
    let candidate = match std::env::var_os("POLICY_LENS_SPARK_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => root().join(".venv-spark/bin/python"),
    };
    if !candidate.exists() {
        return None;
    }
    let ok = Command::new(&candidate)
        .args(["-c", "import pyspark"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(candidate)
}

fn model_dir() -> PathBuf {
    match std::env::var_os("POLICY_LENS_MODEL") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => root().join("models/policy-lens-m3e-small"),
    }
}

fn read_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {e}: {l}")))
        .collect()
}

/// Equal up to float noise: a Spark partition batches other sentences
/// together than one process does, which moves scores in the last digits.
/// `origin` and an error's `line`/`path` are positions in the process's own
/// stdin, so they differ by design and are not compared.
fn same(a: &Value, b: &Value, path: &str, diffs: &mut Vec<String>) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() > 1e-4 * (1.0 + x.abs().max(y.abs())) {
                diffs.push(format!("{path}: {x} vs {y}"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let top_level_position =
                    path.is_empty() && (k == "origin" || k == "line" || k == "path");
                if top_level_position {
                    continue;
                }
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => same(u, v, &format!("{path}.{k}"), diffs),
                    _ => diffs.push(format!("{path}.{k}: only on one side")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                diffs.push(format!("{path}: {} vs {} items", x.len(), y.len()));
                return;
            }
            // Directive lists are ordered by score: near-ties may swap, so
            // compare them in text-position order.
            let key = |v: &Value| {
                (
                    v["start"].as_u64(),
                    v["end"].as_u64(),
                    v["text"].to_string(),
                )
            };
            let (mut x, mut y): (Vec<&Value>, Vec<&Value>) =
                (x.iter().collect(), y.iter().collect());
            if x.iter().all(|v| v.get("start").is_some()) {
                x.sort_by_key(|v| key(v));
                y.sort_by_key(|v| key(v));
            }
            for (i, (u, v)) in x.iter().zip(y.iter()).enumerate() {
                same(u, v, &format!("{path}[{i}]"), diffs);
            }
        }
        _ => {
            if a != b {
                diffs.push(format!("{path}: {a} vs {b}"));
            }
        }
    }
}

#[test]
fn spark_local_job_matches_stream_mode() {
    let Some(python) = spark_python() else {
        eprintln!(
            "SKIP spark_local_job_matches_stream_mode: no Python with pyspark \
             (set POLICY_LENS_SPARK_PYTHON or run evaluation/spark/setup.sh)"
        );
        return;
    };
    let corpus = root().join("../shared/corpus/cctv-2022");
    let days: Vec<PathBuf> = ["20220722.md", "20220723.md"]
        .iter()
        .map(|d| corpus.join(d))
        .collect();
    assert!(
        days.iter().all(|d| d.exists()),
        "missing {corpus:?}/20220722.md, 20220723.md"
    );
    let model = model_dir();
    assert!(
        model.is_dir(),
        "no model at {model:?}: set POLICY_LENS_MODEL to a policy-lens model directory"
    );
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_policy-lens"));
    let spark_dir = root().join("evaluation/spark");
    let tmp = tempfile::tempdir().unwrap();
    let jsonl = tmp.path().join("corpus.jsonl");

    // 1. two days -> JSONL (20220723 has an item with an empty body: an error record).
    let o = Command::new(&python)
        .arg(spark_dir.join("to_jsonl.py"))
        .args(&days)
        .arg("--out")
        .arg(&jsonl)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "to_jsonl.py: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let input = std::fs::read_to_string(&jsonl).unwrap();
    let records_in = input.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(records_in > 20, "{records_in} articles in two days");

    // 2. the Spark job, local[2], 3 partitions (3 policy-lens processes).
    let out = tmp.path().join("spark");
    let bin_dir = python.parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let o = Command::new(&python)
        .arg(spark_dir.join("policy_lens_job.py"))
        .args(["--master", "local[2]", "--partitions", "3", "--input"])
        .arg(&jsonl)
        .arg("--out")
        .arg(&out)
        .arg("--binary")
        .arg(&binary)
        .arg("--model")
        .arg(&model)
        .env("PATH", path)
        .env("PYSPARK_PYTHON", &python)
        .env("PYSPARK_DRIVER_PYTHON", &python)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "Spark job failed ({:?}):\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    let mut parts: Vec<PathBuf> = std::fs::read_dir(out.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect();
    parts.sort();
    let spark: Vec<Value> = parts
        .iter()
        .flat_map(|p| read_jsonl(&std::fs::read_to_string(p).unwrap()))
        .collect();
    let counts: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("counts.json")).unwrap()).unwrap();

    // 3. the same JSONL through one `analyze --stream` process.
    let o = Command::new(&binary)
        .args(["analyze", "--stream", "--model"])
        .arg(&model)
        .env("RAYON_NUM_THREADS", "1")
        .stdin(std::fs::File::open(&jsonl).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stream = read_jsonl(&String::from_utf8(o.stdout).unwrap());

    // records in = records out, everywhere.
    assert_eq!(
        counts["records_in"].as_u64(),
        Some(records_in as u64),
        "{counts}"
    );
    assert_eq!(
        counts["records_out"].as_u64(),
        Some(records_in as u64),
        "{counts}"
    );
    assert_eq!(spark.len(), records_in, "Spark records out");
    assert_eq!(stream.len(), records_in, "stream records out");
    let failed = stream.iter().filter(|r| r.get("error").is_some()).count();
    assert_eq!(failed, 1, "the empty 20220723 item is an error record");
    assert_eq!(counts["failed"].as_u64(), Some(failed as u64), "{counts}");
    assert_eq!(
        counts["summarised"].as_u64(),
        Some((records_in - failed) as u64)
    );

    // Same records, in input order (ids, errors, categories, evidence).
    let mut diffs = Vec::new();
    for (s, t) in spark.iter().zip(&stream) {
        assert_eq!(s["id"], t["id"], "records out of order");
        assert_eq!(
            s["categories_present"], t["categories_present"],
            "{}",
            s["id"]
        );
        same(s, t, "", &mut diffs);
    }
    assert!(
        diffs.is_empty(),
        "Spark output differs from --stream:\n{}",
        diffs.join("\n")
    );
    assert!(out.join("_SUCCESS_POLICY_LENS").exists());
}
