//! An optional lexical component of a model directory.
//!
//! A transformer fine-tuned on a few thousand sentences still misses some
//! word-level evidence that a linear model on character n-grams picks up
//! from the same sentences, and the two make different mistakes. A model
//! directory may therefore carry the n-gram baseline's model
//! ([`NgramBaseline`], fit on the same train split) as a second scorer for
//! some labels. For each such label the score becomes
//!
//! ```text
//! sigmoid(α · logit(p_transformer) + (1 − α) · logit(p_ngram))
//! ```
//!
//! with one weight α ([`LexicalSettings::transformer_weight`]) chosen on dev
//! by [`choose`], whose article-level cross-validation says whether the
//! blend generalises ([`AlphaCv`]). Other labels keep the transformer's
//! score. Files:
//!
//! | file | content |
//! |---|---|
//! | `lexical.json` | [`LexicalSettings`] |
//! | `lexical.safetensors` | one tensor `weight`, `[labels, buckets + 1]` f32: feature weights, then the bias |
//!
//! The component costs microseconds per sentence. It is not part of the
//! Hugging Face export: `transformers` scores equal policy-lens with the
//! component switched off (`--no-lexical`).
//!
//! ```
//! use policy_lens::model::lexical::blend;
//! assert_eq!(blend(0.8, 0.2, 1.0), 0.8);
//! assert!((blend(0.8, 0.2, 0.5) - 0.5).abs() < 1e-6);
//! ```

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::baseline::NgramBaseline;
use crate::error::{Error, Result};
use crate::eval::{decide, gold_matrix, label_columns, stats_for};
use crate::gold::LabelledSentence;
use crate::labels::TOPIC_LABELS;
use crate::threshold_cv::article_folds;

/// Settings file of the component in a model directory.
pub const SETTINGS_FILE: &str = "lexical.json";
/// Weights file of the component in a model directory.
pub const WEIGHTS_FILE: &str = "lexical.safetensors";
/// Provenance of the component ([`LexicalReport`]) in a model directory.
pub const REPORT_FILE: &str = "lexical-report.json";
/// The only kind of lexical model there is.
pub const KIND: &str = "hashed-char-ngram-logistic-regression";

/// `lexical.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexicalSettings {
    /// [`KIND`].
    pub kind: String,
    /// Labels the component scores and blends, in the order of the weight
    /// rows; each is one of the model's labels.
    pub labels: Vec<String>,
    /// α: the transformer logit's weight; the n-gram logit gets 1 − α.
    pub transformer_weight: f32,
    /// Hash buckets of the features.
    pub buckets: usize,
    /// Shortest and longest character n-gram.
    pub ngram_range: [usize; 2],
}

/// A loaded lexical component, ready to blend into a model's scores.
#[derive(Debug, Clone)]
pub struct Lexical {
    settings: LexicalSettings,
    ngram: NgramBaseline,
    /// Column of each blended label in the model's score vectors.
    columns: Vec<usize>,
}

/// Logit of a probability, clamped away from 0 and 1.
fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// The blended score of one label: `sigmoid(α·logit(model) + (1−α)·logit(lexical))`;
/// exactly `model` when α = 1.
pub fn blend(model: f32, lexical: f32, alpha: f32) -> f32 {
    if alpha >= 1.0 {
        return model;
    }
    let z = alpha * logit(model) + (1.0 - alpha) * logit(lexical);
    1.0 / (1.0 + (-z).exp())
}

impl Lexical {
    /// A component from a fitted n-gram model, blending its labels into a
    /// model with outputs `model_labels` with weight `alpha`.
    pub fn new(ngram: NgramBaseline, alpha: f32, model_labels: &[String]) -> Result<Self> {
        let settings = LexicalSettings {
            kind: KIND.to_string(),
            labels: ngram.labels().to_vec(),
            transformer_weight: alpha,
            buckets: ngram.buckets(),
            ngram_range: NgramBaseline::NGRAM_RANGE,
        };
        let columns = columns_of(&settings, model_labels)
            .map_err(|e| Error::Invalid(format!("lexical component: {e}")))?;
        Ok(Self {
            settings,
            ngram,
            columns,
        })
    }

