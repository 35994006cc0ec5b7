//! JSON Lines: one article per line (`id`, `text`, optional `title`,
//! `date`, `source`, `author`, `url`; other string fields go to meta).

use std::collections::HashSet;

use serde_json::Value;

use super::meta::normalize_date;
use super::normalize::normalize_body;
use super::{finish, Src};
use crate::{Article, IngestError, Record};

/// Parses a JSON Lines file; each bad line becomes an error for that line.
pub(crate) fn parse(text: &str, src: &Src) -> Vec<Record> {
    let mut ids: HashSet<String> = HashSet::new();
    text.lines()
        .enumerate()
        .filter_map(|(n, line)| parse_line(line, n as u64 + 1, src, &mut ids))
        .collect()
}

/// Parses one line (`None` for a blank line). `ids` holds the ids seen so
/// far, to report duplicates.
pub(crate) fn parse_line(
    line: &str,
    line_no: u64,
    src: &Src,
    ids: &mut HashSet<String>,
) -> Option<Record> {
    let trimmed = line.trim().trim_start_matches('\u{feff}');
    if trimmed.is_empty() {
        return None;
    }
    let err = |reason: String, id: Option<String>| IngestError {
        id,
        ..IngestError::at_line(&src.path, line_no, reason)
    };
    let obj = match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Some(Err(err("not a JSON object".into(), None))),
        Err(e) => return Some(Err(err(format!("bad JSON: {e}"), None))),
    };
    let id = match obj.get("id") {
        None | Some(Value::Null) => format!("{}:{line_no}", src.id),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(x)) => x.to_string(),
        Some(other) => {
            return Some(Err(err(
                format!("`id` must be a string or number, got {}", kind(other)),
                None,
            )));
        }
    };
    let text = match obj.get("text") {
        Some(Value::String(s)) => s,
        None => return Some(Err(err("missing `text` field".into(), Some(id)))),
        Some(other) => {
            return Some(Err(err(
                format!("`text` must be a string, got {}", kind(other)),
                Some(id),
            )))
        }
    };
    if !ids.insert(id.clone()) {
        return Some(Err(err(format!("duplicate id `{id}`"), Some(id))));
    }
    let mut a = Article {
        id: id.clone(),
        origin: format!("{}:{line_no}", src.origin),
        text: normalize_body(&text.lines().collect::<Vec<_>>()),
        ..Article::default()
    };
    for (k, v) in &obj {
        let s = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(x) if k == "date" => x.to_string(),
            _ => continue,
        };
        if s.is_empty() {
            continue;
        }
        match k.as_str() {
            "id" | "text" => {}
            "title" => a.title = Some(s),
            "source" => a.source = Some(s),
            "author" => a.author = Some(s),
            "url" => a.url = Some(s),
            "date" => match normalize_date(&s) {
                Some(d) => a.date = Some(d),
                None => {
                    a.meta.insert("date_raw".into(), s);
                }
            },
            _ => {
                a.meta.insert(k.clone(), s);
            }
        }
    }
    a.meta.insert("format".into(), "jsonl".into());
    let line_src = Src {
        path: src.path.clone(),
        origin: a.origin.clone(),
        id,
    };
    Some(finish(a, &line_src).map_err(|mut e| {
        e.line = Some(line_no);
        e
    }))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
