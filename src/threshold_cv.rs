//! Does tuning decision thresholds on dev pay off?
//!
//! [`crate::eval::tune_thresholds`] picks, per label, the threshold that
//! maximises F1 on the dev split. On a dev split of a few hundred positives
//! per label that choice can overfit: a label whose F1 curve is flat near
//! the top gets whichever extreme threshold wins by one sentence. This module
//! measures it the way scikit-learn's `TunedThresholdClassifierCV` would:
//! repeated two-fold cross-validation over dev **articles** (sentences of
//! one article never straddle the folds). In every fold, thresholds are tuned
//! on one half and scored on the other, and the same held-out half is also
//! scored at the untuned 0.5. The averages say which rule generalises.
//!
//! ```
//! use policy_lens::{gold::LabelledSentence, threshold_cv};
//! let s = |i: usize, vacc: bool| LabelledSentence {
//!     id: format!("a{i}-s001"), text: String::new(),
//!     labels: if vacc { vec!["vaccination".into()] } else { vec![] },
//!     directive: false, source: String::new(), silver: false,
//!     article: Some(format!("a{i}")), stratum: None, soft: None,
//! };
//! let gold: Vec<_> = (0..40).map(|i| s(i, i % 2 == 0)).collect();
//! let labels: Vec<String> = ["vaccination", "directive"].map(String::from).to_vec();
//! let scores: Vec<Vec<f32>> = (0..40).map(|i| vec![if i % 2 == 0 { 0.9 } else { 0.1 }, 0.0]).collect();
//! let cv = threshold_cv::cross_validate(&gold, &scores, &labels, 5, 7);
//! assert_eq!(cv.folds, 10);
//! assert!((cv.rule(threshold_cv::ThresholdRule::Fixed).label_f1["vaccination"] - 1.0).abs() < 1e-12);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::eval::{decide, gold_matrix, label_columns, stats_for};
use crate::gold::LabelledSentence;
use crate::metrics::best_thresholds;

/// The untuned threshold of a sigmoid output.
pub const FIXED_THRESHOLD: f32 = 0.5;

/// How a model's decision thresholds are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdRule {
    /// Per label, the threshold maximising F1 on dev (ties to the higher).
    MaxF1,
    /// 0.5 for every label.
    Fixed,
}

impl ThresholdRule {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            ThresholdRule::MaxF1 => "max-F1 on dev",
            ThresholdRule::Fixed => "fixed 0.5",
        }
    }

    /// Thresholds this rule picks on `gold` (one per label).
    pub fn thresholds(
        self,
        gold: &[LabelledSentence],
        scores: &[Vec<f32>],
        labels: &[String],
    ) -> Vec<f32> {
        let targets: Vec<Vec<f32>> = gold.iter().map(|s| s.targets(labels)).collect();
        self.thresholds_for(scores, &targets, labels.len())
    }

    /// Thresholds this rule picks for 0/1 `targets` (one column per label).
    fn thresholds_for(self, scores: &[Vec<f32>], targets: &[Vec<f32>], labels: usize) -> Vec<f32> {
        match self {
            ThresholdRule::MaxF1 => best_thresholds(scores, targets, labels),
            ThresholdRule::Fixed => vec![FIXED_THRESHOLD; labels],
        }
    }
}

/// Held-out scores of one rule, averaged over all folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleScores {
    /// The rule.
    pub rule: ThresholdRule,
    /// Mean held-out F1 per label.
    pub label_f1: BTreeMap<String, f64>,
    /// Mean held-out macro-F1 over the four topic labels.
    pub topic_macro_f1: f64,
    /// Mean held-out directive-category macro-F1.
    pub directive_category_macro_f1: f64,
}

/// Result of [`cross_validate`] (`threshold-cv.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCv {
    /// Sentences cross-validated.
    pub sentences: usize,
    /// Articles (folds never split one).
    pub articles: usize,
    /// Repeats of the two-fold split.
    pub repeats: usize,
    /// Held-out evaluations (`2 × repeats`).
    pub folds: usize,
    /// Seed of the article shuffles.
    pub seed: u64,
    /// Labels, in the model's order.
    pub labels: Vec<String>,
    /// One entry per rule, [`ThresholdRule::MaxF1`] first.
    pub rules: Vec<RuleScores>,
    /// The rule with the higher held-out topic macro-F1 (ties: the fixed
    /// rule, which has nothing to overfit).
    pub better: ThresholdRule,
}

impl ThresholdCv {
    /// Scores of `rule`.
    pub fn rule(&self, rule: ThresholdRule) -> &RuleScores {
        self.rules
            .iter()
            .find(|r| r.rule == rule)
            .expect("both rules are always scored")
    }
}

