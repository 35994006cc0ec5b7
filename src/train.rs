//! Fine-tuning: encoder and head together, AdamW with linear warm-up and
//! decay, class-weighted binary cross-entropy, early stopping on dev
//! macro-F1, seeded for reproducibility.
//!
//! With no dev split (a final fit on all labelled data once the recipe has
//! been chosen on dev) every epoch runs, the last one is kept and the
//! thresholds are 0.5.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;
use tokenizers::{Encoding, Tokenizer};

use crate::error::{Error, Result};
use crate::gold::LabelledSentence;
use crate::labels::DIRECTIVE;
use crate::metrics::{best_thresholds, label_metrics, macro_f1, LabelMetrics};
use crate::model::classifier::{check_vocab, load_tokenizer, pad_batch};
use crate::model::trainable::{read_weights, Dropout, TrainableModel, DROPOUT};
use crate::model::{write_thresholds, ModelDir};

/// Training hyper-parameters.
#[derive(Debug, Clone, Serialize)]
pub struct TrainConfig {
    /// Most passes over the training data.
    pub epochs: usize,
    /// Sentences per optimiser step.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Fraction of all steps spent warming the learning rate up from 0.
    pub warmup: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Seed of shuffling, dropout and head initialisation.
    pub seed: u64,
    /// Longest input in tokens.
    pub max_length: usize,
    /// Stop after this many epochs without a better dev macro-F1.
    pub patience: usize,
    /// Upper bound of the positive-class weight of a rare label.
    pub max_pos_weight: f64,
    /// Stop after this many optimiser steps in total (for smoke tests).
    pub max_steps: Option<usize>,
    /// Keep only the bottom N encoder layers of the base (a smaller,
    /// faster student initialised from a deeper model).
    pub layers: Option<usize>,
    /// Train four extra outputs, one per topic label, on "the sentence has
    /// the topic label *and* is a directive" (what the summaries list). They
    /// share the encoder and are dropped when the model is saved.
    pub aux_directive_category: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 8,
            batch_size: 16,
            learning_rate: 6e-5,
            warmup: 0.1,
            weight_decay: 0.01,
            seed: 42,
            max_length: 128,
            patience: 3,
            max_pos_weight: 8.0,
            max_steps: None,
            layers: None,
            aux_directive_category: false,
        }
    }
}

/// Dev-set result of one epoch.
#[derive(Debug, Clone, Serialize)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Dev metrics per label at threshold 0.5 (empty without a dev split).
    pub dev: Vec<(String, LabelMetrics)>,
    /// Dev macro-F1 over all labels at 0.5 (the early-stopping criterion;
    /// `None` without a dev split).
    pub dev_macro_f1: Option<f64>,
}

/// What a training run did.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// Per-epoch dev results.
    pub epochs: Vec<EpochReport>,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Its dev macro-F1 (`None` without a dev split).
    pub best_dev_macro_f1: Option<f64>,
    /// Per-label thresholds tuned on dev with the kept weights (0.5 without
    /// a dev split).
    pub thresholds: Vec<f32>,
    /// Positive-class weights used in the loss.
    pub pos_weights: Vec<f32>,
    /// Hyper-parameters.
    pub config: TrainConfig,
}

/// One fine-tuning session: model, optimiser, tokenizer and RNG.
pub struct Trainer {
    model: TrainableModel,
    opt: AdamW,
    tokenizer: Tokenizer,
    /// The outputs trained: the model's labels, then any training-only ones.
    labels: Vec<String>,
    /// How many of `labels` the saved model keeps (the rest are dropped).
    saved: usize,
    pos_weight: Tensor,
    rng: StdRng,
    device: Device,
    base: ModelDir,
}

/// Positive-class weights: `sqrt(negatives / positives)`, clamped to
/// `[1, max]`, so rare labels weigh more without swamping precision.
pub fn pos_weights(data: &[LabelledSentence], labels: &[String], max: f64) -> Vec<f32> {
    let targets: Vec<Vec<f32>> = data.iter().map(|s| s.targets(labels)).collect();
    pos_weights_of(&targets, max)
}

/// [`pos_weights`] of target rows (one column per output).
fn pos_weights_of(targets: &[Vec<f32>], max: f64) -> Vec<f32> {
    let n_out = targets.first().map_or(0, Vec::len);
    (0..n_out)
        .map(|j| {
            let pos = targets.iter().filter(|t| t[j] > 0.5).count().max(1) as f64;
            let neg = (targets.len() as f64 - pos).max(1.0);
            (neg / pos).sqrt().clamp(1.0, max) as f32
        })
        .collect()
}

