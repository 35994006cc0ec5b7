//! Human-readable reports: `summary.md` for a corpus.

pub mod summary;
