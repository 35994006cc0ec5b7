//! Ingest: turn files, folders and stdin into [`Article`]s (or
//! [`IngestError`]s), one record per input article, in input order.
//!
//! Supported formats: plain text, HTML, JSON Lines, CSV/TSV and 新闻联播
//! transcripts, in UTF-8, UTF-16 (with BOM), GB18030/GBK or Big5. Text and
//! HTML bodies are cleaned of navigation, bylines, captions and copyright
//! notices, and every body is normalised (full-width punctuation next to
//! CJK text, one `\n` between paragraphs).

mod boilerplate;
mod cctv;
mod csv;
mod decode;
mod discover;
mod html;
mod jsonl;
mod meta;
mod normalize;
mod text;

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use discover::discover;

use crate::{Article, IngestError, Record};

/// Input format of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Detect per file: by extension first, then by sniffing the content.
    #[default]
    Auto,
    /// Plain text, one article per file.
    Text,
    /// An HTML page, one article per file.
    Html,
    /// JSON Lines, one article per line.
    Jsonl,
    /// CSV or TSV with a header row, one article per row.
    Csv,
    /// A 新闻联播 daily transcript (Markdown), one article per `###` item.
    Cctv,
}

/// Longest article body, in characters, that is read by default: longer
/// bodies become an error record (like spaCy's `nlp.max_length`), so that
/// one runaway file cannot hold a run's memory and time hostage.
pub const DEFAULT_MAX_ARTICLE_CHARS: usize = 1_000_000;

/// Options for reading inputs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Format of every input, or [`Format::Auto`] to detect per file.
    pub format: Format,
    /// CSV: name of the text column (default: the first of
    /// text/body/content/summary/answer/正文/内容 that is mostly filled).
    pub text_column: Option<String>,
    /// CSV: name of the id column (default: the first of id/_id/docid whose
    /// values are unique, else `<file stem>:<row>`).
    pub id_column: Option<String>,
    /// Longest article body in characters; longer ones are reported as
    /// errors. Default [`DEFAULT_MAX_ARTICLE_CHARS`].
    pub max_chars: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            format: Format::Auto,
            text_column: None,
            id_column: None,
            max_chars: DEFAULT_MAX_ARTICLE_CHARS,
        }
    }
}

/// Turns an article longer than `max_chars` into an error record that says
/// where it is and how to read it anyway.
pub(crate) fn check_length(record: Record, path: &str, max_chars: usize) -> Record {
    let a = record?;
    // Cheap bound first: no more characters than bytes.
    if a.text.len() <= max_chars {
        return Ok(a);
    }
    let n = a.text.chars().count();
    if n <= max_chars {
        return Ok(a);
    }
    let line = a
        .origin
        .rsplit_once(':')
        .and_then(|(_, l)| l.parse::<u64>().ok());
    Err(IngestError {
        path: path.to_string(),
        line,
        byte: None,
        id: Some(a.id),
        reason: format!(
            "article body is {n} characters, over the limit of {max_chars} \
             (split the file, or raise the limit with --max-article-chars)"
        ),
    })
}

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file. Paths of the form `ROOT/./REL` (as made by [`discover`] for
    /// files inside a folder) get ids from `REL`; others from the file stem.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// Where records come from: error path, origin prefix and id base.
#[derive(Debug, Clone)]
pub(crate) struct Src {
    /// Path for errors (`-` for stdin).
    pub path: String,
    /// Origin of the article (path, plus `:line` / `#item` for multi-article files).
    pub origin: String,
    /// Id (or id base for multi-article files).
    pub id: String,
}

const MARKER: &str = "/./";

/// Splits a name into (display path, id base, lowercase extension).
fn name_parts(name: &str) -> (String, String, String) {
    if name == "-" {
        return ("-".into(), "stdin".into(), String::new());
    }
    let display = match name.rfind(MARKER) {
        Some(i) => format!("{}/{}", &name[..i], &name[i + MARKER.len()..]),
        None => name.to_string(),
    };
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let id = match name.rfind(MARKER) {
        Some(i) => {
            let rel = &name[i + MARKER.len()..];
            let p = Path::new(rel);
            match (p.parent(), p.file_stem()) {
                (Some(parent), Some(stem)) if !parent.as_os_str().is_empty() => {
                    format!("{}/{}", parent.to_string_lossy(), stem.to_string_lossy())
                }
                (_, Some(stem)) => stem.to_string_lossy().into_owned(),
                _ => rel.to_string(),
            }
        }
        None => Path::new(name)
            .file_stem()
            .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned()),
    };
    (display, id, ext)
}

/// Turns an article with empty text into an "empty article" error.
pub(crate) fn finish(a: Article, src: &Src) -> Record {
    if a.text.trim().is_empty() {
        Err(IngestError {
            id: Some(a.id),
            ..IngestError::file(&src.path, "empty article")
        })
    } else {
        Ok(a)
    }
}

/// The name an input is known by (its path, or `-` for stdin); pass it
/// to [`read_bytes`] with the bytes of [`load`].
pub fn input_name(input: &Input) -> String {
    match input {
        Input::Stdin => "-".into(),
        Input::File(path) => path.to_string_lossy().into_owned(),
    }
}

/// The bytes of an input, or the error record that stands for it.
pub fn load(input: &Input) -> Result<Vec<u8>, IngestError> {
    match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map(|_| buf)
                .map_err(|e| IngestError::file("-", format!("cannot read stdin: {e}")))
        }
        Input::File(path) => {
            let name = path.to_string_lossy();
            std::fs::read(path)
                .map_err(|e| IngestError::file(name_parts(&name).0, format!("cannot read: {e}")))
        }
    }
}

