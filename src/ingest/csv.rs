//! CSV / TSV: one article per row, columns found by name.

use std::collections::HashSet;

use super::meta::normalize_date;
use super::normalize::normalize_body;
use super::{finish, IngestOptions, Src};
use crate::{Article, IngestError, Record};

const TEXT_COLS: &[&str] = &[
    "text", "body", "content", "summary", "answer", "正文", "内容",
];
const TITLE_COLS: &[&str] = &["title", "question", "headline", "标题"];
const ID_COLS: &[&str] = &["id", "_id", "docid"];
const DATE_COLS: &[&str] = &[
    "pubdate",
    "date",
    "time",
    "publish_time",
    "pub_date",
    "发布时间",
    "日期",
];
const SOURCE_COLS: &[&str] = &["infosource", "source", "来源", "media"];
const URL_COLS: &[&str] = &["sourceurl", "url", "link"];
const AUTHOR_COLS: &[&str] = &["author", "作者"];
const PROVINCE_COLS: &[&str] = &["provincename", "province"];

/// Picks the field delimiter: tab for `.tsv` or tab-separated first lines.
fn delimiter(text: &str, ext: &str) -> u8 {
    if ext == "tsv" {
        return b'\t';
    }
    if ext == "csv" {
        return b',';
    }
    let first = text.lines().next().unwrap_or("");
    if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    }
}

/// One data row that had the right number of fields.
struct Row {
    line: u64,
    row: u64,
    fields: Vec<String>,
}

/// Parses a CSV/TSV file. `ext` is the lowercase file extension.
pub(crate) fn parse(text: &str, ext: &str, opts: &IngestOptions, src: &Src) -> Vec<Record> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(delimiter(text, ext))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
            .collect(),
        Err(e) => {
            return vec![Err(IngestError::at_line(
                &src.path,
                1,
                format!("bad CSV header: {e}"),
            ))]
        }
    };
    let find = |names: &[&str]| -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| headers.iter().position(|h| h.to_lowercase() == *n))
            .collect()
    };
    let named = |name: &str| {
        headers
            .iter()
            .position(|h| h == name || h.to_lowercase() == name.to_lowercase())
    };
    // First pass: rows and row errors, in order.
    let mut slots: Vec<Result<Row, IngestError>> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i as u64 + 1;
        match rec {
            Ok(r) => {
                let line = r.position().map_or(row + 1, |p| p.line());
                if r.len() != headers.len() {
                    if r.len() == 1 && r.get(0).is_some_and(|f| f.trim().is_empty()) {
                        continue; // blank line
                    }
                    slots.push(Err(IngestError::at_line(
                        &src.path,
                        line,
                        format!(
                            "ragged row: expected {} fields, found {}",
                            headers.len(),
                            r.len()
                        ),
                    )));
                } else {
                    slots.push(Ok(Row {
                        line,
                        row,
                        fields: r.iter().map(str::to_string).collect(),
                    }));
                }
            }
            Err(e) => {
                let line = e.position().map_or(row + 1, |p| p.line());
                slots.push(Err(IngestError::at_line(
                    &src.path,
                    line,
                    format!("bad CSV row: {e}"),
                )));
            }
        }
    }
    let rows = || slots.iter().filter_map(|s| s.as_ref().ok());
    let filled = |c: usize| rows().filter(|r| !r.fields[c].trim().is_empty()).count();
    let total = rows().count();
    // Text column(s): the override, or the first well-filled candidate, then the others as fallback.
    let text_cols: Vec<usize> = match &opts.text_column {
        Some(name) => match named(name) {
            Some(c) => vec![c],
            None => {
                return vec![Err(IngestError::file(
                    &src.path,
                    format!("text column `{name}` not found"),
                ))]
            }
        },
        None => {
            let cands = find(TEXT_COLS);
            if cands.is_empty() {
                return vec![Err(IngestError::file(
                    &src.path,
                    format!("no text column (expected one of {})", TEXT_COLS.join(", ")),
                ))];
            }
            let best = cands
                .iter()
                .copied()
                .find(|&c| filled(c) * 2 >= total)
                .or_else(|| cands.iter().copied().max_by_key(|&c| filled(c)))
                .unwrap_or(cands[0]);
            std::iter::once(best)
                .chain(cands.into_iter().filter(|&c| c != best))
                .collect()
        }
    };
    let id_col: Option<usize> = match &opts.id_column {
        Some(name) => match named(name) {
            Some(c) => Some(c),
            None => {
                return vec![Err(IngestError::file(
                    &src.path,
                    format!("id column `{name}` not found"),
                ))]
            }
        },
        None => {
            let cands = find(ID_COLS);
            let unique = |c: usize| {
                let mut seen = HashSet::new();
                rows().all(|r| {
                    let v = r.fields[c].trim();
                    !v.is_empty() && seen.insert(v.to_string())
                })
            };
            cands
                .iter()
                .copied()
                .find(|&c| unique(c))
                .or_else(|| cands.first().copied())
        }
    };
    let first = |names: &[&str]| find(names).first().copied();
    let (title_c, date_c, source_c, url_c, author_c, prov_c) = (
        first(TITLE_COLS),
        first(DATE_COLS),
        first(SOURCE_COLS),
        first(URL_COLS),
        first(AUTHOR_COLS),
        first(PROVINCE_COLS),
    );
    let used: Vec<usize> = [
        title_c,
        date_c,
        source_c,
        url_c,
        author_c,
        prov_c,
        id_col,
        text_cols.first().copied(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut ids: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        let r = match slot {
            Ok(r) => r,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        let get = |c: Option<usize>| c.map(|c| r.fields[c].trim()).filter(|v| !v.is_empty());
        let id = get(id_col).map_or_else(|| format!("{}:{}", src.id, r.row), str::to_string);
        if !ids.insert(id.clone()) {
            out.push(Err(IngestError {
                id: Some(id.clone()),
                ..IngestError::at_line(&src.path, r.line, format!("duplicate id `{id}`"))
            }));
            continue;
        }
        let raw_text = text_cols.iter().find_map(|&c| get(Some(c))).unwrap_or("");
        let mut a = Article {
            id: id.clone(),
            title: get(title_c).map(str::to_string),
            source: get(source_c).map(str::to_string),
            url: get(url_c).map(str::to_string),
            author: get(author_c).map(str::to_string),
            origin: format!("{}:{}", src.origin, r.line),
            text: normalize_body(&raw_text.lines().collect::<Vec<_>>()),
            ..Article::default()
        };
        if let Some(d) = get(date_c) {
            match normalize_date(d) {
                Some(n) => a.date = Some(n),
                None => {
                    a.meta.insert("date_raw".into(), d.to_string());
                }
            }
        }
        if let Some(p) = get(prov_c) {
            a.meta.insert("province".into(), p.to_string());
        }
        for (c, h) in headers.iter().enumerate() {
            if !used.contains(&c) && !h.is_empty() {
                if let Some(v) = get(Some(c)) {
                    a.meta.insert(h.clone(), v.to_string());
                }
            }
        }
        a.meta.insert("format".into(), "csv".into());
        let row_src = Src {
            path: src.path.clone(),
            origin: a.origin.clone(),
            id,
        };
        let line = r.line;
        out.push(finish(a, &row_src).map_err(|mut e| {
            e.line = Some(line);
            e
        }));
    }
    out
}
