//! The library's error type.

use std::path::PathBuf;

/// Errors of the policy-lens library. Each carries enough context (a path,
/// a line, a fix) to be printed to a user as one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A model directory or one of its files is missing or inconsistent.
    #[error("model {path}: {message}{}", fix.as_deref().map(|f| format!(" (fix: {f})")).unwrap_or_default())]
    Model {
        /// The model directory or file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// How to fix it, when known.
        fix: Option<String>,
    },
    /// A labelled-data (gold/silver) file is malformed.
    #[error("{path}:{line}: {message}")]
    Data {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Tensor computation failed.
    #[error("tensor computation: {0}")]
    Candle(#[from] candle_core::Error),
    /// Tokenisation failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// Invalid argument or option.
    #[error("{0}")]
    Invalid(String),
}

/// Result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A model error with an optional fix.
    pub fn model(path: impl Into<PathBuf>, message: impl Into<String>, fix: Option<&str>) -> Self {
        Error::Model {
            path: path.into(),
            message: message.into(),
            fix: fix.map(str::to_string),
        }
    }
}
