//! A trainable copy of the BERT encoder plus the classification head.
//!
//! candle-transformers' `BertModel` uses a fused layer-norm kernel that has
//! no backward pass, so fine-tuning it would silently update only the head.
//! This module builds the same network (same tensor names, so the weights
//! load back into `BertModel` for inference) with `ops::layer_norm_slow`,
//! whose gradient is defined, and with seeded dropout so that training is
//! reproducible.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, IndexOp, Module, Tensor, Var, D};
use candle_nn::{Embedding, Linear, VarBuilder, VarMap};
use candle_transformers::models::bert::Config as BertConfig;
use rand::rngs::StdRng;
use rand::Rng;

use crate::error::{Error, Result};

/// Dropout probability used while training.
pub const DROPOUT: f32 = 0.1;

/// Layer norm parameters, with a differentiable forward pass (training)
/// and candle's fused one (inference, no backward pass).
pub(crate) struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    pub(crate) fn load(vb: VarBuilder, size: usize, eps: f64) -> candle_core::Result<Self> {
        Ok(Self {
            weight: vb.get(size, "weight")?,
            bias: vb.get(size, "bias")?,
            eps: eps as f32,
        })
    }
    /// Built from primitive ops, so gradients reach the parameters.
    pub(crate) fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm_slow(x, &self.weight, &self.bias, self.eps)
    }
    /// candle's fused kernel: faster, but without a backward pass.
    pub(crate) fn forward_fused(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_ln: LayerNorm,
    inter: Linear,
    out: Linear,
    out_ln: LayerNorm,
}

/// Encoder + pooler + classifier whose every tensor is a trainable `Var`.
pub struct TrainableModel {
    varmap: VarMap,
    config: BertConfig,
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    emb_ln: LayerNorm,
    layers: Vec<Layer>,
    pooler: Linear,
    classifier: Linear,
    device: Device,
}

/// Dropout driven by our own seeded RNG (candle's uses an unseeded one).
pub struct Dropout<'a> {
    /// Drop probability.
    pub p: f32,
    /// The RNG that draws the masks.
    pub rng: &'a mut StdRng,
}

impl Dropout<'_> {
    fn apply(&mut self, x: &Tensor) -> candle_core::Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let n = x.elem_count();
        let keep = 1.0 / (1.0 - self.p);
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if self.rng.gen::<f32>() < self.p {
                    0.0
                } else {
                    keep
                }
            })
            .collect();
        let mask = Tensor::from_vec(mask, x.shape(), x.device())?;
        x.mul(&mask)
    }
}

