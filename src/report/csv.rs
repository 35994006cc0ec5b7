//! `articles.csv`: one row per article with its category table, for
//! spreadsheets.
//!
//! Columns: `id, title, date, source, sentences, directives`, then per topic
//! category (label order) `<label>_present` (0/1) and `<label>_count`
//! (directive sentences of the category), then `other_count` (directive
//! sentences without a topic label). The file is UTF-8 with a byte-order
//! mark (so that Excel opens Chinese text correctly), CRLF line ends and
//! RFC 4180 quoting: a field is quoted when it holds a comma, a double
//! quote, a line break or leading/trailing whitespace, and inner double
//! quotes are doubled.
//!
//! Use [`ArticleCsvWriter`] to write rows as summaries are produced (memory
//! stays flat), or [`write_article_csv`] for a whole collection.

use std::io::{self, Write};

use crate::aggregate::ArticleSummary;
use crate::labels::TOPIC_LABELS;

/// The UTF-8 byte-order mark written first.
pub const BOM: &str = "\u{feff}";

/// Writes `articles.csv` rows incrementally: [`new`](Self::new) writes the
/// BOM and the header, [`write`](Self::write) one row per article,
/// [`finish`](Self::finish) flushes and returns the writer.
pub struct ArticleCsvWriter<W: Write> {
    w: W,
    rows: usize,
    line: String,
}

impl<W: Write> ArticleCsvWriter<W> {
    /// Start the file: BOM and header line.
    pub fn new(mut w: W) -> io::Result<Self> {
        let mut header: Vec<String> = ["id", "title", "date", "source", "sentences", "directives"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for l in TOPIC_LABELS {
            header.push(format!("{l}_present"));
            header.push(format!("{l}_count"));
        }
        header.push("other_count".into());
        let mut line = String::from(BOM);
        push_record(&mut line, header.iter().map(String::as_str));
        w.write_all(line.as_bytes())?;
        Ok(Self { w, rows: 0, line })
    }

    /// Write one article's row.
    pub fn write(&mut self, s: &ArticleSummary) -> io::Result<()> {
        let (sentences, directives, other) = (
            s.sentences.to_string(),
            s.directives.to_string(),
            s.other_count.to_string(),
        );
        let mut fields: Vec<String> = Vec::with_capacity(15);
        for l in TOPIC_LABELS {
            let c = s.categories.get(l);
            let present =
                c.is_some_and(|c| c.present) || s.categories_present.iter().any(|p| p == l);
            fields.push(if present { "1" } else { "0" }.into());
            fields.push(c.map_or(0, |c| c.count).to_string());
        }
        self.line.clear();
        let fixed = [
            s.id.as_str(),
            s.title.as_deref().unwrap_or(""),
            s.date.as_deref().unwrap_or(""),
            s.source.as_deref().unwrap_or(""),
            &sentences,
            &directives,
        ];
        push_record(
            &mut self.line,
            fixed
                .into_iter()
                .chain(fields.iter().map(String::as_str))
                .chain([other.as_str()]),
        );
        self.rows += 1;
        self.w.write_all(self.line.as_bytes())
    }

    /// Rows written so far (header excluded).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Flush and return the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}

/// Write the BOM, the header and one row per summary to `w`; returns the
/// writer (flushed).
pub fn write_article_csv<'a, W: Write>(
    w: W,
    summaries: impl IntoIterator<Item = &'a ArticleSummary>,
) -> io::Result<W> {
    let mut c = ArticleCsvWriter::new(w)?;
    for s in summaries {
        c.write(s)?;
    }
    c.finish()
}

/// Append one CSV field, quoted when needed.
fn push_field(out: &mut String, f: &str) {
    let needs = f.contains([',', '"', '\n', '\r'])
        || f.starts_with(char::is_whitespace)
        || f.ends_with(char::is_whitespace);
    if needs {
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(f);
    }
}

/// Append a record and its CRLF.
fn push_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, f);
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aggregate::CategorySummary;

    fn summary(id: &str, title: Option<&str>) -> ArticleSummary {
        let mut categories = BTreeMap::new();
        for (i, l) in TOPIC_LABELS.iter().enumerate() {
            categories.insert(
                l.to_string(),
                CategorySummary {
                    present: i == 1,
                    count: if i == 1 { 3 } else { 0 },
                    directives: vec![],
                    mentions: 0,
                },
            );
        }
        ArticleSummary {
            id: id.into(),
            title: title.map(Into::into),
            date: Some("2022-01-05".into()),
            source: Some("新华社".into()),
            author: None,
            url: None,
            origin: "x".into(),
            meta: BTreeMap::new(),
            chars: 10,
            sentences: 7,
            directives: 4,
            categories_present: vec!["vaccination".into()],
            categories,
            other_count: 1,
            other_measures: vec![],
        }
    }

    #[test]
    fn bom_header_and_rows() {
        let out = write_article_csv(Vec::new(), [&summary("a1", Some("加快疫苗接种"))]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "id,title,date,source,sentences,directives,import_control_present,import_control_count,vaccination_present,vaccination_count,\
infection_control_present,infection_control_count,accountability_present,accountability_count,other_count"
        );
        assert_eq!(
            lines[1],
            "a1,加快疫苗接种,2022-01-05,新华社,7,4,0,0,1,3,0,0,0,0,1"
        );
        assert_eq!(lines[2], "");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn quotes_commas_quotes_newlines_and_edge_spaces() {
        let mut w = ArticleCsvWriter::new(Vec::new()).unwrap();
        w.write(&summary("id,1", Some("他说：\"要严防\"，\n第二行")))
            .unwrap();
        w.write(&summary(" sp", None)).unwrap();
        assert_eq!(w.rows(), 2);
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(
            text.contains("\r\n\"id,1\",\"他说：\"\"要严防\"\"，\n第二行\",2022-01-05,"),
            "{text}"
        );
        assert!(text.contains("\r\n\" sp\",,2022-01-05,"), "{text}");
        let mut s = String::new();
        push_field(&mut s, "无需引号，全角逗号");
        assert_eq!(s, "无需引号，全角逗号");
    }
}