/// Names of the auxiliary "directive of category c" outputs
/// (`TrainConfig::aux_directive_category`), one per topic label.
pub fn aux_labels(labels: &[String]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| l.as_str() != DIRECTIVE)
        .map(|l| format!("{l}&{DIRECTIVE}"))
        .collect()
}

/// Training targets of one sentence: its label targets, then (when
/// `aux_directive` is the index of the `directive` label) one "category
/// and directive" target per other label, in the order of [`aux_labels`]:
/// the product of the two (a logical and for 0/1 targets).
fn training_targets(
    s: &LabelledSentence,
    labels: &[String],
    aux_directive: Option<usize>,
) -> Vec<f32> {
    let mut t = s.targets(labels);
    if let Some(d) = aux_directive {
        let aux: Vec<f32> = (0..labels.len())
            .filter(|&j| j != d)
            .map(|j| t[j] * t[d])
            .collect();
        t.extend(aux);
    }
    t
}

/// Drop the encoder layers of `base` above the bottom `n` (weights and
/// config). Fails when the base has fewer than `n` layers or `n` is 0.
pub fn keep_bottom_layers(
    base: &mut ModelDir,
    weights: &mut std::collections::HashMap<String, Tensor>,
    n: usize,
) -> Result<()> {
    let have = base.config.num_hidden_layers;
    if n == 0 || n > have {
        return Err(Error::Invalid(format!(
            "cannot keep {n} layers of a {have}-layer encoder"
        )));
    }
    weights.retain(|name, _| {
        name.strip_prefix("bert.encoder.layer.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|i| i.parse::<usize>().ok())
            .is_none_or(|i| i < n)
    });
    base.config.num_hidden_layers = n;
    if let Some(obj) = base.config_json.as_object_mut() {
        obj.insert("num_hidden_layers".into(), n.into());
    }
    Ok(())
}

impl Trainer {
    /// Start from `base` (a base encoder or a policy-lens model) with the
    /// given output labels.
    pub fn new(
        base: &ModelDir,
        labels: &[String],
        pos_weights: &[f32],
        cfg: &TrainConfig,
        device: &Device,
    ) -> Result<Self> {
        Self::with_training_only_outputs(base, labels, &[], pos_weights, cfg, device)
    }

    /// Train `extra` outputs beyond the model's labels as well (named, in
    /// order, after them); they are dropped when the model is saved. A
    /// policy-lens base keeps its head for `labels`. `pos_weights` has one
    /// weight per output, `labels` then `extra`.
    pub fn with_training_only_outputs(
        base: &ModelDir,
        labels: &[String],
        extra: &[String],
        pos_weights: &[f32],
        cfg: &TrainConfig,
        device: &Device,
    ) -> Result<Self> {
        let outputs = [labels, extra].concat();
        let tokenizer = load_tokenizer(
            &base.tokenizer,
            cfg.max_length.min(base.config.max_position_embeddings),
        )?;
        check_vocab(&tokenizer, base)?;
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        let mut weights = read_weights(&base.weights, device)?;
        let mut base = base.clone();
        if let Some(n) = cfg.layers {
            keep_bottom_layers(&mut base, &mut weights, n)?;
        }
        let base_head_fits = weights
            .get("classifier.weight")
            .is_some_and(|w| w.dims().first() == Some(&labels.len()));
        if !extra.is_empty() && base_head_fits {
            crate::model::trainable::extend_head(&mut weights, extra.len(), &mut rng, device)?;
        }
        let model = TrainableModel::new(&base.config, weights, outputs.len(), &mut rng, device)?;
        let opt = AdamW::new(
            model.vars(),
            ParamsAdamW {
                lr: cfg.learning_rate,
                weight_decay: cfg.weight_decay,
                ..Default::default()
            },
        )?;
        let pos_weight = Tensor::from_vec(pos_weights.to_vec(), (1, outputs.len()), device)?;
        Ok(Self {
            model,
            opt,
            tokenizer,
            saved: labels.len(),
            labels: outputs,
            pos_weight,
            rng,
            device: device.clone(),
            base,
        })
    }

    /// The model being trained.
    pub fn model(&self) -> &TrainableModel {
        &self.model
    }

    /// Tokenise sentences.
    pub fn encode(&self, data: &[LabelledSentence]) -> Result<Vec<Encoding>> {
        let texts: Vec<&str> = data.iter().map(|s| s.text.as_str()).collect();
        self.tokenizer
            .encode_batch(texts, true)
            .map_err(|e| Error::Tokenizer(e.to_string()))
    }

    fn batch_tensors(&self, encs: &[&Encoding]) -> Result<(Tensor, Tensor)> {
        let (ids, mask) = pad_batch(encs);
        let len = ids.len() / encs.len();
        Ok((
            Tensor::from_vec(ids, (encs.len(), len), &self.device)?,
            Tensor::from_vec(mask, (encs.len(), len), &self.device)?,
        ))
    }

    /// One optimiser step on a batch at learning rate `lr`; returns the loss.
    pub fn step(&mut self, encs: &[&Encoding], targets: &[Vec<f32>], lr: f64) -> Result<f32> {
        let (ids, mask) = self.batch_tensors(encs)?;
        let y = Tensor::from_vec(
            targets.concat(),
            (targets.len(), self.labels.len()),
            &self.device,
        )?;
        let mut dropout = Dropout {
            p: DROPOUT,
            rng: &mut self.rng,
        };
        let logits = self.model.forward(&ids, &mask, Some(&mut dropout))?;
        let loss = weighted_bce(&logits, &y, &self.pos_weight)?;
        self.opt.set_learning_rate(lr);
        self.opt.backward_step(&loss)?;
        Ok(loss.to_scalar::<f32>()?)
    }

    /// Scores (sigmoid) without dropout, in input order.
    pub fn predict(&self, encs: &[Encoding]) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..encs.len()).collect();
        order.sort_by_key(|&i| encs[i].get_ids().len());
        let mut out = vec![Vec::new(); encs.len()];
        for chunk in order.chunks(64) {
            let batch: Vec<&Encoding> = chunk.iter().map(|&i| &encs[i]).collect();
            let (ids, mask) = self.batch_tensors(&batch)?;
            let probs = candle_nn::ops::sigmoid(&self.model.forward(&ids, &mask, None)?)?
                .to_vec2::<f32>()?;
            for (k, &i) in chunk.iter().enumerate() {
                out[i] = probs[k].clone();
            }
        }
        Ok(out)
    }

    /// Write a complete model directory (weights in f16, config with labels,
    /// tokenizer, labels, thresholds). The model card is written separately.
    pub fn save(&self, out: &Path, thresholds: &[f32], max_length: usize) -> Result<()> {
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        crate::model::lexical::remove(out)?;
        self.model
            .save(&out.join("model.safetensors"), DType::F16, self.saved)?;
        let labels = &self.labels[..self.saved];
        let mut cfg = self.base.config_json.clone();
        let obj = cfg
            .as_object_mut()
            .ok_or_else(|| Error::model(&self.base.root, "config.json is not an object", None))?;
        crate::model::set_hf_classifier_fields(obj, labels);
        obj.insert("torch_dtype".into(), "float16".into());
        obj.insert("policy_lens_max_length".into(), max_length.into());
        obj.remove("_name_or_path");
        let write = |name: &str, text: String| {
            let p = out.join(name);
            std::fs::write(&p, text).map_err(|e| Error::io(&p, e))
        };
        write(
            "config.json",
            serde_json::to_string_pretty(&cfg).expect("json") + "\n",
        )?;
        write(
            "labels.json",
            serde_json::to_string_pretty(labels).expect("json") + "\n",
        )?;
        write_thresholds(out, labels, thresholds)?;
        let tok = out.join("tokenizer.json");
        std::fs::copy(&self.base.tokenizer, &tok).map_err(|e| Error::io(&tok, e))?;
        Ok(())
    }
}