/// Read every tensor of a weights file (safetensors or PyTorch pickle) as
/// f32, with HF `BertForSequenceClassification` names (`bert.` prefix added
/// to bare encoder names; buffers such as `position_ids` dropped).
pub fn read_weights(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>> {
    let raw: Vec<(String, Tensor)> = if path.extension().is_some_and(|e| e == "safetensors") {
        candle_core::safetensors::load(path, device)
            .map_err(|e| Error::model(path, format!("cannot read weights: {e}"), None))?
            .into_iter()
            .collect()
    } else {
        candle_core::pickle::read_all(path)
            .map_err(|e| Error::model(path, format!("cannot read PyTorch weights: {e}"), None))?
    };
    let mut out = HashMap::new();
    for (name, t) in raw {
        if name.ends_with("position_ids") {
            continue;
        }
        let name = if name.starts_with("bert.") || name.starts_with("classifier.") {
            name
        } else {
            format!("bert.{name}")
        };
        out.insert(name, t.to_dtype(DType::F32)?.to_device(device)?);
    }
    Ok(out)
}

fn normal(rng: &mut StdRng, shape: (usize, usize), std: f32, device: &Device) -> Result<Tensor> {
    // Box-Muller, so initialisation depends on our seed alone.
    let n = shape.0 * shape.1;
    let v: Vec<f32> = (0..n)
        .map(|_| {
            let u1: f32 = rng.gen::<f32>().max(1e-7);
            let u2: f32 = rng.gen();
            std * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
        })
        .collect();
    Ok(Tensor::from_vec(v, shape, device)?)
}

/// Append `extra` freshly initialised rows to the classification head in
/// `weights` (for outputs trained beside the model's own and dropped when it
/// is saved), keeping the rows it has. Without a head, nothing changes: the
/// whole head is initialised by [`TrainableModel::new`].
pub(crate) fn extend_head(
    weights: &mut HashMap<String, Tensor>,
    extra: usize,
    rng: &mut StdRng,
    device: &Device,
) -> Result<()> {
    let (Some(w), Some(b)) = (
        weights.get("classifier.weight"),
        weights.get("classifier.bias"),
    ) else {
        return Ok(());
    };
    let h = w.dim(1)?;
    let w = Tensor::cat(&[w, &normal(rng, (extra, h), 0.02, device)?], 0)?;
    let b = Tensor::cat(&[b, &Tensor::zeros(extra, b.dtype(), device)?], 0)?;
    weights.insert("classifier.weight".into(), w);
    weights.insert("classifier.bias".into(), b);
    Ok(())
}

impl TrainableModel {
    /// Build from initial weights (see [`read_weights`]). A missing pooler
    /// or a classifier of the wrong size is initialised from `rng`
    /// (normal, std 0.02; zero bias), as in BERT.
    pub fn new(
        config: &BertConfig,
        mut weights: HashMap<String, Tensor>,
        n_labels: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Self> {
        let h = config.hidden_size;
        if !weights.contains_key("bert.pooler.dense.weight") {
            weights.insert(
                "bert.pooler.dense.weight".into(),
                normal(rng, (h, h), 0.02, device)?,
            );
            weights.insert(
                "bert.pooler.dense.bias".into(),
                Tensor::zeros(h, DType::F32, device)?,
            );
        }
        let head_fits = weights
            .get("classifier.weight")
            .is_some_and(|w| w.dims() == [n_labels, h]);
        if !head_fits {
            weights.insert(
                "classifier.weight".into(),
                normal(rng, (n_labels, h), 0.02, device)?,
            );
            weights.insert(
                "classifier.bias".into(),
                Tensor::zeros(n_labels, DType::F32, device)?,
            );
        }
        let varmap = VarMap::new();
        {
            let mut data = varmap.data().lock().expect("varmap lock");
            for (name, t) in weights {
                data.insert(name, Var::from_tensor(&t)?);
            }
        }
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
        let b = vb.pp("bert");
        let e = b.pp("embeddings");
        let word = candle_nn::embedding(config.vocab_size, h, e.pp("word_embeddings"))?;
        let position = candle_nn::embedding(
            config.max_position_embeddings,
            h,
            e.pp("position_embeddings"),
        )?;
        let token_type =
            candle_nn::embedding(config.type_vocab_size, h, e.pp("token_type_embeddings"))?;
        let emb_ln = LayerNorm::load(e.pp("LayerNorm"), h, config.layer_norm_eps)?;
        let mut layers = Vec::new();
        for i in 0..config.num_hidden_layers {
            let l = b.pp(format!("encoder.layer.{i}"));
            let a = l.pp("attention");
            layers.push(Layer {
                query: candle_nn::linear(h, h, a.pp("self.query"))?,
                key: candle_nn::linear(h, h, a.pp("self.key"))?,
                value: candle_nn::linear(h, h, a.pp("self.value"))?,
                attn_out: candle_nn::linear(h, h, a.pp("output.dense"))?,
                attn_ln: LayerNorm::load(a.pp("output.LayerNorm"), h, config.layer_norm_eps)?,
                inter: candle_nn::linear(h, config.intermediate_size, l.pp("intermediate.dense"))?,
                out: candle_nn::linear(config.intermediate_size, h, l.pp("output.dense"))?,
                out_ln: LayerNorm::load(l.pp("output.LayerNorm"), h, config.layer_norm_eps)?,
            });
        }
        let pooler = candle_nn::linear(h, h, b.pp("pooler.dense"))?;
        let classifier = candle_nn::linear(h, n_labels, vb.pp("classifier"))?;
        let n_vars = varmap.all_vars().len();
        let expected = 5 + 16 * config.num_hidden_layers + 4;
        if n_vars != expected {
            return Err(Error::Invalid(format!(
                "weights hold {n_vars} tensors, the model uses {expected}: unexpected extra tensors in the weights file"
            )));
        }
        Ok(Self {
            varmap,
            config: config.clone(),
            word,
            position,
            token_type,
            emb_ln,
            layers,
            pooler,
            classifier,
            device: device.clone(),
        })
    }

    /// All trainable variables.
    pub fn vars(&self) -> Vec<Var> {
        self.varmap.all_vars()
    }

    /// Named trainable variables, sorted by name.
    pub fn named_vars(&self) -> Vec<(String, Var)> {
        let data = self.varmap.data().lock().expect("varmap lock");
        let mut v: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Snapshot of all weights (detached copies).
    pub fn snapshot(&self) -> Result<HashMap<String, Tensor>> {
        self.named_vars()
            .into_iter()
            .map(|(k, v)| Ok((k, v.as_tensor().copy()?)))
            .collect()
    }

    /// Overwrite the weights with a snapshot.
    pub fn restore(&self, snapshot: &HashMap<String, Tensor>) -> Result<()> {
        for (k, v) in self.named_vars() {
            if let Some(t) = snapshot.get(&k) {
                v.set(t)?;
            }
        }
        Ok(())
    }

    /// Logits `[batch, labels]` for token ids and attention mask `[batch, len]`.
    /// With `dropout`, dropout is applied (training); without, it is the
    /// same function as inference.
    pub fn forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        mut dropout: Option<&mut Dropout>,
    ) -> Result<Tensor> {
        let (_b, len) = ids.dims2()?;
        let cfg = &self.config;
        let heads = cfg.num_attention_heads;
        let head_dim = cfg.hidden_size / heads;
        let positions = Tensor::arange(0u32, len as u32, &self.device)?;
        let types = ids.zeros_like()?;
        let x = self
            .word
            .forward(ids)?
            .add(&self.token_type.forward(&types)?)?
            .broadcast_add(&self.position.forward(&positions)?)?;
        let mut x = self.emb_ln.forward(&x)?;
        if let Some(d) = dropout.as_deref_mut() {
            x = d.apply(&x)?;
        }
        let ext = ((mask.to_dtype(DType::F32)?.ones_like()? - mask.to_dtype(DType::F32)?)?
            * f32::MIN as f64)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let scale = 1.0 / (head_dim as f64).sqrt();
        for l in &self.layers {
            let split = |t: Tensor| -> candle_core::Result<Tensor> {
                let (b, n, _) = t.dims3()?;
                t.reshape((b, n, heads, head_dim))?
                    .transpose(1, 2)?
                    .contiguous()
            };
            let q = split(l.query.forward(&x)?)?;
            let k = split(l.key.forward(&x)?)?;
            let v = split(l.value.forward(&x)?)?;
            let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(&ext)?;
            let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
            let ctx = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .flatten_from(D::Minus2)?;
            let mut a = l.attn_out.forward(&ctx)?;
            if let Some(d) = dropout.as_deref_mut() {
                a = d.apply(&a)?;
            }
            let a = l.attn_ln.forward(&(a + &x)?)?;
            let mut o = l.out.forward(&l.inter.forward(&a)?.gelu_erf()?)?;
            if let Some(d) = dropout.as_deref_mut() {
                o = d.apply(&o)?;
            }
            x = l.out_ln.forward(&(o + a)?)?;
        }
        let mut pooled = self.pooler.forward(&x.i((.., 0))?)?.tanh()?;
        if let Some(d) = dropout {
            pooled = d.apply(&pooled)?;
        }
        Ok(self.classifier.forward(&pooled)?)
    }

    /// Save the weights as safetensors with HF names, in `dtype` (f16 halves
    /// the file; inference loads it back as f32).
    pub fn save(&self, path: &Path, dtype: DType, head_rows: usize) -> Result<()> {
        let tensors: HashMap<String, Tensor> = self
            .named_vars()
            .into_iter()
            .map(|(k, v)| {
                let t = v.as_tensor();
                // Training-only outputs are the head's last rows.
                let t = if k.starts_with("classifier.") && t.dim(0)? > head_rows {
                    t.narrow(0, 0, head_rows)?
                } else {
                    t.clone()
                };
                Ok((k, t.to_dtype(dtype)?))
            })
            .collect::<Result<_>>()?;
        candle_core::safetensors::save(&tensors, path)
            .map_err(|e| Error::model(path, format!("cannot write weights: {e}"), None))
    }
}
