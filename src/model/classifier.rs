//! Inference: tokenizer + candle-transformers `BertModel` + pooler + a
//! multi-label head with independent sigmoid outputs.

use std::path::Path;

use candle_core::{DType, Device, IndexOp, Module, Tensor};
use candle_nn::{linear, Linear, VarBuilder};
use candle_transformers::models::bert::{BertModel, HiddenAct};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use super::fast::FastBert;
use super::lexical::Lexical;
use super::ModelDir;
use crate::error::{Error, Result};

/// Largest number of (padded) tokens in one forward batch.
const TOKENS_PER_BATCH: usize = 4096;

/// Which implementation of the network runs the forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// On the CPU: [`Engine::Int8`] where the CPU has AVX-512 VNNI,
    /// [`Engine::Fast`] otherwise; [`Engine::Reference`] on a GPU.
    #[default]
    Auto,
    /// The fused CPU forward pass of [`super::fast`] (CPU only).
    Fast,
    /// candle-transformers' `BertModel` + pooler + head.
    Reference,
    /// [`Engine::Fast`] with the encoder's matrix multiplies in 8-bit
    /// integers (dynamic quantisation, [`super::int8`]); CPU only. Scores
    /// differ from f32 by quantisation error (see the model card).
    Int8,
}

impl Engine {
    /// The name `--engine` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Fast => "fast",
            Self::Reference => "reference",
            Self::Int8 => "int8",
        }
    }
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "fast" => Ok(Self::Fast),
            "reference" => Ok(Self::Reference),
            "int8" => Ok(Self::Int8),
            _ => Err(format!(
                "unknown engine {s:?}: use auto, fast, int8 or reference"
            )),
        }
    }
}

enum Network {
    Reference {
        bert: BertModel,
        pooler: Linear,
        head: Linear,
    },
    Fast(FastBert),
}

/// A loaded multi-label sentence classifier.
pub struct Classifier {
    network: Network,
    engine: Engine,
    tokenizer: Tokenizer,
    model: ModelDir,
    lexical: Option<Lexical>,
    device: Device,
    batch_size: usize,
}

/// Load a tokenizer from `path`, truncating to `max_length` tokens and
/// without padding (batches are padded dynamically).
pub fn load_tokenizer(path: &Path, max_length: usize) -> Result<Tokenizer> {
    let mut tok = Tokenizer::from_file(path).map_err(|e| {
        Error::model(
            path,
            format!("cannot load tokenizer: {e}"),
            Some("use the tokenizer.json of the model's base encoder"),
        )
    })?;
    tok.with_padding(None);
    tok.with_truncation(Some(TruncationParams {
        max_length,
        ..Default::default()
    }))
    .map_err(|e| Error::Tokenizer(e.to_string()))?;
    Ok(tok)
}

/// Check that the tokenizer's vocabulary fits the embedding matrix.
pub fn check_vocab(tokenizer: &Tokenizer, model: &ModelDir) -> Result<()> {
    let vocab = tokenizer.get_vocab_size(true);
    if vocab > model.config.vocab_size {
        return Err(Error::model(
            &model.tokenizer,
            format!("tokenizer has {vocab} tokens but config.json vocab_size is {}", model.config.vocab_size),
            Some("the tokenizer does not belong to this model: copy the base encoder's tokenizer.json"),
        ));
    }
    Ok(())
}

impl Classifier {
    /// Load the model in `dir` on `device` with the default engine.
    pub fn load(model: ModelDir, device: &Device) -> Result<Self> {
        Self::load_with(model, device, Engine::Auto)
    }