/// Mean class-weighted binary cross-entropy on logits, in the stable form
/// `w·y·softplus(-x) + (1-y)·softplus(x)`.
pub fn weighted_bce(logits: &Tensor, y: &Tensor, pos_weight: &Tensor) -> Result<Tensor> {
    let softplus = |x: &Tensor| -> candle_core::Result<Tensor> {
        x.relu()? + x.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?
    };
    let pos = y
        .broadcast_mul(pos_weight)?
        .mul(&softplus(&logits.neg()?)?)?;
    let neg = y.affine(-1.0, 1.0)?.mul(&softplus(logits)?)?;
    Ok((pos + neg)?.mean_all()?)
}

/// Per-label dev metrics at thresholds.
pub fn evaluate(
    scores: &[Vec<f32>],
    targets: &[Vec<f32>],
    labels: &[String],
    thresholds: &[f32],
) -> Vec<(String, LabelMetrics)> {
    labels
        .iter()
        .enumerate()
        .map(|(j, l)| (l.clone(), label_metrics(scores, targets, j, thresholds[j])))
        .collect()
}

/// Training and dev sentences.
#[derive(Debug, Clone, Copy)]
pub struct Splits<'a> {
    /// Sentences the weights are fitted on.
    pub train: &'a [LabelledSentence],
    /// Sentences for early stopping and thresholds; empty for a final fit
    /// without them (all epochs run, the last is kept, thresholds 0.5).
    pub dev: &'a [LabelledSentence],
}