    /// The component of the model directory `dir` (outputs `model_labels`),
    /// or `None` when it has no `lexical.json`.
    pub fn open(dir: &Path, model_labels: &[String]) -> Result<Option<Self>> {
        let path = dir.join(SETTINGS_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let settings: LexicalSettings = serde_json::from_slice(&bytes).map_err(|e| {
            Error::model(
                &path,
                format!("not a lexical component's settings: {e}"),
                Some("restore it from git, or delete lexical.json and lexical.safetensors to score with the transformer alone"),
            )
        })?;
        let bad = |msg: String| {
            Error::model(
                &path,
                msg,
                Some("rebuild the component with `policy-lens lexical`"),
            )
        };
        if settings.kind != KIND {
            return Err(bad(format!(
                "unknown kind {:?} (this build knows {KIND:?})",
                settings.kind
            )));
        }
        if settings.ngram_range != NgramBaseline::NGRAM_RANGE {
            return Err(bad(format!(
                "n-gram range {:?} is not the {:?} this build computes",
                settings.ngram_range,
                NgramBaseline::NGRAM_RANGE
            )));
        }
        if !(0.0..=1.0).contains(&settings.transformer_weight) {
            return Err(bad(format!(
                "transformer_weight {} is outside [0, 1]",
                settings.transformer_weight
            )));
        }
        let columns = columns_of(&settings, model_labels).map_err(bad)?;
        let weights_path = dir.join(WEIGHTS_FILE);
        let tensors = candle_core::safetensors::load(&weights_path, &Device::Cpu).map_err(|e| {
            Error::model(
                &weights_path,
                format!("cannot read the lexical weights: {e}"),
                Some("restore it from git or rebuild the component with `policy-lens lexical`"),
            )
        })?;
        let rows = tensors
            .get("weight")
            .and_then(|t| t.to_vec2::<f32>().ok())
            .ok_or_else(|| Error::model(&weights_path, "no f32 matrix named weight", None))?;
        let shape = (rows.len(), rows.first().map_or(0, Vec::len));
        let ngram = NgramBaseline::from_parts(settings.buckets, settings.labels.clone(), rows)
            .ok_or_else(|| {
                Error::model(
                    &weights_path,
                    format!(
                        "weight has shape {shape:?}, but lexical.json needs [{}, {}]",
                        settings.labels.len(),
                        settings.buckets + 1
                    ),
                    Some("lexical.json and lexical.safetensors come from different builds: rebuild the component"),
                )
            })?;
        Ok(Some(Self {
            settings,
            ngram,
            columns,
        }))
    }

    /// Write `lexical.json` and `lexical.safetensors` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let rows = self.ngram.weights();
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let t = Tensor::from_vec(flat, (rows.len(), self.settings.buckets + 1), &Device::Cpu)?;
        let weights_path = dir.join(WEIGHTS_FILE);
        candle_core::safetensors::save(&HashMap::from([("weight".to_string(), t)]), &weights_path)?;
        let path = dir.join(SETTINGS_FILE);
        let text = serde_json::to_string_pretty(&self.settings).expect("serialisable") + "\n";
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
    }

    /// The same component with transformer weight `alpha`.
    pub fn with_transformer_weight(mut self, alpha: f32) -> Self {
        self.settings.transformer_weight = alpha;
        self
    }

    /// Column of each blended label in the model's score vectors.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// The settings (`lexical.json`).
    pub fn settings(&self) -> &LexicalSettings {
        &self.settings
    }

    /// The n-gram model's probabilities of its labels, one row per text.
    pub fn score(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .par_chunks(256)
            .flat_map_iter(|chunk| self.ngram.score(chunk))
            .collect()
    }

    /// Blend the component into `scores` (one row per text, the model's
    /// label order), in place.
    pub fn apply(&self, texts: &[&str], scores: &mut [Vec<f32>]) {
        let lexical = self.score(texts);
        blend_into(
            scores,
            &lexical,
            &self.columns,
            self.settings.transformer_weight,
        );
    }
}

