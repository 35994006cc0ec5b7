//! Article-level evaluation of the sentence → article rule: does the
//! summary say a category is present exactly when a reader found a
//! directive of that category in the article?

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::aggregate::{category_present, ArticleSummary};
use crate::error::Result;
use crate::labels::TOPIC_LABELS;
use crate::metrics::LabelMetrics;

/// One article judged by a reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleGold {
    /// Article id as policy-lens ingest produces it.
    pub id: String,
    /// Input file holding the article, relative to the corpus directory.
    pub input: String,
    /// Topic categories the article contains as directives.
    pub categories: Vec<String>,
    /// Whether it contains any directive.
    pub has_directive: bool,
    /// A quoted evidence sentence per category.
    #[serde(default)]
    pub evidence: BTreeMap<String, String>,
}

/// Read an article gold JSONL file.
pub fn read_article_gold(path: &Path) -> Result<Vec<ArticleGold>> {
    Ok(crate::gold::read_jsonl(path)?
        .into_iter()
        .map(|(_, g)| g)
        .collect())
}

/// A disagreement between the rule and the reader.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleMiss {
    /// Article id.
    pub id: String,
    /// Category.
    pub category: String,
    /// "false positive" or "false negative".
    pub kind: String,
    /// The model's best evidence (false positives) or the reader's quote (false negatives).
    pub evidence: String,
}

/// Article-level results.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleEval {
    /// Articles compared.
    pub articles: usize,
    /// Gold articles not found in the summaries.
    pub missing: Vec<String>,
    /// Per category.
    pub per_category: Vec<(String, LabelMetrics)>,
    /// Pooled over the four categories.
    pub micro: LabelMetrics,
    /// Disagreements.
    pub misses: Vec<ArticleMiss>,
}

/// Compare summaries with article gold.
pub fn evaluate_articles(gold: &[ArticleGold], summaries: &[ArticleSummary]) -> ArticleEval {
    let by_id: BTreeMap<&str, &ArticleSummary> =
        summaries.iter().map(|s| (s.id.as_str(), s)).collect();
    let found: Vec<(&ArticleGold, &ArticleSummary)> = gold
        .iter()
        .filter_map(|g| by_id.get(g.id.as_str()).map(|s| (g, *s)))
        .collect();
    let missing = gold
        .iter()
        .filter(|g| !by_id.contains_key(g.id.as_str()))
        .map(|g| g.id.clone())
        .collect();
    let mut per_category = Vec::new();
    let mut misses = Vec::new();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for cat in TOPIC_LABELS {
        let pairs: Vec<(bool, bool)> = found
            .iter()
            .map(|(g, s)| {
                (
                    g.categories.iter().any(|c| c == cat),
                    s.categories_present.iter().any(|c| c == cat),
                )
            })
            .collect();
        let m = LabelMetrics::from_pairs(pairs.iter().map(|p| p.0), pairs.iter().map(|p| p.1));
        tp += m.tp;
        fp += m.fp;
        fn_ += m.fn_;
        for ((g, s), (gold_on, pred_on)) in found.iter().zip(&pairs) {
            if gold_on != pred_on {
                let evidence = if *pred_on {
                    s.categories
                        .get(cat)
                        .and_then(|c| c.directives.first())
                        .map(|e| e.text.clone())
                        .unwrap_or_default()
                } else {
                    g.evidence.get(cat).cloned().unwrap_or_default()
                };
                misses.push(ArticleMiss {
                    id: g.id.clone(),
                    category: cat.to_string(),
                    kind: if *pred_on {
                        "false positive"
                    } else {
                        "false negative"
                    }
                    .into(),
                    evidence,
                });
            }
        }
        per_category.push((cat.to_string(), m));
    }
    ArticleEval {
        articles: found.len(),
        missing,
        per_category,
        micro: LabelMetrics::from_counts(tp, fp, fn_),
        misses,
    }
}

/// The distinct input files the gold articles come from.
pub fn inputs(gold: &[ArticleGold]) -> BTreeSet<String> {
    gold.iter().map(|g| g.input.clone()).collect()
}

/// Markdown report.
pub fn markdown(e: &ArticleEval, gold_name: &str) -> String {
    let mut s = format!(
        "# Article-level evaluation on `{gold_name}`\n\n{} articles; a category is present when the article has a directive sentence of it whose evidence score, score(category) × score(directive), reaches the model's minimum (`aggregate.json`, default 0; see `aggregate`).\n\n| category | precision | recall | F1 | gold articles |\n|---|---:|---:|---:|---:|\n",
        e.articles
    );
    for (c, m) in &e.per_category {
        s += &format!(
            "| {c} | {:.3} | {:.3} | {:.3} | {} |\n",
            m.precision, m.recall, m.f1, m.support
        );
    }
    s += &format!(
        "| **pooled** | {:.3} | {:.3} | {:.3} | {} |\n",
        e.micro.precision, e.micro.recall, e.micro.f1, e.micro.support
    );
    if !e.misses.is_empty() {
        s += "\n## Disagreements\n\n";
        for m in &e.misses {
            s += &format!("- `{}` {} {}: {}\n", m.id, m.category, m.kind, m.evidence);
        }
    }
    if !e.missing.is_empty() {
        s += &format!("\nNot found in the corpus: {:?}\n", e.missing);
    }
    s
}