/// The article a sentence belongs to: its `article` field, else its id
/// without the `-sNNN` suffix, else the id itself.
fn group_of(s: &LabelledSentence) -> &str {
    if let Some(a) = &s.article {
        return a;
    }
    match s.id.rfind("-s") {
        Some(i) if s.id[i + 2..].chars().all(|c| c.is_ascii_digit()) => &s.id[..i],
        _ => &s.id,
    }
}

/// One evaluation of a cross-validation: (fit half, held-out half) of
/// sentence indices.
pub type Fold = (Vec<usize>, Vec<usize>);

/// The held-out evaluations of `repeats` × 2-fold cross-validation over
/// the articles of `gold`: pairs of (fit half, held-out half) of sentence
/// indices, two per repeat (a pair with an empty half is left out), and the
/// number of articles. The same `seed` gives the same halves.
pub fn article_folds(gold: &[LabelledSentence], repeats: usize, seed: u64) -> (Vec<Fold>, usize) {
    let groups: Vec<&str> = gold
        .iter()
        .map(group_of)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let group_index: BTreeMap<&str, usize> =
        groups.iter().enumerate().map(|(i, &a)| (a, i)).collect();
    let sentence_group: Vec<usize> = gold.iter().map(|s| group_index[group_of(s)]).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::new();
    for _ in 0..repeats {
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.shuffle(&mut rng);
        let mut in_first = vec![false; groups.len()];
        for &a in &order[..groups.len() / 2] {
            in_first[a] = true;
        }
        let [first, second]: [Vec<usize>; 2] = [true, false].map(|first| {
            (0..gold.len())
                .filter(|&i| in_first[sentence_group[i]] == first)
                .collect()
        });
        if !first.is_empty() && !second.is_empty() {
            out.push((first.clone(), second.clone()));
            out.push((second, first));
        }
    }
    (out, groups.len())
}

/// Repeated two-fold cross-validation over articles of the max-F1 rule
/// against the fixed 0.5 (see the module docs). `scores` has one row per
/// gold sentence, columns in the order of `labels`.
pub fn cross_validate(
    gold: &[LabelledSentence],
    scores: &[Vec<f32>],
    labels: &[String],
    repeats: usize,
    seed: u64,
) -> ThresholdCv {
    let g = gold_matrix(gold, labels);
    let targets: Vec<Vec<f32>> = gold.iter().map(|s| s.targets(labels)).collect();
    let (topics, dir) = label_columns(labels);
    let (folds_of, articles) = article_folds(gold, repeats, seed);
    let rules = [ThresholdRule::MaxF1, ThresholdRule::Fixed];
    // Per rule: summed per-label F1, topic macro, directive-category macro.
    let mut sums = vec![(vec![0.0f64; labels.len()], 0.0f64, 0.0f64); rules.len()];
    for (tune, held_out) in &folds_of {
        let tune_targets: Vec<Vec<f32>> = tune.iter().map(|&i| targets[i].clone()).collect();
        let tune_scores: Vec<Vec<f32>> = tune.iter().map(|&i| scores[i].clone()).collect();
        for (r, rule) in rules.iter().enumerate() {
            let t = rule.thresholds_for(&tune_scores, &tune_targets, labels.len());
            let pred = decide(scores, &t);
            let (f1s, _, macro_, dc) = stats_for(held_out, &g, &pred, &topics, dir);
            for (sum, f) in sums[r].0.iter_mut().zip(&f1s) {
                *sum += f;
            }
            sums[r].1 += macro_;
            sums[r].2 += dc;
        }
    }
    let folds = folds_of.len();
    let n = folds.max(1) as f64;
    let rules: Vec<RuleScores> = rules
        .iter()
        .zip(sums)
        .map(|(&rule, (f1, macro_, dc))| RuleScores {
            rule,
            label_f1: labels
                .iter()
                .cloned()
                .zip(f1.iter().map(|f| f / n))
                .collect(),
            topic_macro_f1: macro_ / n,
            directive_category_macro_f1: dc / n,
        })
        .collect();
    let better = if rules[0].topic_macro_f1 > rules[1].topic_macro_f1 {
        ThresholdRule::MaxF1
    } else {
        ThresholdRule::Fixed
    };
    ThresholdCv {
        sentences: gold.len(),
        articles,
        repeats,
        folds,
        seed,
        labels: labels.to_vec(),
        rules,
        better,
    }
}

