//! Every class of bad input of the robustness issue, through the real
//! binary: `analyze` on a folder holding one file per class, `classify` on
//! one JSONL input per class. Each record ends up as a usable article (or
//! score line) or as an error record with its path, line or byte offset and
//! reason, and `read = summarised + failed` holds.

mod common;
use common::{bin, json_lines, numbers, read_jsonl};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ZH: &str = "国务院联防联控机制要求，各地要严格落实入境人员集中隔离措施，加快推进疫苗接种。";

/// `cmd` with the permission-bypassing capabilities dropped when we are
/// root, so that a mode-000 file is unreadable as it is for a normal user.
fn without_dac_override(mut cmd: Command) -> Command {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !root || !Path::new("/usr/bin/setpriv").exists() {
        return cmd;
    }
    let mut wrapped = Command::new("/usr/bin/setpriv");
    wrapped
        .args([
            "--inh-caps=-all",
            "--bounding-set=-dac_override,-dac_read_search",
            "--",
        ])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    cmd = wrapped;
    cmd
}

struct Case {
    file: &'static str,
    bytes: Vec<u8>,
    /// Expected (articles, errors) from this file.
    expect: (usize, usize),
}

fn cases() -> Vec<Case> {
    let mut invalid_utf8 = ZH.as_bytes().to_vec();
    invalid_utf8.splice(30..30, [0xFF, 0xFE, 0xC3]);
    let (gb, _, _) = encoding_rs::GB18030.encode(ZH);
    let tw = "衛生福利部要求各縣市加強邊境檢疫，落實居家隔離措施。";
    let (big5, _, _) = encoding_rs::BIG5.encode(tw);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in ZH.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\nIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4".to_vec();
    let gzip = b"\x1f\x8b\x08\0\0\0\0\0\0\x03\xcbH\xcd\xc9\xc9W(\xcf/\xcaI\xe1\x02\0\xd7\xaf\x1c\x16\r\0\0\0".to_vec();
    let jsonl = format!(
        "{}\n{{bad json\n{}\n{}\n{}\n{}\n",
        serde_json::json!({"id": "j1", "text": ZH}),
        serde_json::json!({"id": "j3"}),
        serde_json::json!({"id": "j4", "text": 7}),
        serde_json::json!({"id": "j1", "text": "重复的编号。"}),
        serde_json::json!({"id": "j6", "text": ""}),
    );
    let csv = format!(
        "id,title,text\nc1,标题,\"{ZH}\n第二段，含换行。\"\nc2,只有两列\nc3,标题三,\"{ZH}\",多余的列\n"
    );
    let html = format!("<html><head><title>通知</title><div><p>{ZH}<p>第二段<b>未闭合</div>");
    vec![
        Case {
            file: "invalid-utf8.txt",
            bytes: invalid_utf8,
            expect: (1, 0),
        },
        Case {
            file: "gb18030.txt",
            bytes: gb.to_vec(),
            expect: (1, 0),
        },
        Case {
            file: "big5.txt",
            bytes: big5.to_vec(),
            expect: (1, 0),
        },
        Case {
            file: "utf16.txt",
            bytes: utf16,
            expect: (1, 0),
        },
        Case {
            file: "image.png",
            bytes: png,
            expect: (0, 1),
        },
        Case {
            file: "archive.gz",
            bytes: gzip,
            expect: (0, 1),
        },
        Case {
            file: "empty.txt",
            bytes: Vec::new(),
            expect: (0, 1),
        },
        Case {
            file: "blank.txt",
            bytes: b" \n\t\n".to_vec(),
            expect: (0, 1),
        },
        // good j1; bad JSON; no text; text not a string; duplicate id; empty text
        Case {
            file: "items.jsonl",
            bytes: jsonl.into_bytes(),
            expect: (1, 5),
        },
        // c1 has an embedded newline; c2 (short) and c3 (long) are ragged rows
        Case {
            file: "table.csv",
            bytes: csv.into_bytes(),
            expect: (1, 2),
        },
        Case {
            file: "broken.html",
            bytes: html.into_bytes(),
            expect: (1, 0),
        },
    ]
}

