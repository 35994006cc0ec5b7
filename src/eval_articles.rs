//! Article-level evaluation of the sentence → article rule: does the
//! summary say a category is present exactly when a reader found a
//! directive of that category in the article?

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::aggregate::ArticleSummary;
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
        "# Article-level evaluation on `{gold_name}`\n\n{} articles; a category is present when the article has at least one directive sentence of it (see `aggregate`).\n\n| category | precision | recall | F1 | gold articles |\n|---|---:|---:|---:|---:|\n",
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
