//! `--shard K/N` partitions the records; `--stream` gives the file mode's records.

mod common;
use common::{bin, corpus, json_lines, read_jsonl as lines, run_with_stdin};

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn run(inputs: &[PathBuf], out: &Path, extra: &[&str]) {
    let o = bin()
        .arg("analyze")
        .args(inputs)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn jsonl_input(dir: &Path) -> PathBuf {
    let p = dir.join("articles.jsonl");
    let mut f = std::fs::File::create(&p).unwrap();
    for i in 0..12 {
        writeln!(f, "{{\"id\":\"j{i}\",\"title\":\"标题{i}\",\"text\":\"各地要严格落实入境人员集中隔离措施。第{i}条消息。\"}}").unwrap();
    }
    writeln!(f, "{{broken").unwrap();
    writeln!(f, "{{\"id\":\"nt\"}}").unwrap();
    p
}

#[test]
fn shards_partition_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = vec![
        corpus().join("cctv-2022/20220105.md"),
        corpus().join("cctv-2022/20220106.md"),
        jsonl_input(dir.path()),
    ];
    let all = dir.path().join("all");
    run(&inputs, &all, &[]);
    let mut ids: Vec<String> = lines(&all.join("articles.jsonl"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let mut errs: Vec<String> = lines(&all.join("errors.jsonl"))
        .iter()
        .map(|e| e.to_string())
        .collect();
    let (mut shard_ids, mut shard_errs) = (Vec::new(), Vec::new());
    for k in 1..=4 {
        let out = dir.path().join(format!("s{k}"));
        run(&inputs, &out, &["--shard", &format!("{k}/4")]);
        shard_ids.extend(
            lines(&out.join("articles.jsonl"))
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_string()),
        );
        shard_errs.extend(
            lines(&out.join("errors.jsonl"))
                .iter()
                .map(|e| e.to_string()),
        );
    }
    ids.sort();
    shard_ids.sort();
    errs.sort();
    shard_errs.sort();
    assert_eq!(
        ids, shard_ids,
        "union of shards = unsharded run, no overlap"
    );
    assert_eq!(errs, shard_errs);
    assert!(ids.len() > 20 && errs.len() == 2);
}

#[test]
fn stream_mode_matches_file_mode() {
    let dir = tempfile::tempdir().unwrap();
    let input = jsonl_input(dir.path());
    let out = dir.path().join("file");
    run(std::slice::from_ref(&input), &out, &[]);
    let file_articles = lines(&out.join("articles.jsonl"));
    let o = run_with_stdin(
        bin().args(["analyze", "--stream"]),
        &std::fs::read(&input).unwrap(),
    );
    assert!(o.status.success());
    let streamed: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(streamed.len(), 14, "one output line per input line");
    assert!(streamed[12]["error"].is_string() && streamed[12]["line"] == 13);
    assert_eq!(streamed[13]["id"], "nt");
    // Same records, except where they were read from.
    for (s, f) in streamed[..12].iter().zip(&file_articles) {
        let strip = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("origin");
            v
        };
        assert_eq!(strip(s), strip(f));
    }
}

#[test]
fn stream_mode_applies_the_article_length_limit() {
    let input = concat!(
        "{\"id\":\"long\",\"text\":\"各地要严格落实入境人员集中隔离措施。\"}\n",
        "{\"id\":\"short\",\"text\":\"要加强防控。\"}\n",
    );
    let o = run_with_stdin(
        bin().args(["analyze", "--stream", "--max-article-chars", "10"]),
        input.as_bytes(),
    );
    assert!(o.status.success());
    let out = json_lines(&o.stdout);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["id"], "long");
    assert!(
        out[0]["error"]
            .as_str()
            .unwrap()
            .contains("--max-article-chars"),
        "{}",
        out[0]
    );
    assert_eq!(out[1]["id"], "short");
    assert!(out[1].get("error").is_none());
}
