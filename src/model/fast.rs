//! A faster CPU forward pass of the same BERT classifier.
//!
//! candle-transformers' `BertModel` spends about a third of its CPU time in
//! scalar `erf` (GELU) and `exp` (softmax) and runs the attention in many
//! small steps. This engine computes the same function with:
//!
//! * one fused query/key/value projection per layer (one matrix multiply
//!   instead of three);
//! * a fused bias + GELU kernel and a fused scaled, masked softmax kernel,
//!   both vectorised (AVX-512 or AVX2 chosen at run time) with
//!   polynomial `exp`/`erf` accurate to a few units in the last place, and
//!   run in parallel over rows;
//! * padded key positions given probability exactly 0 instead of adding
//!   `f32::MIN` to their scores;
//! * the residual add and layer norm fused into one vectorised pass;
//! * optionally ([`crate::model::Engine::Int8`]) the four projections of
//!   every layer in 8-bit integers ([`super::int8`]).
//!
//! Everything else (f32 matrix multiplies, embeddings) is candle.
//! It is used on the CPU only; on a GPU the classifier runs
//! candle-transformers' `BertModel`. Tests check that both engines give the
//! same scores to within 1e-5.

use candle_core::{CpuStorage, DType, IndexOp, Layout, Shape, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config as BertConfig, HiddenAct};

use super::int8::{Activation, QuantLinear};
use super::trainable::LayerNorm;
use rayon::prelude::*;

/// Rows per parallel task in the element-wise kernels.
const MIN_ROWS_PER_TASK: usize = 16;

struct Dense {
    /// Weight transposed to (in, out), contiguous.
    w_t: Tensor,
    bias: Tensor,
}

impl Dense {
    fn load(vb: VarBuilder, inp: usize, out: usize) -> candle_core::Result<Self> {
        let w = vb.get((out, inp), "weight")?;
        Ok(Self {
            w_t: w.t()?.contiguous()?,
            bias: vb.get(out, "bias")?,
        })
    }
    /// `x` is (rows, in).
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.w_t)?.broadcast_add(&self.bias)
    }
}

/// An encoder projection: f32 weights, or 8-bit weights (see [`super::int8`]).
enum Proj {
    F32(Dense),
    Int8(QuantLinear),
}

impl Proj {
    fn new(dense: Dense, int8: bool) -> candle_core::Result<Self> {
        if !int8 {
            return Ok(Self::F32(dense));
        }
        let (k, n) = dense.w_t.dims2()?;
        let w = dense
            .w_t
            .t()?
            .contiguous()?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let b = dense.bias.to_vec1::<f32>()?;
        QuantLinear::new(&w, &b, n, k)
            .map(Self::Int8)
            .map_err(candle_core::Error::msg)
    }

    /// `act(x · Wᵀ + b)` for `x` (rows, in).
    fn forward(&self, x: &Tensor, act: Activation) -> candle_core::Result<Tensor> {
        match (self, act) {
            (Self::F32(d), Activation::None) => d.forward(x),
            (Self::F32(d), Activation::Gelu) => {
                x.matmul(&d.w_t)?.apply_op2_no_bwd(&d.bias, &BiasGelu)
            }
            (Self::Int8(q), act) => x.apply_op1_no_bwd(&QuantOp { linear: q, act }),
        }
    }
}

/// [`QuantLinear`] as a candle op on a contiguous (rows, in) f32 tensor.
struct QuantOp<'a> {
    linear: &'a QuantLinear,
    act: Activation,
}

impl candle_core::CustomOp1 for QuantOp<'_> {
    fn name(&self) -> &'static str {
        "policy-lens-int8-linear"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous(s, l, "int8 linear")?;
        let (k, n) = self.linear.dims();
        let &[rows, cols] = l.shape().dims() else {
            candle_core::bail!("int8 linear: (rows, {k}) input expected");
        };
        if cols != k {
            candle_core::bail!("int8 linear: input has {cols} features, the layer {k}");
        }
        let out = self.linear.forward(x, self.act);
        Ok((CpuStorage::F32(out), Shape::from((rows, n))))
    }
}