/// Delete the component files from `dir`, if any. Commands that write new
/// weights into a directory call it: a component is fit against the
/// transformer it was chosen with and must not outlive it.
pub fn remove(dir: &Path) -> Result<()> {
    for f in [SETTINGS_FILE, WEIGHTS_FILE, REPORT_FILE] {
        let p = dir.join(f);
        if p.is_file() {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Columns of the component's labels among `model_labels`.
fn columns_of(
    settings: &LexicalSettings,
    model_labels: &[String],
) -> std::result::Result<Vec<usize>, String> {
    if settings.labels.is_empty() {
        return Err("blends no label".into());
    }
    settings
        .labels
        .iter()
        .map(|l| {
            model_labels.iter().position(|m| m == l).ok_or_else(|| {
                format!("scores label {l:?}, which the model ({model_labels:?}) does not have")
            })
        })
        .collect()
}

fn blend_into(scores: &mut [Vec<f32>], lexical: &[Vec<f32>], columns: &[usize], alpha: f32) {
    for (row, lex) in scores.iter_mut().zip(lexical) {
        for (&c, &p) in columns.iter().zip(lex) {
            row[c] = blend(row[c], p, alpha);
        }
    }
}

/// The grid α is chosen from: 0.40 to 1.00 in steps of 0.05.
pub fn alpha_grid() -> Vec<f32> {
    (8..=20).map(|k| k as f32 / 20.0).collect()
}

/// One held-out half of [`AlphaCv`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaFold {
    /// α chosen on the other half.
    pub alpha: f32,
    /// Held-out topic macro-F1 with that α, and with the transformer alone.
    pub topic_macro_f1: [f64; 2],
    /// Held-out directive-category macro-F1, the same two ways.
    pub directive_category_macro_f1: [f64; 2],
}

/// Does blending generalise? Repeated two-fold cross-validation over dev
/// articles: α is chosen on one half and scored on the other, against the
/// transformer alone on the same half.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaCv {
    /// Repeats of the two-fold split.
    pub repeats: usize,
    /// Seed of the article shuffles.
    pub seed: u64,
    /// Articles of the dev split.
    pub articles: usize,
    /// Every held-out half.
    pub folds: Vec<AlphaFold>,
    /// Means over the folds: blended, transformer alone.
    pub topic_macro_f1: [f64; 2],
    /// Means over the folds: blended, transformer alone.
    pub directive_category_macro_f1: [f64; 2],
    /// Folds in which the blend's topic macro-F1 is strictly higher.
    pub topic_wins: usize,
    /// Folds in which the blend's directive-category macro-F1 is strictly higher.
    pub directive_category_wins: usize,
}

/// What [`choose`] decided, with the evidence (`lexical-report.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaChoice {
    /// α maximising dev topic macro-F1 over [`alpha_grid`] (ties to the higher).
    pub alpha: f32,
    /// Dev topic macro-F1 at that α (in sample) and with the transformer alone.
    pub dev_topic_macro_f1: [f64; 2],
    /// Dev directive-category macro-F1, the same two ways.
    pub dev_directive_category_macro_f1: [f64; 2],
    /// The cross-validation.
    pub cv: AlphaCv,
    /// True when the blend is worth keeping: α < 1 and the held-out mean
    /// topic macro-F1 beats the transformer alone's.
    pub keep: bool,
}

/// Provenance of a lexical component and the evidence it was kept on
/// (`lexical-report.json` in the model directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LexicalReport {
    /// Train split the n-gram model was fit on.
    pub train: String,
    /// sha256 of the train split.
    pub train_sha256: String,
    /// Dev split α was chosen on.
    pub dev: String,
    /// sha256 of the dev split.
    pub dev_sha256: String,
    /// Seed of the n-gram model's SGD.
    pub ngram_seed: u64,
    /// Engine that scored the dev split.
    pub engine: String,
    /// The choice of α and its cross-validation.
    pub choice: AlphaChoice,
}

/// Scores of the dev split for [`choose`].
pub struct DevScores<'a> {
    /// Gold dev sentences.
    pub gold: &'a [LabelledSentence],
    /// The transformer's scores (alone), one row per sentence, columns in
    /// the order of `labels`.
    pub model: &'a [Vec<f32>],
    /// The n-gram model's probabilities of the blended labels, one row per sentence.
    pub lexical: &'a [Vec<f32>],
    /// The model's labels.
    pub labels: &'a [String],
    /// The blended labels' columns among `labels`.
    pub columns: &'a [usize],
    /// The model's decision thresholds.
    pub thresholds: &'a [f32],
}

/// The decisions of every α of [`alpha_grid`] on all of dev, made once and
/// shared by the choice on all of dev and every fold.
struct GridDecisions {
    gold: Vec<Vec<bool>>,
    topics: Vec<usize>,
    dir: Option<usize>,
    /// (α, decisions), α ascending; the last α is 1 (the transformer alone).
    grid: Vec<(f32, Vec<Vec<bool>>)>,
}

impl GridDecisions {
    fn new(dev: &DevScores) -> Self {
        let (topics, dir) = label_columns(dev.labels);
        let grid = alpha_grid()
            .into_iter()
            .map(|a| {
                let mut s = dev.model.to_vec();
                blend_into(&mut s, dev.lexical, dev.columns, a);
                (a, decide(&s, dev.thresholds))
            })
            .collect();
        Self {
            gold: gold_matrix(dev.gold, dev.labels),
            topics,
            dir,
            grid,
        }
    }