    /// Load the model in `dir` on `device`, running `engine`.
    pub fn load_with(model: ModelDir, device: &Device, engine: Engine) -> Result<Self> {
        let tokenizer = load_tokenizer(&model.tokenizer, model.max_length)?;
        check_vocab(&tokenizer, &model)?;
        let weights = &model.weights;
        let vb = if weights.extension().is_some_and(|e| e == "safetensors") {
            validate_safetensors(weights)?;
            // SAFETY: the file is memory-mapped read-only and not modified while in use.
            unsafe { VarBuilder::from_mmaped_safetensors(&[weights], DType::F32, device) }
        } else {
            VarBuilder::from_pth(weights, DType::F32, device)
        }
        .map_err(|e| {
            Error::model(
                weights,
                format!("cannot read weights: {e}"),
                Some("the file is damaged: restore it from git or retrain"),
            )
        })?;
        let wrap = |e: candle_core::Error| {
            Error::model(
                weights,
                format!("weights do not fit config.json: {e}"),
                Some("use the config.json that was saved with these weights"),
            )
        };
        let h = model.config.hidden_size;
        let n = model.labels.len();
        let head = linear(h, n, vb.pp("classifier")).map_err(|e| {
            Error::model(
                weights,
                format!("no classifier head with {n} outputs ({e})"),
                Some("this is a base encoder or its labels file does not match; train a model with `policy-lens train`"),
            )
        })?;
        let engine = match engine {
            Engine::Auto
                if device.is_cpu() && matches!(model.config.hidden_act, HiddenAct::Gelu) =>
            {
                if super::int8::has_vnni() {
                    Engine::Int8
                } else {
                    Engine::Fast
                }
            }
            Engine::Auto => Engine::Reference,
            Engine::Fast | Engine::Int8 if !device.is_cpu() => {
                return Err(Error::Invalid(format!(
                    "the {} engine runs on the CPU only",
                    engine.name()
                )))
            }
            e => e,
        };
        let network = match engine {
            Engine::Fast | Engine::Int8 => Network::Fast(
                FastBert::load(vb, &model.config, n, engine == Engine::Int8).map_err(wrap)?,
            ),
            _ => Network::Reference {
                bert: BertModel::load(vb.pp("bert"), &model.config).map_err(wrap)?,
                pooler: linear(h, h, vb.pp("bert.pooler.dense")).map_err(wrap)?,
                head,
            },
        };
        let lexical = Lexical::open(&model.root, &model.labels)?;
        Ok(Self {
            network,
            engine,
            tokenizer,
            model,
            lexical,
            device: device.clone(),
            batch_size: 32,
        })
    }

    /// Set the largest number of sentences per forward batch (default 32).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Score with the transformer alone, ignoring the model directory's
    /// lexical component ([`super::lexical`]) if it has one: the scores a
    /// Hugging Face export of the model gives.
    pub fn without_lexical(mut self) -> Self {
        self.lexical = None;
        self
    }

    /// The lexical component blended into the scores, if any.
    pub fn lexical(&self) -> Option<&Lexical> {
        self.lexical.as_ref()
    }

    /// The engine that runs the forward pass (never [`Engine::Auto`]).
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The model directory this classifier came from.
    pub fn model(&self) -> &ModelDir {
        &self.model
    }

    /// Output labels, in the order of the score vectors.
    pub fn labels(&self) -> &[String] {
        &self.model.labels
    }

