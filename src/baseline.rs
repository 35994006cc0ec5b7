//! Baselines scored in the same harness as the transformer:
//!
//! * [`KeywordBaseline`]: a hand-written keyword lexicon per label (from
//!   ANNOTATION.md), fitted on the train split by dropping keywords whose
//!   precision there is below [`KeywordBaseline::MIN_PRECISION`];
//! * [`NgramBaseline`]: character 1–3-gram features, hashed, log-scaled and
//!   L2-normalised, with one logistic regression per label (class-weighted,
//!   L2-regularised, trained with seeded SGD).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::gold::LabelledSentence;
use crate::labels::ALL_LABELS;

/// Candidate keywords per label, written from ANNOTATION.md.
pub const LEXICON: [(&str, &[&str]); 5] = [
    (
        "import_control",
        &[
            "外防输入",
            "境外输入",
            "输入病例",
            "入境",
            "口岸",
            "冷链",
            "进口物品",
            "进口冷链",
            "国际航班",
            "来返",
            "返乡人员",
            "人物同防",
            "入境人员",
            "集中隔离",
            "边境",
            "机场",
            "中高风险地区",
        ],
    ),
    (
        "vaccination",
        &[
            "疫苗接种",
            "接种疫苗",
            "加强针",
            "加强免疫",
            "疫苗",
            "接种",
            "一老一小",
            "剂次",
        ],
    ),
    (
        "infection_control",
        &[
            "院感",
            "医院感染",
            "交叉感染",
            "发热门诊",
            "预检分诊",
            "定点医院",
            "三区两通道",
            "医务人员防护",
            "医疗废物",
            "隔离场所",
            "隔离点",
            "方舱",
            "医务人员感染",
            "闭环转运",
        ],
    ),
    (
        "accountability",
        &[
            "问责",
            "追责",
            "督查",
            "督导",
            "考核",
            "压实",
            "主体责任",
            "属地责任",
            "失职",
            "渎职",
            "免职",
            "守土有责",
            "严肃处理",
            "责任追究",
            "监督检查",
            "纪律",
            "责任制",
        ],
    ),
    (
        "directive",
        &[
            "要",
            "必须",
            "严禁",
            "坚决",
            "切实",
            "确保",
            "严格落实",
            "实行",
            "暂停",
            "要求",
            "一律",
            "不得",
            "应当",
            "加强",
            "做好",
            "推进",
            "启动",
            "部署",
            "落实",
        ],
    ),
];

/// Keyword lexicon baseline.
pub struct KeywordBaseline {
    /// Kept keywords per label (order of [`ALL_LABELS`]).
    pub keywords: Vec<Vec<String>>,
}

impl KeywordBaseline {
    /// Keywords whose precision on the train split is lower are dropped.
    pub const MIN_PRECISION: f64 = 0.4;

    /// Fit on training sentences.
    pub fn fit(train: &[LabelledSentence]) -> Self {
        let labels: Vec<String> = ALL_LABELS.iter().map(|s| s.to_string()).collect();
        let keywords = LEXICON
            .iter()
            .enumerate()
            .map(|(j, (_, words))| {
                words
                    .iter()
                    .filter(|w| {
                        let hits: Vec<&LabelledSentence> =
                            train.iter().filter(|s| s.text.contains(*w)).collect();
                        let good = hits.iter().filter(|s| s.targets(&labels)[j] > 0.5).count();
                        !hits.is_empty() && good as f64 / hits.len() as f64 >= Self::MIN_PRECISION
                    })
                    .map(|w| w.to_string())
                    .collect()
            })
            .collect();
        Self { keywords }
    }