/// Reads one input into records (articles or errors) in input order.
pub fn read_input(input: &Input, opts: &IngestOptions) -> Vec<Record> {
    match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            match std::io::stdin().lock().read_to_end(&mut buf) {
                Ok(_) => read_bytes("-", &buf, opts),
                Err(e) => vec![Err(IngestError::file(
                    "-",
                    format!("cannot read stdin: {e}"),
                ))],
            }
        }
        Input::File(path) => {
            let name = path.to_string_lossy();
            match std::fs::read(path) {
                Ok(bytes) => read_bytes(&name, &bytes, opts),
                Err(e) => vec![Err(IngestError::file(
                    name_parts(&name).0,
                    format!("cannot read: {e}"),
                ))],
            }
        }
    }
}

/// Reads many inputs in parallel; records keep the order of `inputs`.
pub fn read_all(inputs: &[Input], opts: &IngestOptions) -> Vec<Record> {
    let per_input: Vec<Vec<Record>> = inputs.par_iter().map(|i| read_input(i, opts)).collect();
    per_input.into_iter().flatten().collect()
}

/// Guesses a format from decoded content.
fn sniff(text: &str) -> Format {
    let head: String = text
        .trim_start()
        .chars()
        .take(2048)
        .collect::<String>()
        .to_lowercase();
    if head.starts_with("<!doctype")
        || head.starts_with("<html")
        || head.starts_with("<?xml") && head.contains("<html")
    {
        return Format::Html;
    }
    if head.starts_with('<')
        && ["<body", "<div", "<p>", "<p ", "<head", "<meta", "<title"]
            .iter()
            .any(|t| head.contains(t))
    {
        return Format::Html;
    }
    if cctv::header_date(text).is_some() {
        return Format::Cctv;
    }
    if text
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with('{'))
    {
        return Format::Jsonl;
    }
    Format::Text
}

/// Same as [`read_input`], from bytes already in memory; `name` is used for
/// origins, ids and errors and for detecting the format by extension
/// (`-` means stdin).
pub fn read_bytes(name: &str, bytes: &[u8], opts: &IngestOptions) -> Vec<Record> {
    let (display, id, ext) = name_parts(name);
    let src = Src {
        path: display.clone(),
        origin: display,
        id,
    };
    let by_ext = match ext.as_str() {
        "html" | "htm" | "xhtml" | "shtml" => Format::Html,
        "jsonl" | "ndjson" => Format::Jsonl,
        "csv" | "tsv" => Format::Csv,
        "txt" | "text" => Format::Text,
        _ => Format::Auto,
    };
    let format = if opts.format != Format::Auto {
        opts.format
    } else {
        by_ext
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return vec![Err(IngestError::file(
            &src.path,
            "empty article (empty file)",
        ))];
    }
    let decoded = match decode::decode(bytes, matches!(format, Format::Html | Format::Auto)) {
        Ok(d) => d,
        Err(reason) => return vec![Err(IngestError::file(&src.path, reason))],
    };
    let text = decoded
        .text
        .strip_prefix('\u{feff}')
        .unwrap_or(&decoded.text);
    if text.trim().is_empty() {
        return vec![Err(IngestError::file(
            &src.path,
            "empty article (empty file)",
        ))];
    }
    let format = if format == Format::Auto {
        sniff(text)
    } else {
        format
    };
    let records = match format {
        Format::Html => vec![html::parse(text, &src)],
        Format::Jsonl => jsonl::parse(text, &src),
        Format::Csv => csv::parse(text, &ext, opts, &src),
        Format::Cctv => cctv::parse(text, &src),
        Format::Text | Format::Auto => vec![text::parse(text, &src)],
    };
    let mut records: Vec<Record> = records
        .into_iter()
        .map(|r| check_length(r, &src.path, opts.max_chars))
        .collect();
    if decoded.warning.is_some() || decoded.encoding != "UTF-8" {
        for a in records.iter_mut().flatten() {
            if let Some(w) = &decoded.warning {
                a.meta.insert("decode_warning".into(), w.clone());
            }
            if decoded.encoding != "UTF-8" {
                a.meta
                    .insert("encoding".into(), decoded.encoding.to_string());
            }
        }
    }
    records
}

/// Reads JSON Lines one line at a time (for streaming): keeps the ids seen
/// so far to report duplicates, like [`read_input`] does for a file.
#[derive(Debug)]
pub struct JsonlLineReader {
    seen: std::collections::HashSet<String>,
    name: String,
    max_chars: usize,
}

impl JsonlLineReader {
    /// A reader whose errors name `name` (`-` for stdin).
    pub fn new(name: &str) -> Self {
        Self {
            seen: Default::default(),
            name: name.to_string(),
            max_chars: DEFAULT_MAX_ARTICLE_CHARS,
        }
    }

    /// Set the longest article body read (see [`IngestOptions::max_chars`]).
    pub fn with_max_chars(mut self, max_chars: usize) -> Self {
        self.max_chars = max_chars;
        self
    }

    /// Parse line `line_no` (1-based); `None` for a blank line.
    pub fn read_line(&mut self, line: &str, line_no: u64) -> Option<Record> {
        let (path, id, _) = name_parts(&self.name);
        let src = Src {
            origin: path.clone(),
            path,
            id,
        };
        jsonl::parse_line(line, line_no, &src, &mut self.seen)
            .map(|r| check_length(r, &src.path, self.max_chars))
    }
}