#[test]
fn every_bad_input_class_is_an_article_or_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    let cases = cases();
    for c in &cases {
        std::fs::write(inputs.join(c.file), &c.bytes).unwrap();
    }
    // A symlink loop and an unreadable file.
    std::os::unix::fs::symlink(&inputs, inputs.join("loop")).unwrap();
    let locked = inputs.join("locked.txt");
    std::fs::write(&locked, ZH).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();

    let out = dir.path().join("out");
    let mut cmd = bin();
    cmd.arg("analyze").arg(&inputs).arg("--out").arg(&out);
    let o = without_dac_override(cmd).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let n = numbers(stdout.lines().last().unwrap());
    let (read, summarised, failed) = (n[0] as usize, n[1] as usize, n[2] as usize);
    assert_eq!(read, summarised + failed);
    let arts = read_jsonl(&out.join("articles.jsonl"));
    let errs = read_jsonl(&out.join("errors.jsonl"));
    assert_eq!(arts.len(), summarised);
    assert_eq!(errs.len(), failed);

    // Per file: articles (by origin) and errors (by path).
    let mut got: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in &arts {
        let origin = a["origin"].as_str().unwrap();
        let file = Path::new(origin.split([':', '#']).next().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        got.entry(file).or_default().0 += 1;
    }
    for e in &errs {
        assert!(!e["reason"].as_str().unwrap().is_empty(), "{e}");
        let file = Path::new(e["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        got.entry(file).or_default().1 += 1;
    }
    for c in &cases {
        assert_eq!(
            got.get(c.file).copied(),
            Some(c.expect),
            "{}: {errs:?}",
            c.file
        );
    }
    assert_eq!(
        got.get("loop").map(|g| g.1),
        Some(1),
        "symlink loop reported: {errs:?}"
    );
    let locked_err = errs
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("locked.txt"))
        .expect("unreadable file reported");
    assert!(
        locked_err["reason"]
            .as_str()
            .unwrap()
            .contains("ermission denied"),
        "{locked_err}"
    );
    // JSONL errors carry their line numbers.
    let jsonl_lines: Vec<u64> = errs
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("items.jsonl"))
        .map(|e| e["line"].as_u64().expect("line number"))
        .collect();
    assert_eq!(jsonl_lines, [2, 3, 4, 5, 6]);
    // Decoded texts are the real text, not mojibake.
    let texts = read_jsonl(&out.join(".policy-lens/texts.jsonl"));
    let text = |id: &str| {
        texts
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("{id} in texts"))["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(text("gb18030"), ZH);
    assert_eq!(text("utf16"), ZH);
    assert!(text("big5").contains("邊境檢疫"));
    assert!(text("invalid-utf8").contains("入境人员集中隔离"));
    assert!(text("broken").contains("入境人员集中隔离"));
}

/// Run classify on `bytes`; return (output lines, counts line numbers).
fn classify(bytes: &[u8]) -> (Vec<Value>, Vec<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, bytes).unwrap();
    let o: Output = bin()
        .args(["classify", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let counts = numbers(stderr.lines().last().unwrap());
    (lines, counts)
}

#[test]
fn classify_answers_every_line_of_every_bad_input_class() {
    let good = |id: &str, text: &str| serde_json::json!({"id": id, "text": text}).to_string();
    // Invalid UTF-8 inside a line: that line is an error with its byte offset.
    let mut bytes = format!("{}\n", good("a", ZH)).into_bytes();
    let second_start = bytes.len();
    let mut bad = good("b", ZH).into_bytes();
    bad.splice(18..18, [0xFF, 0xFE]); // after `{"id":"b","text":"`
    bytes.extend(&bad);
    bytes.extend(format!("\n{}\n", good("c", ZH)).as_bytes());
    let (lines, counts) = classify(&bytes);
    assert_eq!(counts, [3, 2, 1]);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(
        lines[1]["byte"].as_u64().unwrap() as usize,
        second_start + 18
    );
    assert!(lines[1]["error"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(lines[2]["id"], "c");

    // A GB18030, a Big5 and a UTF-16 file: clear per-line errors, nothing lost.
    let gb_src = good("g", ZH) + "\n" + &good("h", ZH) + "\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(&gb_src);
    let (lines, counts) = classify(&gb);
    assert_eq!(counts, [2, 0, 2]);
    assert!(lines
        .iter()
        .all(|l| l["error"].as_str().unwrap().contains("UTF-8")));
    let big5_src = good("t", "邊境檢疫措施。") + "\n";
    let (big5, _, _) = encoding_rs::BIG5.encode(&big5_src);
    let (_, counts) = classify(&big5);
    assert_eq!(counts, [1, 0, 1]);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in (good("u", ZH) + "\n").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let (lines, counts) = classify(&utf16);
    assert_eq!(counts[0], counts[1] + counts[2]);
    assert_eq!(counts[1], 0);
    assert_eq!(lines.len() as u64, counts[0]);

    // Binary files: every line an error, the run goes on.
    for blob in [
        &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"[..],
        &b"\x1f\x8b\x08\0\0\0\0\0\0\x03\xcbH\xcd\xc9\xc9W(\xcf/\xcaI\xe1\x02\0"[..],
    ] {
        let (lines, counts) = classify(blob);
        assert_eq!(counts[1], 0);
        assert_eq!(counts[0], counts[2]);
        assert_eq!(lines.len() as u64, counts[0]);
        assert!(lines.iter().all(|l| l["line"].as_u64().is_some()));
    }

    // Empty file, blank lines, empty text.
    assert_eq!(classify(b"").1, [0, 0, 0]);
    let (lines, counts) = classify(format!("\n\n{}\n", good("e", "  ")).as_bytes());
    assert_eq!(counts, [1, 0, 1]);
    assert_eq!(lines[0]["line"], 3);
    assert!(lines[0]["error"].as_str().unwrap().contains("empty"));

    // Malformed JSON Lines, duplicate ids.
    let input = format!(
        "{}\n{{oops\n{}\n{}\n{}\n",
        good("d1", ZH),
        serde_json::json!({"id": "d2"}),
        serde_json::json!({"id": "d3", "text": ["x"]}),
        good("d1", "另一句。"),
    );
    let (lines, counts) = classify(input.as_bytes());
    assert_eq!(counts, [5, 1, 4]);
    let errors: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["error"].as_str().unwrap())
        .collect();
    assert!(errors[0].contains("invalid JSON"));
    assert!(errors[1].contains("missing"));
    assert!(errors[2].contains("not a string"));
    assert!(errors[3].contains("duplicate id (first seen on line 1)"));

    // CSV and broken HTML are not JSONL: each line answered with an error.
    let csv = format!("id,text\nr1,\"{ZH}\n续行\"\nr2\n");
    let (lines, counts) = classify(csv.as_bytes());
    assert_eq!((counts[1], counts[2]), (0, 4));
    assert_eq!(lines.len(), 4);
    let (_, counts) = classify(b"<html><body><p>\xe4\xb8\xad<div>");
    assert_eq!(counts, [1, 0, 1]);
}

#[test]
fn unreadable_or_looping_classify_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.jsonl");
    std::fs::write(&locked, "{\"id\":1,\"text\":\"要加强防控。\"}\n").unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let mut cmd = bin();
    cmd.args(["classify", "--input"]).arg(&locked);
    let o = without_dac_override(cmd).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("locked.jsonl") && err.contains("ermission denied"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "no partial output");

    let looped: PathBuf = dir.path().join("self");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let o = bin()
        .args(["classify", "--input"])
        .arg(&looped)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("self"), "{err}");
}

/// A 50 MB file with no line break: `analyze` reports it (over the article
/// length limit) without reading it into the model; `classify` scores the
/// beginning of a 50 MB JSON line and marks it truncated.
#[test]
fn fifty_megabyte_single_line() {
    let dir = tempfile::tempdir().unwrap();
    let unit = "各地要严格落实入境人员集中隔离措施，";
    let text = unit.repeat(50 * 1024 * 1024 / unit.len());
    assert!(text.len() >= 50_000_000 - unit.len());
    let big = dir.path().join("big.txt");
    std::fs::write(&big, &text).unwrap();
    let small = dir.path().join("small.txt");
    std::fs::write(&small, ZH).unwrap();
    let out = dir.path().join("out");
    let o = bin()
        .arg("analyze")
        .arg(&big)
        .arg(&small)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let n = numbers(String::from_utf8_lossy(&o.stdout).lines().last().unwrap());
    assert_eq!(&n[..3], [2, 1, 1]);
    let errs = read_jsonl(&out.join("errors.jsonl"));
    assert!(errs[0]["path"].as_str().unwrap().ends_with("big.txt"));
    assert!(errs[0]["reason"]
        .as_str()
        .unwrap()
        .contains("--max-article-chars"));

    let jsonl = dir.path().join("big.jsonl");
    let line = serde_json::json!({"id": "big", "text": text}).to_string();
    drop(text);
    std::fs::write(
        &jsonl,
        line + "\n" + &serde_json::json!({"id": "s", "text": ZH}).to_string() + "\n",
    )
    .unwrap();
    let o = bin()
        .args(["classify", "--input"])
        .arg(&jsonl)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<Value> = json_lines(&o.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "big");
    assert_eq!(lines[0]["truncated"], true);
    assert!(lines[1].get("truncated").is_none());
}