/// Fine-tune `base` on `data.train`, keep the epoch with the best dev
/// macro-F1, tune thresholds on dev, and write the model directory to
/// `out`. `log` receives one line per epoch. With an empty dev split, all
/// `cfg.epochs` run, the last epoch is kept and every threshold is 0.5.
pub fn train(
    base: &ModelDir,
    labels: &[String],
    data: Splits,
    cfg: &TrainConfig,
    out: &Path,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<TrainReport> {
    let Splits { train, dev } = data;
    if train.is_empty() {
        return Err(Error::Invalid("training data must be non-empty".into()));
    }
    let aux_directive = if cfg.aux_directive_category {
        let d = labels.iter().position(|l| l == DIRECTIVE).ok_or_else(|| {
            Error::Invalid(
                "auxiliary directive-of-category outputs need a `directive` label".into(),
            )
        })?;
        Some(d)
    } else {
        None
    };
    let train_y: Vec<Vec<f32>> = train
        .iter()
        .map(|s| training_targets(s, labels, aux_directive))
        .collect();
    let weights = pos_weights_of(&train_y, cfg.max_pos_weight);
    let extra = match aux_directive {
        Some(_) => aux_labels(labels),
        None => Vec::new(),
    };
    let mut trainer =
        Trainer::with_training_only_outputs(base, labels, &extra, &weights, cfg, device)?;
    let train_enc = trainer.encode(train)?;
    let dev_enc = trainer.encode(dev)?;
    let dev_y: Vec<Vec<f32>> = dev.iter().map(|s| s.targets(labels)).collect();
    // Dev metrics and thresholds are those of the saved outputs.
    let predict_saved = |trainer: &Trainer| -> Result<Vec<Vec<f32>>> {
        let mut scores = trainer.predict(&dev_enc)?;
        for row in &mut scores {
            row.truncate(labels.len());
        }
        Ok(scores)
    };
    let steps_per_epoch = train.len().div_ceil(cfg.batch_size);
    let total = cfg
        .max_steps
        .unwrap_or(usize::MAX)
        .min(steps_per_epoch * cfg.epochs)
        .max(1);
    let warmup = ((total as f64 * cfg.warmup).ceil() as usize).max(1);
    let lr_at = |step: usize| {
        if step < warmup {
            cfg.learning_rate * (step + 1) as f64 / warmup as f64
        } else {
            cfg.learning_rate * (total - step) as f64 / (total - warmup).max(1) as f64
        }
    };
    let mut epochs = Vec::new();
    let (mut best, mut best_epoch, mut best_snapshot) = (-1.0f64, 0usize, None);
    let mut step = 0usize;
    let thresholds_05 = vec![0.5f32; labels.len()];
    for epoch in 1..=cfg.epochs {
        let batches = length_grouped_batches(&train_enc, cfg.batch_size, &mut trainer.rng);
        let bar = ProgressBar::new(batches.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "epoch {prefix} [{bar:30}] {pos}/{len} steps  loss {msg}  eta {eta}",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        bar.set_prefix(format!("{epoch}/{}", cfg.epochs));
        let mut loss_sum = 0.0;
        let mut n = 0usize;
        for batch in batches {
            if step >= total {
                break;
            }
            let encs: Vec<&Encoding> = batch.iter().map(|&i| &train_enc[i]).collect();
            let ys: Vec<Vec<f32>> = batch.iter().map(|&i| train_y[i].clone()).collect();
            let loss = trainer.step(&encs, &ys, lr_at(step))?;
            loss_sum += loss as f64;
            n += 1;
            step += 1;
            bar.set_message(format!("{:.4}", loss_sum / n as f64));
            bar.inc(1);
        }
        bar.finish_and_clear();
        let train_loss = loss_sum / n.max(1) as f64;
        if dev.is_empty() {
            log(&format!(
                "epoch {epoch}: train loss {train_loss:.4} (no dev split)"
            ));
            epochs.push(EpochReport {
                epoch,
                train_loss,
                dev: Vec::new(),
                dev_macro_f1: None,
            });
            best_epoch = epoch;
            if step >= total {
                break;
            }
            continue;
        }
        let scores = predict_saved(&trainer)?;
        let dev_metrics = evaluate(&scores, &dev_y, labels, &thresholds_05);
        let f1s: Vec<LabelMetrics> = dev_metrics.iter().map(|(_, m)| *m).collect();
        let dev_macro = macro_f1(&f1s);
        log(&format!(
            "epoch {epoch}: train loss {train_loss:.4}, dev macro-F1 {:.4} ({})",
            dev_macro,
            dev_metrics
                .iter()
                .map(|(l, m)| format!("{l} {:.3}", m.f1))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        epochs.push(EpochReport {
            epoch,
            train_loss,
            dev: dev_metrics,
            dev_macro_f1: Some(dev_macro),
        });
        if dev_macro > best {
            best = dev_macro;
            best_epoch = epoch;
            best_snapshot = Some(trainer.model.snapshot()?);
        } else if epoch - best_epoch >= cfg.patience {
            log(&format!(
                "early stop: no dev improvement for {} epochs",
                cfg.patience
            ));
            break;
        }
        if step >= total {
            break;
        }
    }
    if let Some(s) = &best_snapshot {
        trainer.model.restore(s)?;
    }
    let thresholds = if dev.is_empty() {
        vec![0.5; labels.len()]
    } else {
        let scores = predict_saved(&trainer)?;
        best_thresholds(&scores, &dev_y, labels.len())
    };
    trainer.save(out, &thresholds, cfg.max_length)?;
    Ok(TrainReport {
        epochs,
        best_epoch,
        best_dev_macro_f1: (!dev.is_empty()).then_some(best),
        thresholds,
        pos_weights: weights,
        config: cfg.clone(),
    })
}

/// Shuffle, then sort each window of 8 batches by length and shuffle the
/// batch order: little padding, still random.
fn length_grouped_batches(
    encs: &[Encoding],
    batch_size: usize,
    rng: &mut StdRng,
) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..encs.len()).collect();
    idx.shuffle(rng);
    let mut batches = Vec::new();
    for window in idx.chunks(batch_size * 8) {
        let mut w = window.to_vec();
        w.sort_by_key(|&i| encs[i].get_ids().len());
        batches.extend(w.chunks(batch_size).map(<[usize]>::to_vec));
    }
    batches.shuffle(rng);
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(labels: &[&str], directive: bool) -> LabelledSentence {
        crate::gold::test_sentence("a-s000", labels, directive)
    }

    #[test]
    fn auxiliary_targets_are_category_and_directive() {
        let labels: Vec<String> = crate::labels::ALL_LABELS
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(
            aux_labels(&labels),
            [
                "import_control&directive",
                "vaccination&directive",
                "infection_control&directive",
                "accountability&directive"
            ]
        );
        let d = labels.iter().position(|l| l == DIRECTIVE);
        let t = training_targets(
            &sentence(&["vaccination", "accountability"], true),
            &labels,
            d,
        );
        assert_eq!(t, [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        let t = training_targets(&sentence(&["vaccination"], false), &labels, d);
        assert_eq!(t, [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(
            training_targets(&sentence(&["vaccination"], true), &labels, None).len(),
            5
        );
        // Soft targets: the product of the two probabilities.
        let mut soft = sentence(&[], false);
        soft.soft = Some(labels.iter().map(|l| (l.clone(), 0.5)).collect());
        soft.silver = true;
        assert_eq!(training_targets(&soft, &labels, d)[5..], [0.25; 4]);
    }

    #[test]
    fn positive_weights_follow_the_target_columns() {
        let targets = vec![
            vec![1.0, 0.0],
            vec![0.0, 0.0],
            vec![0.0, 0.0],
            vec![0.0, 1.0],
        ];
        // sqrt(3 / 1) for both columns, clamped to [1, 8].
        let w = pos_weights_of(&targets, 8.0);
        assert!((w[0] - 3f32.sqrt()).abs() < 1e-6 && (w[1] - 3f32.sqrt()).abs() < 1e-6);
    }
}
