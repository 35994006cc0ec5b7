//! Classification metrics, computed per label (never by flattening the
//! label matrix).

use serde::{Deserialize, Serialize};

/// Counts and scores for one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelMetrics {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// Gold positives.
    pub support: usize,
    /// tp / (tp + fp); 0 when nothing was predicted.
    pub precision: f64,
    /// tp / (tp + fn); 0 when there are no gold positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
}

impl LabelMetrics {
    /// Metrics from gold and predicted booleans.
    pub fn from_pairs(
        gold: impl IntoIterator<Item = bool>,
        pred: impl IntoIterator<Item = bool>,
    ) -> Self {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (g, p) in gold.into_iter().zip(pred) {
            match (g, p) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
        Self::from_counts(tp, fp, fn_)
    }

    /// Metrics from counts.
    pub fn from_counts(tp: usize, fp: usize, fn_: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            tp,
            fp,
            fn_,
            support: tp + fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// Metrics of label `j` at `threshold` over score rows and 0/1 target rows.
pub fn label_metrics(
    scores: &[Vec<f32>],
    targets: &[Vec<f32>],
    j: usize,
    threshold: f32,
) -> LabelMetrics {
    LabelMetrics::from_pairs(
        targets.iter().map(|t| t[j] > 0.5),
        scores.iter().map(|s| s[j] >= threshold),
    )
}

/// Mean of the F1 of the given labels.
pub fn macro_f1(per_label: &[LabelMetrics]) -> f64 {
    if per_label.is_empty() {
        return 0.0;
    }
    per_label.iter().map(|m| m.f1).sum::<f64>() / per_label.len() as f64
}

/// [`best_threshold`] for each of the first `labels` columns.
pub fn best_thresholds(scores: &[Vec<f32>], targets: &[Vec<f32>], labels: usize) -> Vec<f32> {
    (0..labels)
        .map(|j| best_threshold(scores, targets, j))
        .collect()
}

/// The threshold that maximises F1 of label `j` (ties go to the higher
/// threshold); candidates are the observed scores. Returns 0.5 when the
/// label has no positives.
pub fn best_threshold(scores: &[Vec<f32>], targets: &[Vec<f32>], j: usize) -> f32 {
    let positives = targets.iter().filter(|t| t[j] > 0.5).count();
    if positives == 0 {
        return 0.5;
    }
    let mut pairs: Vec<(f32, bool)> = scores
        .iter()
        .zip(targets)
        .map(|(s, t)| (s[j], t[j] > 0.5))
        .collect();
    // Descending score: predicting positive for the first k items.
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut best_f1, mut best_t) = (-1.0f64, 0.5f32);
    let mut tp = 0usize;
    let mut k = 0usize;
    while k < pairs.len() {
        let t = pairs[k].0;
        // Take every item with this same score together.
        while k < pairs.len() && pairs[k].0 == t {
            tp += pairs[k].1 as usize;
            k += 1;
        }
        let fp = k - tp;
        let m = LabelMetrics::from_counts(tp, fp, positives - tp);
        // Iterating from high to low thresholds: only strictly better moves down.
        if m.f1 > best_f1 + 1e-12 {
            best_f1 = m.f1;
            best_t = t;
        }
    }
    best_t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_counts() {
        let m = LabelMetrics::from_pairs(
            [true, true, false, false, true],
            [true, false, true, false, true],
        );
        assert_eq!((m.tp, m.fp, m.fn_, m.support), (2, 1, 1, 3));
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn zero_support_and_empty_prediction() {
        let m = LabelMetrics::from_pairs([false, false], [false, false]);
        assert_eq!((m.precision, m.recall, m.f1, m.support), (0.0, 0.0, 0.0, 0));
        let perfect = LabelMetrics::from_pairs([true, false], [true, false]);
        assert_eq!(perfect.f1, 1.0);
    }

    #[test]
    fn threshold_prefers_higher_on_ties() {
        let scores = vec![vec![0.9], vec![0.8], vec![0.3], vec![0.2]];
        let targets = vec![vec![1.0], vec![1.0], vec![0.0], vec![0.0]];
        assert_eq!(best_threshold(&scores, &targets, 0), 0.8);
    }
}