/// Summaries with category presence recomputed for a minimum evidence score
/// (see [`crate::aggregate`]), from their evidence lists. The summaries
/// must come from a run with `min_evidence_score` 0 and enough evidence
/// kept per category (`max_evidence` ≥ `min_sentences`).
pub fn with_min_evidence_score(
    summaries: &[ArticleSummary],
    min_evidence_score: f32,
    min_sentences: usize,
) -> Vec<ArticleSummary> {
    summaries
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.categories_present.clear();
            for (label, c) in s.categories.iter_mut() {
                c.present = category_present(&c.directives, min_evidence_score, min_sentences);
                if c.present {
                    s.categories_present.push(label.clone());
                }
            }
            // Keep the label order of the aggregate rule.
            s.categories_present.sort_by_key(|l| {
                TOPIC_LABELS
                    .iter()
                    .position(|t| t == l)
                    .unwrap_or(usize::MAX)
            });
            s
        })
        .collect()
}

/// Candidate minimum evidence scores: 0.25 (= 0.5 × 0.5, no constraint at
/// thresholds of 0.5) to 0.95 in steps of 0.05.
pub fn evidence_score_grid() -> Vec<f32> {
    (5..=19).map(|i| i as f32 / 20.0).collect()
}

/// Does a minimum evidence score, tuned on article gold, generalise?
/// (`evidence-score-cv.json`)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceScoreCv {
    /// Articles cross-validated.
    pub articles: usize,
    /// Repeats of the two-fold split.
    pub repeats: usize,
    /// Held-out halves scored.
    pub folds: usize,
    /// Seed of the article shuffles.
    pub seed: u64,
    /// The candidates tried.
    pub grid: Vec<f32>,
    /// Mean held-out pooled F1 with no minimum (every directive sentence of
    /// a category makes it present).
    pub untuned_f1: f64,
    /// Mean held-out pooled F1 with the minimum tuned on the other half.
    pub tuned_f1: f64,
    /// The minimum maximising pooled F1 on all the articles (ties to the higher).
    pub best_on_all: f32,
    /// What to use: `best_on_all` when tuning won on held-out halves, else 0.
    pub chosen: f32,
}

/// The grid value maximising pooled article F1 on `gold` (ties to the higher).
fn best_min_evidence_score(
    gold: &[ArticleGold],
    summaries: &[ArticleSummary],
    grid: &[f32],
    min_sentences: usize,
) -> f32 {
    let mut best = (-1.0f64, 0.0f32);
    for &t in grid {
        let f1 = evaluate_articles(gold, &with_min_evidence_score(summaries, t, min_sentences))
            .micro
            .f1;
        if f1 >= best.0 - 1e-12 {
            best = (f1, t);
        }
    }
    best.1
}

/// Repeated two-fold cross-validation over gold articles of a tuned minimum
/// evidence score against none, as [`crate::threshold_cv`] does for
/// sentence thresholds. `summaries` come from a run with no minimum.
pub fn cross_validate_min_evidence_score(
    gold: &[ArticleGold],
    summaries: &[ArticleSummary],
    min_sentences: usize,
    repeats: usize,
    seed: u64,
) -> EvidenceScoreCv {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let grid = evidence_score_grid();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut untuned, mut tuned, mut folds) = (0.0, 0.0, 0);
    for _ in 0..repeats {
        let mut order: Vec<&ArticleGold> = gold.iter().collect();
        order.shuffle(&mut rng);
        let (a, b) = order.split_at(order.len() / 2);
        let halves: [Vec<ArticleGold>; 2] =
            [a, b].map(|h| h.iter().map(|g| (*g).clone()).collect());
        for (tune, held_out) in [(&halves[0], &halves[1]), (&halves[1], &halves[0])] {
            if tune.is_empty() || held_out.is_empty() {
                continue;
            }
            folds += 1;
            let t = best_min_evidence_score(tune, summaries, &grid, min_sentences);
            let f1_at = |t: f32| {
                evaluate_articles(
                    held_out,
                    &with_min_evidence_score(summaries, t, min_sentences),
                )
                .micro
                .f1
            };
            untuned += f1_at(0.0);
            tuned += f1_at(t);
        }
    }
    let n = folds.max(1) as f64;
    let (untuned_f1, tuned_f1) = (untuned / n, tuned / n);
    let best_on_all = best_min_evidence_score(gold, summaries, &grid, min_sentences);
    EvidenceScoreCv {
        articles: gold.len(),
        repeats,
        folds,
        seed,
        grid,
        untuned_f1,
        tuned_f1,
        best_on_all,
        chosen: if tuned_f1 > untuned_f1 {
            best_on_all
        } else {
            0.0
        },
    }
}

