//! `export --hf`: write a model directory that Hugging Face `transformers`
//! loads as `AutoModelForSequenceClassification` / `AutoTokenizer`.
//!
//! A policy-lens model directory already uses HF tensor names and an HF
//! config; the export makes the rest explicit for other tools: float32
//! weights (`transformers` runs float16 weights in float16 on the CPU,
//! which would change the scores), `id2label`/`label2id` and
//! `problem_type: multi_label_classification` in the config,
//! `tokenizer_config.json` and `special_tokens_map.json` next to
//! `tokenizer.json` (with the model's input limit as `model_max_length`),
//! and the policy-lens files (`labels.json`, `thresholds.json`, `aggregate.json`, model card)
//! so that the exported directory is also a policy-lens model. A lexical
//! component (`lexical.json`) is not exported: the exported model scores as
//! the original does with `--no-lexical`.

use std::path::{Path, PathBuf};

use candle_core::Device;

use super::ModelDir;
use crate::error::{Error, Result};

/// What [`export_hf`] wrote.
#[derive(Debug, Clone)]
pub struct ExportReport {
    /// The output directory.
    pub dir: PathBuf,
    /// Number of tensors written.
    pub tensors: usize,
    /// Files written, in order.
    pub files: Vec<String>,
    /// Files of the model directory deliberately not exported: the lexical
    /// component ([`super::lexical`]), which `transformers` cannot run; the
    /// export's scores are the model's with `--no-lexical`.
    pub left_out: Vec<String>,
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).expect("serialisable") + "\n"
}

/// Export `model` into `out` (created; existing files of the same names
/// are replaced). Fails when the weights lack a classifier head with one
/// output per label.
pub fn export_hf(model: &ModelDir, out: &Path) -> Result<ExportReport> {
    let tensors = super::trainable::read_weights(&model.weights, &Device::Cpu)?;
    let n = model.labels.len();
    match tensors.get("classifier.weight").map(|t| t.dims().to_vec()) {
        Some(d) if d.first() == Some(&n) => {}
        Some(d) => {
            return Err(Error::model(
                &model.weights,
                format!("classifier.weight has shape {d:?}, but the model has {n} labels"),
                Some("use the labels.json saved with these weights"),
            ))
        }
        None => {
            return Err(Error::model(
                &model.weights,
                "no classifier head (classifier.weight) to export",
                Some("export a trained model, not a base encoder"),
            ))
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut files = Vec::new();

    let weights = out.join("model.safetensors");
    candle_core::safetensors::save(&tensors, &weights)
        .map_err(|e| Error::model(&weights, format!("cannot write weights: {e}"), None))?;
    files.push("model.safetensors".to_string());

    let mut config = model.config_json.clone();
    let obj = config.as_object_mut().ok_or_else(|| {
        Error::model(
            model.root.join("config.json"),
            "config is not a JSON object",
            None,
        )
    })?;
    super::set_hf_classifier_fields(obj, &model.labels);
    obj.insert("model_type".into(), "bert".into());
    obj.insert("torch_dtype".into(), "float32".into());
    obj.insert("dtype".into(), "float32".into());
    obj.insert("policy_lens_max_length".into(), model.max_length.into());
    write(&out.join("config.json"), &pretty(&config))?;
    files.push("config.json".into());

    let tok_out = out.join("tokenizer.json");
    if tok_out != model.tokenizer {
        std::fs::copy(&model.tokenizer, &tok_out).map_err(|e| Error::io(&tok_out, e))?;
    }
    files.push("tokenizer.json".into());
    // `BertTokenizerFast` rebuilds the normaliser from these flags, so they
    // must say what tokenizer.json's normaliser does.
    let tok_json: serde_json::Value = std::fs::read(&model.tokenizer)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let norm = &tok_json["normalizer"];
    let tokenizer_config = serde_json::json!({
        "tokenizer_class": "BertTokenizerFast",
        "do_lower_case": norm["lowercase"].as_bool().unwrap_or(true),
        "tokenize_chinese_chars": norm["handle_chinese_chars"].as_bool().unwrap_or(true),
        "strip_accents": norm["strip_accents"].clone(),
        "model_max_length": model.max_length,
        "padding_side": "right",
        "truncation_side": "right",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "mask_token": "[MASK]",
    });
    write(
        &out.join("tokenizer_config.json"),
        &pretty(&tokenizer_config),
    )?;
    files.push("tokenizer_config.json".into());
    let special = serde_json::json!({
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
        "unk_token": "[UNK]", "mask_token": "[MASK]",
    });
    write(&out.join("special_tokens_map.json"), &pretty(&special))?;
    files.push("special_tokens_map.json".into());

    write(
        &out.join("labels.json"),
        &pretty(&serde_json::json!(model.labels)),
    )?;
    files.push("labels.json".into());
    super::write_thresholds(out, &model.labels, &model.thresholds)?;
    files.push("thresholds.json".into());
    if model.root.join(super::AGGREGATE_FILE).is_file() {
        super::write_aggregate(
            out,
            super::AggregateSettings {
                min_evidence_score: model.min_evidence_score,
            },
        )?;
        files.push(super::AGGREGATE_FILE.into());
    }

    let card_src = model.root.join("README.md");
    let card = std::fs::read_to_string(&card_src).unwrap_or_default();
    let sha = super::sha256_file(&weights)?;
    let note = format!(
        "\n\n## Export\n\nExported by `policy-lens export --hf` from `{}` as float32 weights \
         (sha256 `{sha}`) for Hugging Face `transformers` \
         (`AutoModelForSequenceClassification`, sigmoid outputs). \
         The licence above applies unchanged.\n",
        model.root.display()
    );
    let card = if card.is_empty() {
        format!(
            "# Exported policy-lens model\n\n**Research and non-commercial use only** when \
             derived from m3e-small; see the source model's card.{note}"
        )
    } else {
        card + &note
    };
    write(&out.join("README.md"), &card)?;
    files.push("README.md".into());

    let left_out: Vec<String> = [super::lexical::SETTINGS_FILE, super::lexical::WEIGHTS_FILE]
        .iter()
        .filter(|f| model.root.join(f).is_file())
        .map(|f| f.to_string())
        .collect();
    Ok(ExportReport {
        dir: out.to_path_buf(),
        tensors: tensors.len(),
        files,
        left_out,
    })
}
