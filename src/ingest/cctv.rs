//! 新闻联播 daily transcripts (`# 《新闻联播》（YYYYMMDD）` Markdown): one
//! article per `###` item.

use super::meta::find_url;
use super::normalize::normalize_body;
use super::{finish, Src};
use crate::{Article, IngestError, Record};

/// The `YYYYMMDD` of a transcript's first line, if it is one.
pub(crate) fn header_date(text: &str) -> Option<String> {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .find(|l| !l.trim().is_empty())?;
    let rest = first.trim().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("《新闻联播》")?;
    let rest = rest.trim_start().strip_prefix(['（', '('])?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let after = &rest[digits.len()..];
    (digits.len() == 8 && after.starts_with(['）', ')'])).then_some(digits)
}

/// Strips Markdown emphasis and HTML comments from an item line.
fn clean_line(line: &str) -> String {
    let mut s = line.trim().replace("**", "").replace("__", "");
    while let Some(start) = s.find("<!--") {
        match s[start..].find("-->") {
            Some(end) => s.replace_range(start..start + end + 3, ""),
            None => s.truncate(start),
        }
    }
    s.trim().to_string()
}

/// Parses one day's transcript into its news items.
pub(crate) fn parse(text: &str, src: &Src) -> Vec<Record> {
    let Some(day) = header_date(text) else {
        return vec![Err(IngestError::file(
            &src.path,
            "not a 新闻联播 transcript (missing `# 《新闻联播》（YYYYMMDD）` header)",
        ))];
    };
    let date = format!("{}-{}-{}", &day[0..4], &day[4..6], &day[6..8]);
    // (heading, 1-based line, body lines)
    let mut items: Vec<(String, u64, Vec<&str>)> = Vec::new();
    let mut in_item = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("### ") {
            items.push((clean_line(h), n as u64 + 1, Vec::new()));
            in_item = true;
        } else if t.starts_with("## ") || t.starts_with("# ") || t == "---" {
            // A new section (or the page footer) ends the current item.
            in_item = false;
        } else if in_item {
            if let Some(item) = items.last_mut() {
                item.2.push(line);
            }
        }
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, (heading, line_no, lines)) in items.into_iter().enumerate() {
        let nn = i + 1;
        let id = format!("cctv-{day}-{nn:02}");
        let mut url = None;
        let mut paras = Vec::new();
        for l in lines {
            let c = clean_line(l);
            if c.starts_with("[查看原文](") {
                url = url.or_else(|| find_url(&c));
            } else if !c.is_empty() {
                paras.push(c);
            }
        }
        let mut a = Article {
            id: id.clone(),
            title: (!heading.is_empty()).then_some(heading),
            date: Some(date.clone()),
            source: Some("新闻联播".into()),
            url,
            origin: format!("{}#{nn}", src.origin),
            text: normalize_body(&paras),
            ..Article::default()
        };
        a.meta.insert("format".into(), "cctv".into());
        let item_src = Src {
            path: src.path.clone(),
            origin: a.origin.clone(),
            id,
        };
        out.push(finish(a, &item_src).map_err(|mut e| {
            e.line = Some(line_no);
            e
        }));
    }
    if out.is_empty() {
        out.push(Err(IngestError::file(
            &src.path,
            "empty article (no `###` items in transcript)",
        )));
    }
    out
}