/// Markdown section for `article-report.md`.
pub fn evidence_score_markdown(cv: &EvidenceScoreCv) -> String {
    format!(
        "\n## Minimum evidence score: tuned or none?\n\n{} × 2-fold cross-validation over {} articles (seed {}): \
         the minimum evidence score (`score(C) × score(directive)` of the best directive sentence) maximising \
         pooled F1 on one half (grid {:.2}–{:.2}, ties to the higher), scored on the other half; means over {} held-out halves.\n\n\
         | rule | held-out pooled F1 |\n|---|---:|\n| no minimum | {:.4} |\n| tuned minimum | {:.4} |\n\n\
         Best on all {} articles: {:.2}. Written: **{:.2}**.\n",
        cv.repeats,
        cv.articles,
        cv.seed,
        cv.grid.first().copied().unwrap_or(0.0),
        cv.grid.last().copied().unwrap_or(0.0),
        cv.folds,
        cv.untuned_f1,
        cv.tuned_f1,
        cv.articles,
        cv.best_on_all,
        cv.chosen
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixtures::article;
    use crate::aggregate::{summarize, AggregateOptions, ScoredSentence};

    fn scored(id: &str, import: f32, directive: f32) -> ScoredSentence {
        crate::aggregate::fixtures::scored(id, "import_control", import, directive)
    }

    fn summary(id: &str, import: f32, directive: f32) -> ArticleSummary {
        summarize(
            &article(id),
            &[scored(id, import, directive)],
            &AggregateOptions::new(BTreeMap::new()),
        )
    }

    fn gold(id: &str, import: bool) -> ArticleGold {
        ArticleGold {
            id: id.into(),
            input: String::new(),
            categories: if import {
                vec!["import_control".into()]
            } else {
                vec![]
            },
            has_directive: true,
            evidence: BTreeMap::new(),
        }
    }

    #[test]
    fn recomputed_presence_matches_the_aggregate_rule() {
        let raw = summary("a", 0.9, 0.7); // evidence 0.63
        for t in [0.0, 0.5, 0.63, 0.7] {
            let mut opts = AggregateOptions::new(BTreeMap::new());
            opts.min_evidence_score = t;
            let direct = summarize(&article("a"), &[scored("a", 0.9, 0.7)], &opts);
            let recomputed = with_min_evidence_score(std::slice::from_ref(&raw), t, 1);
            assert_eq!(recomputed[0], direct, "min evidence score {t}");
        }
    }

    #[test]
    fn tuning_wins_when_weak_evidence_is_always_wrong() {
        // Readers found import control exactly where the evidence is strong
        // (0.9 × 0.9 = 0.81); weak evidence (0.6 × 0.6 = 0.36) is always a
        // false positive. Any minimum in (0.36, 0.81] separates them.
        let mut g = Vec::new();
        let mut s = Vec::new();
        for i in 0..20 {
            let strong = i % 2 == 0;
            let id = format!("art{i}");
            g.push(gold(&id, strong));
            s.push(if strong {
                summary(&id, 0.9, 0.9)
            } else {
                summary(&id, 0.6, 0.6)
            });
        }
        let cv = cross_validate_min_evidence_score(&g, &s, 1, 5, 3);
        assert_eq!((cv.articles, cv.folds), (20, 10));
        assert!((cv.tuned_f1 - 1.0).abs() < 1e-12, "{cv:?}");
        // Without a minimum, each half has precision 1/2 and recall 1.
        assert!(cv.untuned_f1 > 0.5 && cv.untuned_f1 < 0.75, "{cv:?}");
        // Ties go to the highest grid value that still keeps 0.81.
        assert!((cv.best_on_all - 0.80).abs() < 1e-6, "{cv:?}");
        assert_eq!(cv.chosen, cv.best_on_all);
        assert!(evidence_score_markdown(&cv).contains("Written: **0.80**"));
        let e = evaluate_articles(&g, &with_min_evidence_score(&s, cv.chosen, 1));
        assert_eq!((e.micro.tp, e.micro.fp, e.micro.fn_), (10, 0, 0));
    }

    #[test]
    fn no_minimum_is_kept_when_tuning_does_not_help() {
        // Every article with evidence is a gold positive: nothing to gain.
        let g: Vec<_> = (0..10).map(|i| gold(&format!("b{i}"), true)).collect();
        let s: Vec<_> = (0..10)
            .map(|i| summary(&format!("b{i}"), 0.5 + 0.04 * i as f32, 0.9))
            .collect();
        let cv = cross_validate_min_evidence_score(&g, &s, 1, 4, 1);
        assert!(cv.tuned_f1 <= cv.untuned_f1 + 1e-12, "{cv:?}");
        assert_eq!(cv.chosen, 0.0);
    }
}
