//! # policy-lens
//!
//! Finds epidemic-control directives in Chinese government texts.
//!
//! The data flows one way:
//!
//! 1. [`ingest`] reads plain text, HTML, JSON Lines, CSV/TSV and 新闻联播
//!    transcripts into [`Article`]s (cleaned text + metadata) or
//!    [`IngestError`]s;
//! 2. [`segment`] splits an article into [`segment::Sentence`]s with
//!    character offsets;
//! 3. [`model::Classifier`] scores every sentence with a BERT-family
//!    encoder (candle-transformers) and a multi-label sigmoid head for
//!    `import_control`, `vaccination`, `infection_control`,
//!    `accountability` and `directive`;
//! 4. [`aggregate`] turns sentence scores into per-article summaries;
//! 5. [`report`] writes `articles.jsonl`, `summary.md` and `errors.jsonl`.
//!
//! [`train`] fine-tunes a model on labelled sentences ([`gold`]) and
//! [`metrics`] measures one.
//!
//! ```no_run
//! use policy_lens::{model::{Classifier, ModelDir, default_model_path}, segment};
//! let model = ModelDir::open(&default_model_path())?;
//! let clf = Classifier::load(model, &candle_core::Device::Cpu)?;
//! let sentences = segment::split("会议强调，要严把外防输入关口。会议现场。");
//! let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
//! let scores = clf.predict(&texts)?;
//! println!("{:?}", scores);
//! # Ok::<(), policy_lens::Error>(())
//! ```

pub mod aggregate;
pub mod baseline;
pub mod classify;
pub mod document;
pub mod error;
pub mod eval;
pub mod eval_articles;
pub mod gold;
pub mod ingest;
pub mod journal;
pub mod labels;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod segment;
pub mod threshold_cv;
pub mod train;

pub use document::{Article, IngestError, Record};
pub use error::{Error, Result};
