//! The record types that flow through the pipeline: an ingested [`Article`]
//! and the [`IngestError`] that stands in for an input that could not be read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One article after ingest: cleaned body text plus the metadata found
/// around it. Offsets of sentences refer to [`Article::text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Article {
    /// Stable id: from the input (JSONL `id`, CSV id column) or derived from
    /// the file path (plus line / row / item number for multi-article files).
    pub id: String,
    /// Headline, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publication date as `YYYY-MM-DD`, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Publisher / outlet (来源), when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Author, reporter or editor (作者 / 记者 / 编辑 / 责编), when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Original URL, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the article came from: a file path, with `:line` / `#item`
    /// suffixes for multi-article files, or `-` for stdin.
    pub origin: String,
    /// Further metadata kept from the input (e.g. `original_title`,
    /// `deck`, `province`, the input format).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
    /// Cleaned body text: boilerplate removed, paragraphs separated by `\n`.
    pub text: String,
}

/// An input record that could not be turned into an article. Every input
/// record ends up either as an [`Article`] or as one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{path}{}: {reason}", location_suffix(*line, *byte))]
pub struct IngestError {
    /// The file (or `-` for stdin) the record came from.
    pub path: String,
    /// 1-based line (JSONL/CSV/stdin) of the bad record, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Byte offset of the problem in the file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
    /// Id of the record, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Human-readable reason.
    pub reason: String,
}

fn location_suffix(line: Option<u64>, byte: Option<u64>) -> String {
    match (line, byte) {
        (Some(l), _) => format!(":{l}"),
        (None, Some(b)) => format!(" (byte {b})"),
        (None, None) => String::new(),
    }
}

impl IngestError {
    /// An error for a whole file.
    pub fn file(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            byte: None,
            id: None,
            reason: reason.into(),
        }
    }

    /// An error for one line / row of a multi-record file.
    pub fn at_line(path: impl Into<String>, line: u64, reason: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            ..Self::file(path, reason)
        }
    }
}

/// What reading one input produces: articles and errors, in input order.
pub type Record = Result<Article, IngestError>;