/// Markdown section for `report.md`.
pub fn markdown(cv: &ThresholdCv) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Do tuned thresholds generalise?\n\n{} × 2-fold cross-validation over {} articles ({} sentences, seed {}): \
         thresholds tuned on one half, F1 measured on the other half; means over {} held-out halves.\n",
        cv.repeats, cv.articles, cv.sentences, cv.seed, cv.folds
    );
    let labels = &cv.labels;
    let _ = write!(s, "| rule |");
    for l in labels {
        let _ = write!(s, " {l} |");
    }
    let _ = writeln!(s, " topic macro-F1 | directive-category macro-F1 |");
    let _ = writeln!(s, "|---|{}---:|---:|", "---:|".repeat(labels.len()));
    for r in &cv.rules {
        let _ = write!(s, "| {} |", r.rule.name());
        for l in labels {
            let _ = write!(s, " {:.3} |", r.label_f1[l]);
        }
        let _ = writeln!(
            s,
            " {:.4} | {:.4} |",
            r.topic_macro_f1, r.directive_category_macro_f1
        );
    }
    let _ = writeln!(
        s,
        "\nHigher held-out topic macro-F1: **{}**.",
        cv.better.name()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(article: usize, k: usize, label: Option<&str>) -> LabelledSentence {
        let labels: Vec<&str> = label.into_iter().collect();
        crate::gold::test_sentence(&format!("art{article}-s{k:03}"), &labels, false)
    }

    fn names() -> Vec<String> {
        ["vaccination", "directive"].map(String::from).to_vec()
    }

    #[test]
    fn groups_come_from_the_sentence_id_when_article_is_missing() {
        assert_eq!(group_of(&sentence(3, 12, None)), "art3");
        let mut s = sentence(3, 12, None);
        s.id = "odd-id".into();
        assert_eq!(group_of(&s), "odd-id");
        s.article = Some("x".into());
        assert_eq!(group_of(&s), "x");
    }

    #[test]
    fn separable_scores_are_perfect_under_both_rules() {
        let gold: Vec<_> = (0..30)
            .map(|i| sentence(i / 3, i, (i % 2 == 0).then_some("vaccination")))
            .collect();
        let scores: Vec<Vec<f32>> = (0..30)
            .map(|i| vec![if i % 2 == 0 { 0.8 } else { 0.2 }, 0.0])
            .collect();
        let cv = cross_validate(&gold, &scores, &names(), 4, 1);
        assert_eq!((cv.articles, cv.folds), (10, 8));
        for r in &cv.rules {
            assert!((r.label_f1["vaccination"] - 1.0).abs() < 1e-12, "{r:?}");
        }
        // A tie goes to the rule with nothing to tune.
        assert_eq!(cv.better, ThresholdRule::Fixed);
    }

    #[test]
    fn tuning_wins_when_the_useful_threshold_is_far_from_one_half() {
        // Positives score 0.3, negatives 0.1: 0.5 finds nothing, tuning finds all.
        let gold: Vec<_> = (0..40)
            .map(|i| sentence(i, 1, (i % 4 == 0).then_some("vaccination")))
            .collect();
        let scores: Vec<Vec<f32>> = (0..40)
            .map(|i| vec![if i % 4 == 0 { 0.3 } else { 0.1 }, 0.0])
            .collect();
        let cv = cross_validate(&gold, &scores, &names(), 3, 2);
        assert!((cv.rule(ThresholdRule::MaxF1).label_f1["vaccination"] - 1.0).abs() < 1e-12);
        assert_eq!(cv.rule(ThresholdRule::Fixed).label_f1["vaccination"], 0.0);
        assert_eq!(cv.better, ThresholdRule::MaxF1);
    }

    #[test]
    fn hand_computed_two_article_case() {
        // Article x: positive 0.9, negative 0.6. Article y: positive 0.55,
        // negative 0.1. Tuned on x, max-F1 takes 0.9 and misses y's positive
        // (F1 0); tuned on y it takes 0.55 and also flags x's negative (F1 2/3).
        // At 0.5: x gives 2/3, y gives 1.
        let mut gold = vec![
            sentence(0, 1, Some("vaccination")),
            sentence(0, 2, None),
            sentence(1, 1, Some("vaccination")),
            sentence(1, 2, None),
        ];
        gold[0].article = Some("x".into());
        gold[1].article = Some("x".into());
        gold[2].article = Some("y".into());
        gold[3].article = Some("y".into());
        let scores = vec![
            vec![0.9, 0.0],
            vec![0.6, 0.0],
            vec![0.55, 0.0],
            vec![0.1, 0.0],
        ];
        let cv = cross_validate(&gold, &scores, &names(), 3, 5);
        assert_eq!((cv.articles, cv.folds), (2, 6));
        let tuned = cv.rule(ThresholdRule::MaxF1);
        let fixed = cv.rule(ThresholdRule::Fixed);
        assert!((tuned.label_f1["vaccination"] - 1.0 / 3.0).abs() < 1e-12);
        assert!((fixed.label_f1["vaccination"] - 5.0 / 6.0).abs() < 1e-12);
        assert!((fixed.topic_macro_f1 - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(cv.better, ThresholdRule::Fixed);
        assert!(markdown(&cv).contains("| fixed 0.5 | 0.833 |"));
    }
}