    /// 1.0 when a kept keyword occurs, else 0.0.
    pub fn score(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .map(|t| {
                self.keywords
                    .iter()
                    .map(|ws| {
                        if ws.iter().any(|w| t.contains(w.as_str())) {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Hashed character n-gram logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct NgramBaseline {
    dims: usize,
    /// The labels it scores, in the order of `weights`.
    labels: Vec<String>,
    /// Weights per label (`dims` + bias).
    weights: Vec<Vec<f32>>,
}

fn hash(s: &[char]) -> u64 {
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf29ce484222325;
    for c in s {
        for b in (*c as u32).to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

impl NgramBaseline {
    /// Hash buckets of the features ([`NgramBaseline::fit`] uses 2^18).
    pub const BUCKETS: usize = 1 << 18;
    /// Shortest and longest character n-gram of the features.
    pub const NGRAM_RANGE: [usize; 2] = [1, 3];

    /// A fitted model from its parts: `weights` has one row per label of
    /// `buckets` feature weights followed by the bias. `None` when the
    /// shapes disagree.
    pub fn from_parts(buckets: usize, labels: Vec<String>, weights: Vec<Vec<f32>>) -> Option<Self> {
        (buckets > 0
            && labels.len() == weights.len()
            && weights.iter().all(|w| w.len() == buckets + 1))
        .then_some(Self {
            dims: buckets,
            labels,
            weights,
        })
    }

    /// Hash buckets.
    pub fn buckets(&self) -> usize {
        self.dims
    }

    /// The labels scored, in the order of [`NgramBaseline::score`]'s columns.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Weight rows (buckets, then the bias), one per label.
    pub fn weights(&self) -> &[Vec<f32>] {
        &self.weights
    }

    /// The same model restricted to `labels` (in that order); `None` when
    /// one of them is not scored.
    pub fn select(&self, labels: &[String]) -> Option<Self> {
        let weights = labels
            .iter()
            .map(|l| {
                let j = self.labels.iter().position(|x| x == l)?;
                Some(self.weights[j].clone())
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            dims: self.dims,
            labels: labels.to_vec(),
            weights,
        })
    }

    /// Sparse feature vector: hashed 1–3-grams, log(1 + count), L2-normalised.
    fn features(&self, text: &str) -> Vec<(usize, f32)> {
        let chars: Vec<char> = text.chars().collect();
        let mut counts = std::collections::HashMap::new();
        for n in Self::NGRAM_RANGE[0]..=Self::NGRAM_RANGE[1] {
            for w in chars.windows(n) {
                *counts
                    .entry((hash(w) % self.dims as u64) as usize)
                    .or_insert(0f32) += 1.0;
            }
        }
        let mut f: Vec<(usize, f32)> = counts
            .into_iter()
            .map(|(k, c)| (k, (1.0 + c).ln()))
            .collect();
        f.sort_by_key(|p| p.0);
        let norm = f.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt().max(1e-6);
        f.iter_mut().for_each(|p| p.1 /= norm);
        f
    }

    /// Fit one logistic regression per label.
    pub fn fit(train: &[LabelledSentence], seed: u64) -> Self {
        let labels: Vec<String> = ALL_LABELS.iter().map(|s| s.to_string()).collect();
        let mut model = Self {
            dims: Self::BUCKETS,
            labels: labels.clone(),
            weights: Vec::new(),
        };
        let feats: Vec<Vec<(usize, f32)>> = train.iter().map(|s| model.features(&s.text)).collect();
        let ys: Vec<Vec<f32>> = train.iter().map(|s| s.targets(&labels)).collect();
        let (epochs, lr0, l2) = (30, 0.5f32, 1e-5f32);
        let mut rng = StdRng::seed_from_u64(seed);
        for j in 0..labels.len() {
            let pos = ys.iter().filter(|y| y[j] > 0.5).count().max(1) as f32;
            let pos_weight = ((train.len() as f32 - pos) / pos).sqrt().clamp(1.0, 8.0);
            let mut w = vec![0f32; model.dims + 1];
            let mut order: Vec<usize> = (0..train.len()).collect();
            for epoch in 0..epochs {
                order.shuffle(&mut rng);
                let lr = lr0 / (1.0 + epoch as f32);
                for &i in &order {
                    let z = feats[i].iter().map(|(k, v)| w[*k] * v).sum::<f32>() + w[model.dims];
                    let p = 1.0 / (1.0 + (-z).exp());
                    let y = ys[i][j];
                    let g = (p - y) * if y > 0.5 { pos_weight } else { 1.0 };
                    for (k, v) in &feats[i] {
                        w[*k] -= lr * (g * v + l2 * w[*k]);
                    }
                    w[model.dims] -= lr * g;
                }
            }
            model.weights.push(w);
        }
        model
    }

    /// Probabilities per label.
    pub fn score(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .map(|t| {
                let f = self.features(t);
                self.weights
                    .iter()
                    .map(|w| {
                        let z = f.iter().map(|(k, v)| w[*k] * v).sum::<f32>() + w[self.dims];
                        1.0 / (1.0 + (-z).exp())
                    })
                    .collect()
            })
            .collect()
    }
}
