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
    let mut out = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n as u64 + 1;
        let trimmed = line.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() {
            continue;
        }
        let err = |reason: String, id: Option<String>| IngestError {
            id,
            ..IngestError::at_line(&src.path, line_no, reason)
        };
        let obj = match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                out.push(Err(err("not a JSON object".into(), None)));
                continue;
            }
            Err(e) => {
                out.push(Err(err(format!("bad JSON: {e}"), None)));
                continue;
            }
        };
        let id = match obj.get("id") {
            None | Some(Value::Null) => format!("{}:{line_no}", src.id),
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(x)) => x.to_string(),
            Some(other) => {
                out.push(Err(err(format!("`id` must be a string or number, got {}", kind(other)), None)));
                continue;
            }
        };
        let text = match obj.get("text") {
            Some(Value::String(s)) => s,
            None => {
                out.push(Err(err("missing `text` field".into(), Some(id))));
                continue;
            }
            Some(other) => {
                out.push(Err(err(format!("`text` must be a string, got {}", kind(other)), Some(id))));
                continue;
            }
        };
        if !ids.insert(id.clone()) {
            out.push(Err(err(format!("duplicate id `{id}`"), Some(id))));
            continue;
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
        let line_src = Src { path: src.path.clone(), origin: a.origin.clone(), id };
        out.push(finish(a, &line_src).map_err(|mut e| {
            e.line = Some(line_no);
            e
        }));
    }
    out
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