    /// Index of the transformer alone (α = 1) in the grid.
    fn alone(&self) -> usize {
        self.grid.len() - 1
    }

    /// (topic macro-F1, directive-category macro-F1) of the sentences `idx`
    /// at the `k`-th α.
    fn score(&self, k: usize, idx: &[usize]) -> (f64, f64) {
        let (_, _, macro_, dc) =
            stats_for(idx, &self.gold, &self.grid[k].1, &self.topics, self.dir);
        (macro_, dc)
    }

    /// Index of the α maximising topic macro-F1 on `idx`.
    fn best(&self, idx: &[usize]) -> usize {
        let mut best = (f64::NEG_INFINITY, self.alone());
        for k in 0..self.grid.len() {
            let m = self.score(k, idx).0;
            // Ties go to the higher α: the grid ascends, so >= keeps the last.
            if m >= best.0 {
                best = (m, k);
            }
        }
        best.1
    }
}

/// Choose α on dev and cross-validate that choice (see [`AlphaCv`]).
pub fn choose(dev: &DevScores, repeats: usize, seed: u64) -> AlphaChoice {
    let decisions = GridDecisions::new(dev);
    let alone = decisions.alone();
    let all: Vec<usize> = (0..dev.gold.len()).collect();
    let k = decisions.best(&all);
    let alpha = decisions.grid[k].0;
    let (at, one) = (decisions.score(k, &all), decisions.score(alone, &all));
    let (halves, articles) = article_folds(dev.gold, repeats, seed);
    let folds: Vec<AlphaFold> = halves
        .iter()
        .map(|(fit, held_out)| {
            let k = decisions.best(fit);
            let (blended, one) = (
                decisions.score(k, held_out),
                decisions.score(alone, held_out),
            );
            AlphaFold {
                alpha: decisions.grid[k].0,
                topic_macro_f1: [blended.0, one.0],
                directive_category_macro_f1: [blended.1, one.1],
            }
        })
        .collect();
    let n = folds.len().max(1) as f64;
    let mean = |f: &dyn Fn(&AlphaFold) -> f64| folds.iter().map(f).sum::<f64>() / n;
    let cv = AlphaCv {
        repeats,
        seed,
        articles,
        topic_macro_f1: [
            mean(&|f| f.topic_macro_f1[0]),
            mean(&|f| f.topic_macro_f1[1]),
        ],
        directive_category_macro_f1: [
            mean(&|f| f.directive_category_macro_f1[0]),
            mean(&|f| f.directive_category_macro_f1[1]),
        ],
        topic_wins: folds
            .iter()
            .filter(|f| f.topic_macro_f1[0] > f.topic_macro_f1[1])
            .count(),
        directive_category_wins: folds
            .iter()
            .filter(|f| f.directive_category_macro_f1[0] > f.directive_category_macro_f1[1])
            .count(),
        folds,
    };
    let keep = alpha < 1.0 && cv.topic_macro_f1[0] > cv.topic_macro_f1[1];
    AlphaChoice {
        alpha,
        dev_topic_macro_f1: [at.0, one.0],
        dev_directive_category_macro_f1: [at.1, one.1],
        cv,
        keep,
    }
}