/// Layer norm of `x + residual`, as one pass over rows.
struct AddNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl AddNorm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> candle_core::Result<Self> {
        Ok(Self {
            weight: vb.get(size, "weight")?.to_vec1()?,
            bias: vb.get(size, "bias")?.to_vec1()?,
            eps: eps as f32,
        })
    }
    fn forward(&self, x: &Tensor, residual: &Tensor) -> candle_core::Result<Tensor> {
        x.apply_op2_no_bwd(residual, self)
    }
}

impl candle_core::CustomOp2 for AddNorm {
    fn name(&self) -> &'static str {
        "policy-lens-add-layer-norm"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous(s1, l1, "add-layer-norm")?;
        let res = contiguous(s2, l2, "add-layer-norm residual")?;
        let n = self.weight.len();
        if l1.shape() != l2.shape() || l1.shape().dims().last() != Some(&n) {
            candle_core::bail!(
                "add-layer-norm: shapes {:?} and {:?}",
                l1.shape(),
                l2.shape()
            );
        }
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(n)
            .zip(x.par_chunks(n).zip(res.par_chunks(n)))
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(|(o, (x, r))| {
                kernels::add_layer_norm(x, r, &self.weight, &self.bias, self.eps, o)
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

struct Layer {
    qkv: Proj,
    attn_out: Proj,
    attn_norm: AddNorm,
    inter: Proj,
    out: Proj,
    out_norm: AddNorm,
}

/// The BERT encoder + pooler + classification head, CPU fast path.
pub struct FastBert {
    word: Tensor,
    position: Tensor,
    token_type0: Tensor,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    pooler: Dense,
    head: Dense,
    heads: usize,
    head_dim: usize,
}

impl FastBert {
    /// Load from the weights of a `BertForSequenceClassification` with
    /// `labels` outputs. Only GELU (erf) encoders are supported, like the
    /// BERT checkpoints policy-lens trains. With `int8`, the encoder's
    /// four projections per layer run with 8-bit weights and activations
    /// ([`super::int8`]); embeddings, attention scores, layer norms, pooler
    /// and head stay f32.
    pub fn load(
        vb: VarBuilder,
        config: &BertConfig,
        labels: usize,
        int8: bool,
    ) -> candle_core::Result<Self> {
        if !matches!(config.hidden_act, HiddenAct::Gelu) {
            candle_core::bail!(
                "the fast engine supports hidden_act gelu only, not {:?}",
                config.hidden_act
            );
        }
        let h = config.hidden_size;
        let eps = config.layer_norm_eps;
        let emb = vb.pp("bert.embeddings");
        let word = emb.get((config.vocab_size, h), "word_embeddings.weight")?;
        let position = emb.get(
            (config.max_position_embeddings, h),
            "position_embeddings.weight",
        )?;
        let token_type0 = emb
            .get((config.type_vocab_size, h), "token_type_embeddings.weight")?
            .i(0)?;
        let emb_norm = LayerNorm::load(emb.pp("LayerNorm"), h, eps)?;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for l in 0..config.num_hidden_layers {
            let vb = vb.pp(format!("bert.encoder.layer.{l}"));
            let att = vb.pp("attention.self");
            let q = Dense::load(att.pp("query"), h, h)?;
            let k = Dense::load(att.pp("key"), h, h)?;
            let v = Dense::load(att.pp("value"), h, h)?;
            let qkv = Dense {
                w_t: Tensor::cat(&[&q.w_t, &k.w_t, &v.w_t], 1)?.contiguous()?,
                bias: Tensor::cat(&[&q.bias, &k.bias, &v.bias], 0)?,
            };
            let inter = config.intermediate_size;
            layers.push(Layer {
                qkv: Proj::new(qkv, int8)?,
                attn_out: Proj::new(Dense::load(vb.pp("attention.output.dense"), h, h)?, int8)?,
                attn_norm: AddNorm::load(vb.pp("attention.output.LayerNorm"), h, eps)?,
                inter: Proj::new(Dense::load(vb.pp("intermediate.dense"), h, inter)?, int8)?,
                out: Proj::new(Dense::load(vb.pp("output.dense"), inter, h)?, int8)?,
                out_norm: AddNorm::load(vb.pp("output.LayerNorm"), h, eps)?,
            });
        }
        Ok(Self {
            word,
            position,
            token_type0,
            emb_norm,
            layers,
            pooler: Dense::load(vb.pp("bert.pooler.dense"), h, h)?,
            head: Dense::load(vb.pp("classifier"), h, labels)?,
            heads: config.num_attention_heads,
            head_dim: h / config.num_attention_heads,
        })
    }

    /// Logits for a padded batch: `ids` and `mask` are (batch, len) u32.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (b, len) = ids.dims2()?;
        let h = self.word.dim(1)?;
        let x = self
            .word
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, len, h))?
            .broadcast_add(&self.position.narrow(0, 0, len)?)?
            .broadcast_add(&self.token_type0)?;
        let mut x = self.emb_norm.forward_fused(&x)?.reshape((b * len, h))?;
        let mask = mask.to_dtype(DType::F32)?.contiguous()?;
        let scale = 1.0 / (self.head_dim as f32).sqrt();
        for layer in &self.layers {
            // (b*len, 3h) -> (3, b, heads, len, head_dim)
            let qkv = layer
                .qkv
                .forward(&x, Activation::None)?
                .reshape((b, len, 3, self.heads, self.head_dim))?
                .permute((2, 0, 3, 1, 4))?
                .contiguous()?;
            let (q, k, v) = (qkv.i(0)?, qkv.i(1)?, qkv.i(2)?);
            let scores = q.matmul(&k.t()?)?;
            let probs = scores.apply_op2_no_bwd(&mask, &MaskedSoftmax { scale })?;
            let ctx = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b * len, h))?;
            let attn = layer
                .attn_norm
                .forward(&layer.attn_out.forward(&ctx, Activation::None)?, &x)?;
            let inter = layer.inter.forward(&attn, Activation::Gelu)?;
            x = layer
                .out_norm
                .forward(&layer.out.forward(&inter, Activation::None)?, &attn)?;
        }
        let cls = x.reshape((b, len, h))?.i((.., 0))?.contiguous()?;
        let pooled = self.pooler.forward(&cls)?.tanh()?;
        self.head.forward(&pooled)
    }
}

