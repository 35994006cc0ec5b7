//! Model directories, the inference classifier and the trainable encoder.
//!
//! A policy-lens model directory is a Hugging Face `BertForSequenceClassification`
//! directory plus two small files, so it is self-describing and loads in
//! `transformers` as it is:
//!
//! | file | content |
//! |---|---|
//! | `config.json` | BERT config with `id2label`, `label2id`, `problem_type: multi_label_classification` |
//! | `tokenizer.json` | the tokenizer (Hugging Face `tokenizers` format) |
//! | `model.safetensors` | weights with HF names (`bert.*`, `classifier.*`) |
//! | `labels.json` | output labels in order (must agree with `id2label`) |
//! | `thresholds.json` | per-label decision thresholds (default 0.5) |
//! | `aggregate.json` | optional: the article rule's `min_evidence_score` (default 0) |
//! | `lexical.json`, `lexical.safetensors` | optional: a character n-gram model blended into the topic scores ([`lexical`]) |
//! | `README.md` | model card: base model, data, metrics, licence, weights sha256 |
//!
//! `--model` accepts such a directory or a Hub id (`owner/name`) found in the
//! local Hugging Face cache through `hf-hub` (no network access is made).

pub mod average;
pub mod base;
pub mod card;
pub mod classifier;
pub mod export;
pub mod fast;
pub mod int8;
pub mod lexical;
pub mod trainable;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candle_transformers::models::bert::Config as BertConfig;

use crate::error::{Error, Result};
use crate::labels::ALL_LABELS;

pub use classifier::{Classifier, Engine};

/// Default longest input, in tokens, when the model does not say.
pub const DEFAULT_MAX_LENGTH: usize = 160;

/// Name of the default model directory under `models/`.
pub const DEFAULT_MODEL_NAME: &str = "policy-lens-m3e-small";

/// A resolved model directory: where its files are and what they say.
#[derive(Debug, Clone)]
pub struct ModelDir {
    /// The directory (for a Hub id: its snapshot in the local cache).
    pub root: PathBuf,
    /// The encoder configuration.
    pub config: BertConfig,
    /// The raw `config.json`, kept to write it back (export, training).
    pub config_json: serde_json::Value,
    /// Output labels, in order.
    pub labels: Vec<String>,
    /// Per-label thresholds, same order as `labels`.
    pub thresholds: Vec<f32>,
    /// Lowest evidence score (`score(C) × score(directive)`) of a directive
    /// sentence that makes category C present in an article
    /// (`aggregate.json`; 0 when absent: any directive sentence of C does).
    pub min_evidence_score: f32,
    /// Longest input in tokens (longer sentences are truncated for scoring;
    /// the splitter bounds sentence length first).
    pub max_length: usize,
    /// Path of the tokenizer.
    pub tokenizer: PathBuf,
    /// Path of the weights (`model.safetensors`, or `pytorch_model.bin` for a base encoder).
    pub weights: PathBuf,
}

/// Where the default model lives: `$POLICY_LENS_MODEL`, else
/// `models/policy-lens-m3e-small` in the source tree this binary was built from.
pub fn default_model_path() -> PathBuf {
    if let Some(p) = std::env::var_os("POLICY_LENS_MODEL") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(DEFAULT_MODEL_NAME)
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::model(path, format!("invalid JSON: {e}"), None))
}

