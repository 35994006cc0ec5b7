//! `classify`: JSON Lines of sentences in, JSON Lines of scores out, one
//! output line per input line, in input order. A malformed line gives an
//! error line (with its line number and id when known), never an abort.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::labels::{is_topic, DIRECTIVE};
use crate::model::Classifier;

/// A scored input line.
#[derive(Debug, Clone, Serialize)]
pub struct Classified {
    /// The input id (string or number, as given).
    pub id: serde_json::Value,
    /// Score per label.
    pub scores: BTreeMap<String, f32>,
    /// Topic labels at or over their thresholds.
    pub labels: Vec<String>,
    /// Directive score at or over its threshold.
    pub directive: bool,
    /// Present (true) when the text was longer than the model's input
    /// limit and only its first tokens were scored; split long texts into
    /// sentences first (`analyze` does).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// An input line that could not be scored.
#[derive(Debug, Clone, Serialize)]
pub struct ClassifyError {
    /// The id, when the line had one.
    pub id: Option<serde_json::Value>,
    /// 1-based input line.
    pub line: usize,
    /// What was wrong.
    pub error: String,
}

/// Counts of a classify run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassifyCounts {
    /// Non-blank lines read.
    pub read: usize,
    /// Lines scored.
    pub scored: usize,
    /// Lines answered with an error.
    pub failed: usize,
}

enum Parsed {
    Ok { id: serde_json::Value, text: String },
    Err(ClassifyError),
}

fn parse_line(line: &str, n: usize) -> Parsed {
    let err = |id, error: String| Parsed::Err(ClassifyError { id, line: n, error });
    let v: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return err(None, format!("invalid JSON: {e}")),
    };
    let Some(obj) = v.as_object() else {
        return err(None, "line is not a JSON object".into());
    };
    let id = obj
        .get("id")
        .cloned()
        .unwrap_or_else(|| serde_json::Value::from(n));
    match obj.get("text") {
        None => err(Some(id), "missing \"text\"".into()),
        Some(serde_json::Value::String(t)) => Parsed::Ok {
            id,
            text: t.clone(),
        },
        Some(_) => err(Some(id), "\"text\" is not a string".into()),
    }
}

/// Turn scores into the output record using the model's thresholds.
pub fn to_record(clf: &Classifier, id: serde_json::Value, scores: &[f32]) -> Classified {
    let model = clf.model();
    let mut labels = Vec::new();
    let mut directive = false;
    for (j, l) in model.labels.iter().enumerate() {
        let on = scores[j] >= model.thresholds[j];
        if l == DIRECTIVE {
            directive = on;
        } else if on && is_topic(l) {
            labels.push(l.clone());
        }
    }
    Classified {
        id,
        scores: model
            .labels
            .iter()
            .cloned()
            .zip(scores.iter().copied())
            .collect(),
        labels,
        directive,
        truncated: false,
    }
}

/// Classify JSONL from `input` to `output`, `chunk` lines at a time.
pub fn classify_jsonl(
    clf: &Classifier,
    input: impl BufRead,
    mut output: impl Write,
    chunk: usize,
) -> Result<ClassifyCounts> {
    let mut counts = ClassifyCounts::default();
    let mut lines = input.lines().enumerate();
    loop {
        let mut batch = Vec::with_capacity(chunk);
        for (i, line) in lines.by_ref() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    // Not UTF-8 (or unreadable): report this line and go on.
                    batch.push(Parsed::Err(ClassifyError {
                        id: None,
                        line: i + 1,
                        error: format!("unreadable line: {e}"),
                    }));
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        continue;
                    }
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            batch.push(parse_line(&line, i + 1));
            if batch.len() >= chunk.max(1) {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let texts: Vec<&str> = batch
            .iter()
            .filter_map(|p| match p {
                Parsed::Ok { text, .. } => Some(text.as_str()),
                Parsed::Err(_) => None,
            })
            .collect();
        let encodings = clf.encode(&texts)?;
        let truncated: Vec<bool> = encodings
            .iter()
            .map(|e| !e.get_overflowing().is_empty())
            .collect();
        let scores = clf.predict_encoded(&encodings)?;
        let mut next = scores.into_iter().zip(truncated);
        for p in batch {
            counts.read += 1;
            let line = match p {
                Parsed::Ok { id, .. } => {
                    counts.scored += 1;
                    let (scores, truncated) = next.next().expect("one score per text");
                    let record = Classified {
                        truncated,
                        ..to_record(clf, id, &scores)
                    };
                    serde_json::to_string(&record)
                }
                Parsed::Err(e) => {
                    counts.failed += 1;
                    serde_json::to_string(&e)
                }
            }
            .expect("serialisable");
            writeln!(output, "{line}").map_err(|e| Error::io("<stdout>", e))?;
        }
        output.flush().map_err(|e| Error::io("<stdout>", e))?;
    }
    Ok(counts)
}