fn contiguous<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    let data = match s {
        CpuStorage::F32(d) => d.as_slice(),
        _ => candle_core::bail!("{what}: f32 expected"),
    };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&data[a..b]),
        None => candle_core::bail!("{what}: contiguous input expected"),
    }
}

/// `gelu(x + bias)` over rows of `x`, `bias` broadcast along the last dim.
struct BiasGelu;

impl candle_core::CustomOp2 for BiasGelu {
    fn name(&self) -> &'static str {
        "policy-lens-bias-gelu"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = contiguous(s1, l1, "bias-gelu")?;
        let bias = contiguous(s2, l2, "bias-gelu bias")?;
        let n = bias.len();
        if n == 0 || l1.shape().dims().last() != Some(&n) {
            candle_core::bail!("bias-gelu: bias length does not match the last dimension");
        }
        let mut out = vec![0f32; x.len()];
        out.par_chunks_mut(n)
            .zip(x.par_chunks(n))
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(|(o, x)| kernels::bias_gelu(x, bias, o));
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// Softmax over the last dim of `scale * scores` (batch, heads, q, k),
/// with key positions whose mask (batch, k) is 0 given probability 0.
struct MaskedSoftmax {
    scale: f32,
}

impl candle_core::CustomOp2 for MaskedSoftmax {
    fn name(&self) -> &'static str {
        "policy-lens-masked-softmax"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let scores = contiguous(s1, l1, "masked-softmax")?;
        let mask = contiguous(s2, l2, "masked-softmax mask")?;
        let dims = l1.shape().dims();
        let &[b, heads, q, k] = dims else {
            candle_core::bail!("masked-softmax: (batch, heads, q, k) expected, got {dims:?}");
        };
        if l2.shape().dims() != [b, k] {
            candle_core::bail!("masked-softmax: mask must be (batch, k)");
        }
        let rows_per_item = heads * q;
        let mut out = vec![0f32; scores.len()];
        let scale = self.scale;
        out.par_chunks_mut(k)
            .zip(scores.par_chunks(k))
            .enumerate()
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(|(row, (o, s))| {
                let m = &mask[(row / rows_per_item) * k..][..k];
                kernels::masked_softmax(s, m, scale, o);
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// Scalar-looking loops written so the compiler vectorises them; each
/// public function picks the widest instruction set the CPU has.
pub mod kernels {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const ROUND_MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23

    /// `e^x` for x in [-87, 88], relative error below 2e-7.
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        let x = x.clamp(-87.0, 88.0);
        // n = round(x / ln 2) without a rounding instruction.
        let t = x * LOG2E + ROUND_MAGIC;
        let n_bits = (t.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32);
        let n = t - ROUND_MAGIC;
        let r = x - n * LN2_HI - n * LN2_LO;
        // e^r on |r| <= ln2/2, degree-6 Taylor polynomial.
        let p = 1.0
            + r * (1.0
                + r * (0.5
                    + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
        p * f32::from_bits(((n_bits + 127) << 23) as u32)
    }

    /// erf(x), absolute error below 2e-7 (Abramowitz & Stegun 7.1.26).
    #[inline(always)]
    pub fn erf(x: f32) -> f32 {
        let a = x.abs();
        let t = 1.0 / (1.0 + 0.327_591_1 * a);
        let poly = t
            * (0.254_829_6
                + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
        let y = 1.0 - poly * exp(-a * a);
        y.copysign(x)
    }

    /// GELU with the exact (erf) formula.
    #[inline(always)]
    pub fn gelu(x: f32) -> f32 {
        0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
    }

    #[inline(always)]
    fn bias_gelu_body(x: &[f32], bias: &[f32], out: &mut [f32]) {
        for ((o, &x), &b) in out.iter_mut().zip(x).zip(bias) {
            *o = gelu(x + b);
        }
    }

    /// Sum of a slice in 16 independent lanes (so it vectorises).
    #[inline(always)]
    fn lane_sum(x: &[f32], f: impl Fn(f32) -> f32) -> f32 {
        let mut acc = [0f32; 16];
        let chunks = x.chunks_exact(16);
        let rest = chunks.remainder();
        for c in chunks {
            for i in 0..16 {
                acc[i] += f(c[i]);
            }
        }
        acc.iter().sum::<f32>() + rest.iter().map(|&v| f(v)).sum::<f32>()
    }

    #[inline(always)]
    fn add_layer_norm_body(
        x: &[f32],
        res: &[f32],
        w: &[f32],
        b: &[f32],
        eps: f32,
        out: &mut [f32],
    ) {
        for ((o, &x), &r) in out.iter_mut().zip(x).zip(res) {
            *o = x + r;
        }
        let n = out.len() as f32;
        let mean = lane_sum(out, |v| v) / n;
        let var = lane_sum(out, |v| (v - mean) * (v - mean)) / n;
        let inv = 1.0 / (var + eps).sqrt();
        for ((o, &w), &b) in out.iter_mut().zip(w).zip(b) {
            *o = (*o - mean) * inv * w + b;
        }
    }

    /// Quantise to `round(x / s) + 128` bytes with `s = max|x| / 127`; returns `s`.
    #[inline(always)]
    fn quantize_u8_body(x: &[f32], q: &mut [u8]) -> f32 {
        let mut acc = [0f32; 16];
        let chunks = x.chunks_exact(16);
        let rest = chunks.remainder();
        for c in chunks {
            for i in 0..16 {
                acc[i] = acc[i].max(c[i].abs());
            }
        }
        let max = rest
            .iter()
            .fold(acc.iter().fold(0f32, |m, &v| m.max(v)), |m, &v| {
                m.max(v.abs())
            });
        let s = if max > 0.0 { max / 127.0 } else { 1.0 };
        let inv = 1.0 / s;
        for (q, &v) in q.iter_mut().zip(x) {
            // Round to nearest even by adding 1.5 * 2^23 (|v * inv| <= 127).
            let t = (v * inv).clamp(-127.0, 127.0) + ROUND_MAGIC;
            *q = (t.to_bits() as i32 - ROUND_MAGIC.to_bits() as i32 + 128) as u8;
        }
        s
    }

    #[inline(always)]
    fn gelu_in_place_body(x: &mut [f32]) {
        for v in x.iter_mut() {
            *v = gelu(*v);
        }
    }

    #[inline(always)]
    fn masked_softmax_body(s: &[f32], mask: &[f32], scale: f32, out: &mut [f32]) {
        let mut max = f32::NEG_INFINITY;
        for (&s, &m) in s.iter().zip(mask) {
            if m != 0.0 {
                max = max.max(s * scale);
            }
        }
        let mut sum = 0.0;
        for ((o, &s), &m) in out.iter_mut().zip(s).zip(mask) {
            let e = exp(s * scale - max);
            let e = if m != 0.0 { e } else { 0.0 };
            *o = e;
            sum += e;
        }
        if sum > 0.0 {
            let inv = 1.0 / sum;
            for o in out.iter_mut() {
                *o *= inv;
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    mod x86 {
        pub fn has_avx512() -> bool {
            std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512dq")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("fma")
        }
        pub fn has_avx2() -> bool {
            std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
        }
    }

    /// Defines `pub fn $name` running `$body` compiled for AVX-512 or AVX2
    /// (the widest the CPU has, checked at run time), else as plain code.
    macro_rules! dispatch {
        ($(#[$doc:meta])* pub fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = $body:ident;) => {
            $(#[$doc])*
            pub fn $name($($arg: $ty),*) $(-> $ret)? {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")]
                    unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                        $body($($arg),*)
                    }
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                        $body($($arg),*)
                    }
                    if x86::has_avx512() {
                        // SAFETY: the CPU supports the enabled features (checked above).
                        return unsafe { avx512($($arg),*) };
                    }
                    if x86::has_avx2() {
                        // SAFETY: as above.
                        return unsafe { avx2($($arg),*) };
                    }
                }
                $body($($arg),*)
            }
        };
    }

    dispatch! {
        /// `out[i] = gelu(x[i] + bias[i])`.
        pub fn bias_gelu(x: &[f32], bias: &[f32], out: &mut [f32]) = bias_gelu_body;
    }

    dispatch! {
        /// `out = layer_norm(x + res) * w + b` over one row.
        pub fn add_layer_norm(x: &[f32], res: &[f32], w: &[f32], b: &[f32], eps: f32, out: &mut [f32]) = add_layer_norm_body;
    }

    dispatch! {
        /// Quantise a row to `round(x / s) + 128` (bytes), `s = max|x| / 127`;
        /// returns `s` (1 for an all-zero row).
        pub fn quantize_u8(x: &[f32], q: &mut [u8]) -> f32 = quantize_u8_body;
    }

    dispatch! {
        /// `x[i] = gelu(x[i])`.
        pub fn gelu_in_place(x: &mut [f32]) = gelu_in_place_body;
    }

    dispatch! {
        /// Softmax of `scale * s` over positions where `mask != 0`; masked
        /// positions get 0.
        pub fn masked_softmax(s: &[f32], mask: &[f32], scale: f32, out: &mut [f32]) = masked_softmax_body;
    }
}

#[cfg(test)]
mod tests {
    use super::kernels;

    /// erf by its Taylor series (fine for |x| < 3 in f64).
    fn erf_ref(x: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 || n < 5.0 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn exp_is_accurate() {
        let mut worst: f64 = 0.0;
        let mut x = -87.0f32;
        while x < 88.0 {
            let got = kernels::exp(x) as f64;
            let want = (x as f64).exp();
            worst = worst.max(((got - want) / want).abs());
            x += 0.0137;
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert_eq!(kernels::exp(0.0), 1.0);
    }

    #[test]
    fn gelu_is_accurate() {
        let mut worst: f64 = 0.0;
        let mut x = -2.99f32;
        while x < 2.99 {
            let got = kernels::gelu(x) as f64;
            let xd = x as f64;
            let want = 0.5 * xd * (1.0 + erf_ref(xd / std::f64::consts::SQRT_2));
            worst = worst.max((got - want).abs());
            x += 0.0031;
        }
        assert!(worst < 1e-6, "absolute error {worst}");
        // Far tails: identity and zero.
        assert!((kernels::gelu(10.0) - 10.0).abs() < 1e-5);
        assert!(kernels::gelu(-10.0).abs() < 1e-5);
    }

    #[test]
    fn masked_softmax_ignores_padding() {
        let s = [1.0f32, 2.0, 3.0, 100.0];
        let m = [1.0f32, 1.0, 1.0, 0.0];
        let mut out = [0f32; 4];
        kernels::masked_softmax(&s, &m, 0.5, &mut out);
        let e: Vec<f64> = [0.5f64, 1.0, 1.5].iter().map(|v| v.exp()).collect();
        let z: f64 = e.iter().sum();
        for i in 0..3 {
            assert!((out[i] as f64 - e[i] / z).abs() < 1e-6);
        }
        assert_eq!(out[3], 0.0);
    }
}