impl ModelDir {
    /// Resolve `spec`: an existing directory, or a Hugging Face Hub id looked
    /// up in the local HF cache (`$HF_HOME`, default `~/.cache/huggingface`).
    pub fn resolve(spec: &str) -> Result<Self> {
        let path = PathBuf::from(spec);
        if path.is_dir() {
            return Self::open(&path);
        }
        if path.exists() {
            return Err(Error::model(
                &path,
                "is a file, not a model directory",
                Some("pass the directory that holds config.json"),
            ));
        }
        let looks_like_hub_id =
            spec.split('/').count() == 2 && !spec.starts_with('.') && !spec.contains('\\');
        if !looks_like_hub_id {
            return Err(Error::model(
                &path,
                "no such directory",
                Some("pass a model directory or a Hub id such as owner/name"),
            ));
        }
        let cache = hf_hub::Cache::from_env();
        let repo = cache.model(spec.to_string());
        let config = repo.get("config.json").ok_or_else(|| {
            Error::model(
                &path,
                format!("Hub model is not in the local Hugging Face cache ({})", cache.path().display()),
                Some("download it where the Hub is reachable (e.g. `huggingface-cli download ID`) and copy the cache, or pass a local directory"),
            )
        })?;
        let root = config.parent().map(Path::to_path_buf).unwrap_or_default();
        // Make sure every file we need is in the snapshot (hf-hub resolves each one).
        for f in ["tokenizer.json"] {
            if repo.get(f).is_none() {
                return Err(Error::model(
                    &root,
                    format!("cached Hub model lacks {f}"),
                    Some("download the full repository into the cache"),
                ));
            }
        }
        Self::open(&root)
    }

    /// Open a model directory on disk and check that its files agree.
    pub fn open(root: &Path) -> Result<Self> {
        let config_path = root.join("config.json");
        if !config_path.is_file() {
            return Err(Error::model(
                root,
                "missing config.json",
                Some("a model directory needs config.json, tokenizer.json and model.safetensors"),
            ));
        }
        let config_json = read_json(&config_path)?;
        let config: BertConfig = serde_json::from_value(config_json.clone())
            .map_err(|e| Error::model(&config_path, format!("not a BERT config: {e}"), None))?;
        let tokenizer = root.join("tokenizer.json");
        if !tokenizer.is_file() {
            return Err(Error::model(
                root,
                "missing tokenizer.json",
                Some("copy the tokenizer.json of the base model into the directory"),
            ));
        }
        let weights = ["model.safetensors", "pytorch_model.bin"]
            .iter()
            .map(|f| root.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Error::model(
                    root,
                    "missing weights (model.safetensors)",
                    Some("retrain or re-download the model"),
                )
            })?;