    /// Tokenise texts (in parallel).
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Encoding>> {
        self.tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Tokenizer(e.to_string()))
    }

    /// Sigmoid scores for each text, in input order; one vector per text
    /// with one probability per label (blended with the lexical component
    /// where the model has one).
    pub fn predict(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self.encode(texts)?;
        self.predict_encoded(texts, &encodings)
    }

    /// Like [`Classifier::predict`] on texts already tokenised by
    /// [`Classifier::encode`] (`encodings[i]` is `texts[i]`).
    pub fn predict_encoded(&self, texts: &[&str], encodings: &[Encoding]) -> Result<Vec<Vec<f32>>> {
        if texts.len() != encodings.len() {
            return Err(Error::Invalid(format!(
                "{} texts but {} encodings",
                texts.len(),
                encodings.len()
            )));
        }
        let mut scores = self.predict_transformer(encodings)?;
        if let Some(lexical) = &self.lexical {
            lexical.apply(texts, &mut scores);
        }
        Ok(scores)
    }

    /// The transformer's scores alone. Texts are scored in batches of
    /// similar length, each padded only to its longest member, then put
    /// back in input order.
    fn predict_transformer(&self, encodings: &[Encoding]) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| (encodings[i].get_ids().len(), i));
        let mut out = vec![Vec::new(); encodings.len()];
        let mut pos = 0;
        while pos < order.len() {
            // Batches are sorted by length, so the last member is the longest.
            let mut end = (pos + self.batch_size).min(order.len());
            let longest = encodings[order[end - 1]].get_ids().len().max(1);
            let fit = (TOKENS_PER_BATCH / longest).max(1);
            end = end.min(pos + fit);
            let batch: Vec<&Encoding> = order[pos..end].iter().map(|&i| &encodings[i]).collect();
            let probs = self.forward_batch(&batch)?;
            for (k, &i) in order[pos..end].iter().enumerate() {
                out[i] = probs[k].clone();
            }
            pos = end;
        }
        Ok(out)
    }

    fn forward_batch(&self, batch: &[&Encoding]) -> Result<Vec<Vec<f32>>> {
        let (ids, mask) = pad_batch(batch);
        let b = batch.len();
        let len = ids.len() / b;
        let ids = Tensor::from_vec(ids, (b, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (b, len), &self.device)?;
        let logits = match &self.network {
            Network::Fast(net) => net.forward(&ids, &mask)?,
            Network::Reference { bert, pooler, head } => {
                let type_ids = ids.zeros_like()?;
                let hidden = bert.forward(&ids, &type_ids, Some(&mask))?;
                let cls = hidden.i((.., 0))?;
                let pooled = pooler.forward(&cls)?.tanh()?;
                head.forward(&pooled)?
            }
        };
        let probs = candle_nn::ops::sigmoid(&logits)?;
        Ok(probs.to_vec2::<f32>()?)
    }
}

/// Token ids and attention mask of a batch, padded to its longest member.
pub fn pad_batch(batch: &[&Encoding]) -> (Vec<u32>, Vec<u32>) {
    let len = batch
        .iter()
        .map(|e| e.get_ids().len())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut ids = vec![0u32; batch.len() * len];
    let mut mask = vec![0u32; batch.len() * len];
    for (r, e) in batch.iter().enumerate() {
        for (c, &t) in e.get_ids().iter().enumerate() {
            ids[r * len + c] = t;
            mask[r * len + c] = 1;
        }
    }
    (ids, mask)
}

/// Check a safetensors file's header before mapping it, so that truncated
/// or corrupted files give a clear error.
fn validate_safetensors(path: &Path) -> Result<()> {
    let fix =
        Some("the weights file is damaged or truncated: restore it (git checkout) or retrain");
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if data.len() < 8 {
        return Err(Error::model(
            path,
            "weights file is too short to be safetensors",
            fix,
        ));
    }
    let n = u64::from_le_bytes(data[..8].try_into().expect("8 bytes")) as usize;
    let header = data
        .get(8..8usize.saturating_add(n))
        .ok_or_else(|| Error::model(path, "weights header runs past the end of the file", fix))?;
    let header: serde_json::Value = serde_json::from_slice(header)
        .map_err(|e| Error::model(path, format!("weights header is not valid JSON: {e}"), fix))?;
    let body = data.len() - 8 - n;
    let needed = header
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|v| v.get("data_offsets")?.as_array()?.get(1)?.as_u64())
        .max()
        .unwrap_or(0) as usize;
    if needed > body {
        return Err(Error::model(
            path,
            format!("weights file is truncated ({body} of {needed} data bytes)"),
            fix,
        ));
    }
    Ok(())
}
