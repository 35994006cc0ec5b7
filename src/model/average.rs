//! Uniform weight averaging of fine-tuned models (a "model soup",
//! Wortsman et al. 2022; fairseq's `average_checkpoints.py` does the same for
//! checkpoints of one run).
//!
//! Fine-tunes that start from the same weights and differ only in their
//! seed stay in one basin of the loss; the mean of their weights usually
//! scores at least as well as each of them and runs at the cost of one model,
//! unlike an output ensemble. The ingredients must agree on architecture,
//! labels and tokenizer; thresholds do not carry over and are tuned again on
//! the dev split by the caller ([`crate::eval::tune_thresholds`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use super::ModelDir;
use crate::error::{Error, Result};

/// What [`average_models`] wrote.
#[derive(Debug, Clone)]
pub struct Averaged {
    /// Output model directory.
    pub dir: PathBuf,
    /// Ingredient directories with the sha256 of their weights.
    pub ingredients: Vec<(PathBuf, String)>,
    /// Number of averaged tensors.
    pub tensors: usize,
}

/// The config entries that shape the weights.
fn architecture(m: &ModelDir) -> Vec<Option<&serde_json::Value>> {
    [
        "model_type",
        "vocab_size",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "intermediate_size",
        "max_position_embeddings",
        "type_vocab_size",
        "hidden_act",
        "layer_norm_eps",
    ]
    .iter()
    .map(|k| m.config_json.get(k))
    .collect()
}

/// The weights of `m` and the sha256 of their file, from one read.
fn load_weights(m: &ModelDir) -> Result<(HashMap<String, Tensor>, String)> {
    let bytes = std::fs::read(&m.weights).map_err(|e| Error::io(&m.weights, e))?;
    let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
        .map_err(|e| Error::model(&m.weights, format!("cannot read weights: {e}"), None))?;
    Ok((tensors, super::sha256_bytes(&bytes)))
}

/// Average the weights of `models` (at least two policy-lens/HF model
/// directories with the same config, labels, tokenizer and tensors) into
/// `out`: `model.safetensors` in the first model's dtype, and that model's
/// `config.json`, `labels.json` and `tokenizer.json`. `thresholds.json` and
/// the card are left to the caller.
pub fn average_models(models: &[PathBuf], out: &Path) -> Result<Averaged> {
    if models.len() < 2 {
        return Err(Error::model(
            out,
            "averaging needs at least two models",
            Some("name two or more fine-tunes of the same starting model"),
        ));
    }
    let dirs = models
        .iter()
        .map(|p| ModelDir::open(p))
        .collect::<Result<Vec<_>>>()?;
    if let Ok(o) = out.canonicalize() {
        if dirs
            .iter()
            .any(|d| d.root.canonicalize().ok().as_ref() == Some(&o))
        {
            return Err(Error::model(
                out,
                "the output directory is one of the models being averaged",
                Some("write the average to a new directory"),
            ));
        }
    }
    let first = &dirs[0];
    let tok0 = std::fs::read(&first.tokenizer).map_err(|e| Error::io(&first.tokenizer, e))?;
    for d in &dirs[1..] {
        if architecture(d) != architecture(first) {
            return Err(Error::model(
                &d.root,
                format!(
                    "architecture in config.json differs from {}",
                    first.root.display()
                ),
                Some("only fine-tunes of one architecture can be averaged"),
            ));
        }
        if d.labels != first.labels {
            return Err(Error::model(
                &d.root,
                format!("labels {:?} differ from {:?}", d.labels, first.labels),
                None,
            ));
        }
        let tok = std::fs::read(&d.tokenizer).map_err(|e| Error::io(&d.tokenizer, e))?;
        if tok != tok0 {
            return Err(Error::model(
                &d.root,
                format!("tokenizer.json differs from {}", first.root.display()),
                None,
            ));
        }
    }
    let mut sum: HashMap<String, Tensor> = HashMap::new();
    let mut dtypes: HashMap<String, DType> = HashMap::new();
    let mut ingredients = Vec::with_capacity(dirs.len());
    for (k, d) in dirs.iter().enumerate() {
        let (w, sha) = load_weights(d)?;
        ingredients.push((d.root.clone(), sha));
        if k > 0 && w.len() != sum.len() {
            return Err(Error::model(
                &d.weights,
                format!(
                    "{} tensors, {} has {}",
                    w.len(),
                    first.root.display(),
                    sum.len()
                ),
                None,
            ));
        }
        for (name, t) in w {
            let t32 = t.to_dtype(DType::F32)?;
            if k == 0 {
                dtypes.insert(name.clone(), t.dtype());
                sum.insert(name, t32);
                continue;
            }
            let acc = sum.get_mut(&name).ok_or_else(|| {
                Error::model(
                    &d.weights,
                    format!("tensor {name} is not in the first model"),
                    None,
                )
            })?;
            if acc.dims() != t32.dims() {
                return Err(Error::model(
                    &d.weights,
                    format!(
                        "tensor {name} has shape {:?}, expected {:?}",
                        t32.dims(),
                        acc.dims()
                    ),
                    None,
                ));
            }
            *acc = (&*acc + &t32)?;
        }
    }
    let n = dirs.len() as f64;
    let mut mean = HashMap::with_capacity(sum.len());
    for (name, t) in sum {
        let dt = dtypes[&name];
        mean.insert(name, (t / n).and_then(|t| t.to_dtype(dt))?);
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    super::lexical::remove(out)?;
    let weights = out.join("model.safetensors");
    candle_core::safetensors::save(&mean, &weights)
        .map_err(|e| Error::model(&weights, format!("cannot write weights: {e}"), None))?;
    for f in ["config.json", "labels.json", "tokenizer.json"] {
        let (src, dst) = (first.root.join(f), out.join(f));
        if src.is_file() {
            std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(Averaged {
        dir: out.to_path_buf(),
        ingredients,
        tensors: mean.len(),
    })
}
