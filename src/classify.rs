//! `classify`: JSON Lines of sentences in, JSON Lines of scores out, one
//! output line per input line, in input order. A malformed line gives an
//! error line (with its line number and id when known), never an abort.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
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
    /// Byte offset of the problem in the input, when it is a byte-level one
    /// (invalid UTF-8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
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
    let err = |id, error: String| {
        Parsed::Err(ClassifyError {
            id,
            line: n,
            byte: None,
            error,
        })
    };
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
        Some(serde_json::Value::String(t)) if t.trim().is_empty() => {
            err(Some(id), "empty \"text\"".into())
        }
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

/// Reads `input` line by line as bytes, so that a line that is not UTF-8
/// becomes an error record instead of ending the run.
struct Lines<R> {
    input: R,
    line: usize,
    byte: u64,
    buf: Vec<u8>,
}

enum Line {
    Text { n: usize, text: String },
    Bad(ClassifyError),
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self) -> Result<Option<Line>> {
        self.buf.clear();
        let got = self
            .input
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::io("<input>", e))?;
        if got == 0 {
            return Ok(None);
        }
        self.line += 1;
        let start = self.byte;
        self.byte += got as u64;
        let bytes = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        Ok(Some(match std::str::from_utf8(bytes) {
            Ok(t) => Line::Text {
                n: self.line,
                text: t.to_string(),
            },
            Err(e) => Line::Bad(ClassifyError {
                id: None,
                line: self.line,
                byte: Some(start + e.valid_up_to() as u64),
                error: "line is not valid UTF-8 (convert the file to UTF-8, e.g. iconv -f GB18030 -t UTF-8)"
                    .into(),
            }),
        }))
    }
}

/// Longest text, in characters, handed to the tokenizer: far more than the
/// model reads (a token spans at least one character), so scores are those
/// of the full text, while a runaway line cannot exhaust memory.
fn tokenizer_input_limit(clf: &Classifier) -> usize {
    clf.model().max_length.saturating_mul(64).max(4096)
}

/// Classify JSONL from `input` to `output`, `chunk` lines at a time.
/// Every non-blank input line gives one output line, in order: scores, or
/// an error (bad JSON, missing/empty/non-string `text`, duplicate id,
/// invalid UTF-8 with its byte offset).
pub fn classify_jsonl(
    clf: &Classifier,
    input: impl BufRead,
    mut output: impl Write,
    chunk: usize,
) -> Result<ClassifyCounts> {
    let mut counts = ClassifyCounts::default();
    let mut lines = Lines {
        input,
        line: 0,
        byte: 0,
        buf: Vec::new(),
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let limit = tokenizer_input_limit(clf);
    loop {
        let mut batch = Vec::with_capacity(chunk);
        while let Some(line) = lines.next()? {
            let parsed = match line {
                Line::Bad(e) => Parsed::Err(e),
                Line::Text { text, .. } if text.trim().is_empty() => continue,
                Line::Text { n, text } => match parse_line(&text, n) {
                    Parsed::Ok { id, text } => match seen.entry(id.to_string()) {
                        Entry::Occupied(first) => Parsed::Err(ClassifyError {
                            error: format!("duplicate id (first seen on line {})", first.get()),
                            id: Some(id),
                            line: n,
                            byte: None,
                        }),
                        Entry::Vacant(slot) => {
                            slot.insert(n);
                            Parsed::Ok { id, text }
                        }
                    },
                    err => err,
                },
            };
            batch.push(parsed);
            if batch.len() >= chunk.max(1) {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let mut cut = Vec::new();
        let texts: Vec<&str> = batch
            .iter()
            .filter_map(|p| match p {
                Parsed::Ok { text, .. } => {
                    let end = text
                        .char_indices()
                        .nth(limit)
                        .map_or(text.len(), |(i, _)| i);
                    cut.push(end < text.len());
                    Some(&text[..end])
                }
                Parsed::Err(_) => None,
            })
            .collect();
        let encodings = clf.encode(&texts)?;
        let truncated: Vec<bool> = encodings
            .iter()
            .zip(&cut)
            .map(|(e, &cut)| cut || !e.get_overflowing().is_empty())
            .collect();
        let scores = clf.predict_encoded(&texts, &encodings)?;
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
