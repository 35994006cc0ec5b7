//! The report pass of `analyze`: reads the finished `articles.jsonl` (and
//! the article texts kept beside it) once, and writes `summary.md`,
//! `report.html`, `corpus.json` and, on request, `articles.csv`. Reports
//! are derived from the records, so a resumed run gets the same reports as
//! an uninterrupted one.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::csv::ArticleCsvWriter;
use super::html::HtmlReport;
use super::summary::{article_section, corpus_section, RunCounts};
use crate::aggregate::{ArticleSummary, CorpusSummary};
use crate::document::Article;
use crate::error::{Error, Result};

/// The text of an article, kept (one JSON line per article, in the order
/// of `articles.jsonl`) for highlighting in `report.html`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredText {
    /// Article id.
    pub id: String,
    /// Cleaned article text.
    pub text: String,
}

/// Write `path` atomically: into a temporary file, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Build every report of `dir` from `articles.jsonl` and the text store.
pub fn write_reports(
    dir: &Path,
    texts: &Path,
    counts: &RunCounts,
    model: &str,
    csv: bool,
) -> Result<CorpusSummary> {
    let articles_path = dir.join("articles.jsonl");
    let open = |p: &Path| {
        File::open(p)
            .map(BufReader::new)
            .map_err(|e| Error::io(p, e))
    };
    let mut text_lines = open(texts)?.lines();
    let mut corpus = CorpusSummary::new(10);
    let mut html = HtmlReport::create(dir)?;
    let sections_path = dir.join(".summary-articles.md.part");
    let mut sections =
        BufWriter::new(File::create(&sections_path).map_err(|e| Error::io(&sections_path, e))?);
    let csv_path = dir.join("articles.csv");
    let mut csv_writer = if csv {
        let f = BufWriter::new(
            File::create(csv_path.with_extension("tmp")).map_err(|e| Error::io(&csv_path, e))?,
        );
        Some(ArticleCsvWriter::new(f).map_err(|e| Error::io(&csv_path, e))?)
    } else {
        None
    };
    for (i, line) in open(&articles_path)?.lines().enumerate() {
        let bad = |message: String| Error::Data {
            path: articles_path.clone(),
            line: i + 1,
            message,
        };
        let line = line.map_err(|e| Error::io(&articles_path, e))?;
        let s: ArticleSummary = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        let stored: StoredText = match text_lines.next() {
            Some(Ok(t)) => serde_json::from_str(&t).map_err(|e| bad(format!("text store: {e}")))?,
            _ => return Err(bad("text store ends early".into())),
        };
        if stored.id != s.id {
            return Err(bad(format!(
                "text store out of step: {} vs {}",
                stored.id, s.id
            )));
        }
        corpus.add(&s);
        sections
            .write_all(article_section(&s).as_bytes())
            .map_err(|e| Error::io(&sections_path, e))?;
        if let Some(w) = csv_writer.as_mut() {
            w.write(&s).map_err(|e| Error::io(&csv_path, e))?;
        }
        let article = Article {
            id: s.id.clone(),
            title: s.title.clone(),
            date: s.date.clone(),
            source: s.source.clone(),
            author: s.author.clone(),
            url: s.url.clone(),
            origin: s.origin.clone(),
            meta: s.meta.clone(),
            text: stored.text,
        };
        html.add(&article, &s)?;
    }
    sections.flush().map_err(|e| Error::io(&sections_path, e))?;
    drop(sections);
    html.finish(&corpus, counts, model)?;
    if let Some(w) = csv_writer {
        w.finish()
            .and_then(|mut f| f.flush())
            .map_err(|e| Error::io(&csv_path, e))?;
        std::fs::rename(csv_path.with_extension("tmp"), &csv_path)
            .map_err(|e| Error::io(&csv_path, e))?;
    }
    // summary.md = corpus section + the article sections, streamed (the
    // sections grow with the corpus), then renamed into place.
    let summary_path = dir.join("summary.md");
    let tmp = summary_path.with_extension("tmp");
    let io = |e| Error::io(&tmp, e);
    let mut out = BufWriter::new(File::create(&tmp).map_err(io)?);
    out.write_all(corpus_section(&corpus, counts, model).as_bytes())
        .map_err(io)?;
    out.write_all(b"## Articles\n\n").map_err(io)?;
    std::io::copy(&mut open(&sections_path)?, &mut out).map_err(io)?;
    out.flush().map_err(io)?;
    drop(out);
    std::fs::rename(&tmp, &summary_path).map_err(|e| Error::io(&summary_path, e))?;
    std::fs::remove_file(&sections_path).map_err(|e| Error::io(&sections_path, e))?;
    let corpus_json = serde_json::json!({ "counts": counts, "summary": corpus });
    write_atomic(
        &dir.join("corpus.json"),
        (serde_json::to_string_pretty(&corpus_json).expect("json") + "\n").as_bytes(),
    )?;
    Ok(corpus)
}