        let labels = Self::read_labels(root, &config_json)?;
        let thresholds = Self::read_thresholds(root, &labels)?;
        let min_evidence_score = Self::read_aggregate(root)?;
        let max_length = config_json
            .get("policy_lens_max_length")
            .and_then(|v| v.as_u64())
            .map(|v| v as usize)
            .unwrap_or(DEFAULT_MAX_LENGTH)
            .min(config.max_position_embeddings);
        Ok(Self {
            root: root.to_path_buf(),
            config,
            config_json,
            labels,
            thresholds,
            min_evidence_score,
            max_length,
            tokenizer,
            weights,
        })
    }

    fn read_aggregate(root: &Path) -> Result<f32> {
        let path = root.join(AGGREGATE_FILE);
        if !path.is_file() {
            return Ok(0.0);
        }
        let settings: AggregateSettings =
            serde_json::from_value(read_json(&path)?).map_err(|e| {
                Error::model(
                    &path,
                    format!("must be {{\"min_evidence_score\": number}}: {e}"),
                    None,
                )
            })?;
        if !settings.is_valid() {
            return Err(Error::model(
                &path,
                format!(
                    "min_evidence_score {} is outside [0, 1]",
                    settings.min_evidence_score
                ),
                Some("scores are products of two probabilities"),
            ));
        }
        Ok(settings.min_evidence_score)
    }

    /// Labels from `labels.json`, else from `config.json`'s `id2label`, else
    /// the policy-lens label set. When both files name labels they must agree.
    fn read_labels(root: &Path, config_json: &serde_json::Value) -> Result<Vec<String>> {
        let from_config: Option<Vec<String>> = config_json
            .get("id2label")
            .and_then(|m| m.as_object())
            .map(|m| {
                let mut pairs: Vec<(usize, String)> = m
                    .iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_string())))
                    .collect();
                pairs.sort();
                pairs.into_iter().map(|(_, v)| v).collect()
            });
        let labels_path = root.join("labels.json");
        let from_file: Option<Vec<String>> = if labels_path.is_file() {
            Some(
                serde_json::from_value(read_json(&labels_path)?).map_err(|e| {
                    Error::model(
                        &labels_path,
                        format!("must be a JSON list of label names: {e}"),
                        None,
                    )
                })?,
            )
        } else {
            None
        };
        match (from_file, from_config) {
            (Some(f), Some(c)) if f != c => Err(Error::model(
                &labels_path,
                format!("labels.json has {} labels {:?} but config.json id2label has {} {:?}", f.len(), f, c.len(), c),
                Some("make labels.json and config.json id2label list the same labels in the same order"),
            )),
            (Some(f), _) => Ok(f),
            (None, Some(c)) => Ok(c),
            (None, None) => Ok(ALL_LABELS.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn read_thresholds(root: &Path, labels: &[String]) -> Result<Vec<f32>> {
        let path = root.join("thresholds.json");
        if !path.is_file() {
            return Ok(vec![0.5; labels.len()]);
        }
        let map: BTreeMap<String, f32> = serde_json::from_value(read_json(&path)?)
            .map_err(|e| Error::model(&path, format!("must map label -> number: {e}"), None))?;
        labels
            .iter()
            .map(|l| {
                map.get(l).copied().ok_or_else(|| {
                    Error::model(
                        &path,
                        format!("no threshold for label {l}"),
                        Some("add it or delete thresholds.json to use 0.5"),
                    )
                })
            })
            .collect()
    }

    /// Threshold of `label`, 0.5 when the label is unknown.
    pub fn threshold(&self, label: &str) -> f32 {
        self.labels
            .iter()
            .position(|l| l == label)
            .map(|i| self.thresholds[i])
            .unwrap_or(0.5)
    }
}

/// Set the Hugging Face fields of a multi-label sequence classifier in a
/// `config.json` object: `architectures`, `id2label`, `label2id`,
/// `num_labels` and `problem_type`.
pub fn set_hf_classifier_fields(
    config: &mut serde_json::Map<String, serde_json::Value>,
    labels: &[String],
) {
    let id2label: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), l.clone().into()))
        .collect();
    let label2id: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i.into()))
        .collect();
    config.insert(
        "architectures".into(),
        serde_json::json!(["BertForSequenceClassification"]),
    );
    config.insert("id2label".into(), id2label.into());
    config.insert("label2id".into(), label2id.into());
    config.insert("num_labels".into(), labels.len().into());
    config.insert("problem_type".into(), "multi_label_classification".into());
}

/// File of the article rule's settings in a model directory.
pub const AGGREGATE_FILE: &str = "aggregate.json";

/// `aggregate.json`: settings of the sentence → article rule tuned for a model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateSettings {
    /// See [`ModelDir::min_evidence_score`].
    pub min_evidence_score: f32,
}

impl AggregateSettings {
    /// A minimum evidence score is a product of two probabilities: it must
    /// lie in [0, 1].
    pub fn is_valid(self) -> bool {
        (0.0..=1.0).contains(&self.min_evidence_score)
    }
}

/// Write `aggregate.json` into `dir`.
pub fn write_aggregate(dir: &Path, settings: AggregateSettings) -> Result<()> {
    let path = dir.join(AGGREGATE_FILE);
    let text = serde_json::to_string_pretty(&settings).expect("serialisable") + "\n";
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// Write `thresholds.json` for `labels` into `dir`.
pub fn write_thresholds(dir: &Path, labels: &[String], thresholds: &[f32]) -> Result<()> {
    let map: BTreeMap<&str, f32> = labels
        .iter()
        .map(String::as_str)
        .zip(thresholds.iter().copied())
        .collect();
    let path = dir.join("thresholds.json");
    let text = serde_json::to_string_pretty(&map).expect("serialisable") + "\n";
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// sha256 of bytes already in memory, hex (the same digest as [`sha256_file`]).
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