/// The labels a lexical component blends: the four topic labels. The
/// directive score stays the transformer's (on dev, blending it as well
/// added false directives and lowered directive-category F1).
pub fn blended_labels() -> Vec<String> {
    TOPIC_LABELS.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gold::test_sentence;

    fn labels() -> Vec<String> {
        crate::labels::ALL_LABELS
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn blend_is_the_model_at_one_and_the_lexical_score_at_zero() {
        assert_eq!(blend(0.3, 0.9, 1.0), 0.3);
        assert!((blend(0.3, 0.9, 0.0) - 0.9).abs() < 1e-6);
        // Equal logits of opposite sign cancel at α = 0.5.
        assert!((blend(0.8, 0.2, 0.5) - 0.5).abs() < 1e-6);
        // Hand-computed: logit(0.9) = 2.1972, logit(0.4) = -0.4055;
        // 0.75·2.1972 + 0.25·(-0.4055) = 1.5465 → sigmoid 0.8244.
        assert!((blend(0.9, 0.4, 0.75) - 0.8244).abs() < 1e-3);
        // Saturated inputs stay finite.
        assert!(blend(1.0, 0.0, 0.5).is_finite());
    }

    #[test]
    fn save_and_open_give_the_same_scores() {
        let train: Vec<LabelledSentence> = (0..40)
            .map(|i| {
                let vacc = i % 2 == 0;
                let text = if vacc {
                    format!("第{i}针疫苗接种工作")
                } else {
                    format!("第{i}次会议讨论经济")
                };
                let labels: &[&str] = if vacc { &["vaccination"] } else { &[] };
                LabelledSentence {
                    text,
                    ..test_sentence(&format!("a{i}-s001"), labels, false)
                }
            })
            .collect();
        let ngram = NgramBaseline::fit(&train, 7)
            .select(&blended_labels())
            .unwrap();
        let lex = Lexical::new(ngram, 0.6, &labels()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        lex.save(dir.path()).unwrap();
        let back = Lexical::open(dir.path(), &labels()).unwrap().unwrap();
        assert_eq!(back.settings(), lex.settings());
        let texts = ["加快疫苗接种", "经济会议"];
        assert_eq!(back.score(&texts), lex.score(&texts));
        let mut a = vec![vec![0.5f32; 5]; 2];
        back.apply(&texts, &mut a);
        // Directive (last column) is never blended; vaccination moves up
        // for the vaccination sentence and down for the other.
        assert_eq!(a[0][4], 0.5);
        assert!(a[0][1] > 0.5 && a[1][1] < 0.5, "{a:?}");
        // A directory without the component has none, and `remove` leaves
        // a directory without it.
        assert!(Lexical::open(&dir.path().join("none"), &labels())
            .unwrap()
            .is_none());
        remove(dir.path()).unwrap();
        assert!(Lexical::open(dir.path(), &labels()).unwrap().is_none());
        assert!(!dir.path().join(WEIGHTS_FILE).exists());
    }

    #[test]
    fn open_refuses_a_label_the_model_lacks_and_mismatched_weights() {
        let ngram =
            NgramBaseline::from_parts(4, vec!["vaccination".into()], vec![vec![0.0; 5]]).unwrap();
        let lex = Lexical::new(ngram, 0.5, &labels()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        lex.save(dir.path()).unwrap();
        let err = Lexical::open(dir.path(), &["directive".to_string()]).unwrap_err();
        assert!(err.to_string().contains("vaccination"), "{err}");
        let mut s = lex.settings().clone();
        s.buckets = 8;
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            serde_json::to_string(&s).unwrap(),
        )
        .unwrap();
        let err = Lexical::open(dir.path(), &labels()).unwrap_err();
        assert!(err.to_string().contains("shape"), "{err}");
        assert!(Lexical::new(
            NgramBaseline::from_parts(4, vec!["nope".into()], vec![vec![0.0; 5]]).unwrap(),
            0.5,
            &labels()
        )
        .is_err());
    }

    #[test]
    fn choose_blends_when_the_lexical_scores_fix_the_model() {
        // 40 articles, one sentence each; vaccination on even articles.
        // The transformer is wrong on every fourth sentence, the lexical
        // model is right everywhere but never confident.
        let gold: Vec<LabelledSentence> = (0..40)
            .map(|i| {
                let l: &[&str] = if i % 2 == 0 { &["vaccination"] } else { &[] };
                test_sentence(&format!("a{i}-s001"), l, false)
            })
            .collect();
        let labels = labels();
        let model: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                let right = i % 4 != 0;
                let pos = (i % 2 == 0) == right;
                vec![0.1, if pos { 0.7 } else { 0.3 }, 0.1, 0.1, 0.1]
            })
            .collect();
        let lexical: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                let p = if i % 2 == 0 { 0.95 } else { 0.05 };
                vec![0.1, p, 0.1, 0.1]
            })
            .collect();
        let dev = DevScores {
            gold: &gold,
            model: &model,
            lexical: &lexical,
            labels: &labels,
            columns: &[0, 1, 2, 3],
            thresholds: &[0.5; 5],
        };
        let c = choose(&dev, 5, 7);
        assert!(c.alpha < 1.0 && c.keep, "{c:?}");
        assert_eq!(c.cv.folds.len(), 10);
        assert!(c.dev_topic_macro_f1[0] > c.dev_topic_macro_f1[1]);
        // When the lexical scores add nothing, α stays 1 and nothing is kept.
        let same: Vec<Vec<f32>> = model.iter().map(|r| r[..4].to_vec()).collect();
        let dev = DevScores {
            lexical: &same,
            ..dev
        };
        let c = choose(&dev, 5, 7);
        assert_eq!(c.alpha, 1.0);
        assert!(!c.keep);
    }
}
