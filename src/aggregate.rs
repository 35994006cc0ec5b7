//! From sentence scores to article and corpus summaries.
//!
//! ## The sentence → article rule
//! A sentence is a *directive of category C* when its `directive` score is
//! at or over the directive threshold **and** its C score is at or over C's
//! threshold (thresholds come from the model's `thresholds.json`). Its
//! *evidence score* is `score(C) × score(directive)`; evidence is ranked by
//! it. A category is *present* in an article when at least
//! [`AggregateOptions::min_sentences`] (default 1) of its directive
//! sentences have an evidence score of at least
//! [`AggregateOptions::min_evidence_score`] (the model's `aggregate.json`,
//! default 0). Weaker directive sentences of C are still listed and
//! counted. Directive sentences with no topic label are listed as *other
//! measures*.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::document::Article;
use crate::labels::{DIRECTIVE, TOPIC_LABELS};
use crate::segment::Sentence;

/// A sentence with its model scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredSentence {
    /// The sentence and its offsets.
    #[serde(flatten)]
    pub sentence: Sentence,
    /// Score per label.
    pub scores: BTreeMap<String, f32>,
}

/// One evidence sentence of a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Sentence text.
    pub text: String,
    /// Start offset (characters) in the article text.
    pub start: usize,
    /// End offset (characters, exclusive).
    pub end: usize,
    /// Ranking score: `score(category) × score(directive)` (for other
    /// measures: `score(directive)`).
    pub score: f32,
    /// The category's own score.
    pub category_score: f32,
    /// The directive score.
    pub directive_score: f32,
}

/// What an article says about one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySummary {
    /// Present by the sentence → article rule.
    pub present: bool,
    /// Number of directive sentences of the category (all of them).
    pub count: usize,
    /// Directive sentences of the category, best first (at most
    /// [`AggregateOptions::max_evidence`]).
    pub directives: Vec<Evidence>,
    /// Sentences with the topic label that are not directives (statistics,
    /// commentary…), counted for context.
    pub mentions: usize,
}

/// The per-article record written to `articles.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    /// Article id.
    pub id: String,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Date (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Source / publisher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Author / editor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where the article was read from.
    pub origin: String,
    /// Other metadata.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub meta: BTreeMap<String, String>,
    /// Characters of cleaned text.
    pub chars: usize,
    /// Number of sentences.
    pub sentences: usize,
    /// Number of directive sentences (any category or none).
    pub directives: usize,
    /// Topic categories present, in label order.
    pub categories_present: Vec<String>,
    /// Per topic category: presence and evidence.
    pub categories: BTreeMap<String, CategorySummary>,
    /// Number of directive sentences without a topic label.
    pub other_count: usize,
    /// Directive sentences without a topic label, best first.
    pub other_measures: Vec<Evidence>,
}

/// Knobs of the aggregation rule.
#[derive(Debug, Clone)]
pub struct AggregateOptions {
    /// Per-label thresholds (label → threshold); missing labels use 0.5.
    pub thresholds: BTreeMap<String, f32>,
    /// Directive sentences of a category needed for it to be present.
    pub min_sentences: usize,
    /// Lowest evidence score of a directive sentence that counts towards
    /// presence (0: every directive sentence of the category counts).
    pub min_evidence_score: f32,
    /// Most evidence sentences kept per category (and for other measures).
    pub max_evidence: usize,
}

impl AggregateOptions {
    /// Options with the given thresholds and the default rule.
    pub fn new(thresholds: BTreeMap<String, f32>) -> Self {
        Self {
            thresholds,
            min_sentences: 1,
            min_evidence_score: 0.0,
            max_evidence: 10,
        }
    }

    fn threshold(&self, label: &str) -> f32 {
        self.thresholds.get(label).copied().unwrap_or(0.5)
    }
}

/// Summarise one article from its scored sentences.
pub fn summarize(
    article: &Article,
    scored: &[ScoredSentence],
    opts: &AggregateOptions,
) -> ArticleSummary {
    let t_dir = opts.threshold(DIRECTIVE);
    let score = |s: &ScoredSentence, l: &str| s.scores.get(l).copied().unwrap_or(0.0);
    let mut categories = BTreeMap::new();
    let mut present = Vec::new();
    let mut directives = 0;
    let mut other = Vec::new();
    for s in scored {
        let d = score(s, DIRECTIVE);
        if d >= t_dir {
            directives += 1;
            if TOPIC_LABELS.iter().all(|l| score(s, l) < opts.threshold(l)) {
                other.push(evidence(s, d, d, d));
            }
        }
    }
    for label in TOPIC_LABELS {
        let t = opts.threshold(label);
        let mut ev = Vec::new();
        let mut mentions = 0;
        for s in scored {
            let (c, d) = (score(s, label), score(s, DIRECTIVE));
            if c < t {
                continue;
            }
            if d >= t_dir {
                ev.push(evidence(s, c * d, c, d));
            } else {
                mentions += 1;
            }
        }
        let count = ev.len();
        let is_present = category_present(&ev, opts.min_evidence_score, opts.min_sentences);
        if is_present {
            present.push(label.to_string());
        }
        rank(&mut ev, opts.max_evidence);
        categories.insert(
            label.to_string(),
            CategorySummary {
                present: is_present,
                count,
                directives: ev,
                mentions,
            },
        );
    }
    let other_count = other.len();
    rank(&mut other, opts.max_evidence);
    ArticleSummary {
        id: article.id.clone(),
        title: article.title.clone(),
        date: article.date.clone(),
        source: article.source.clone(),
        author: article.author.clone(),
        url: article.url.clone(),
        origin: article.origin.clone(),
        meta: article.meta.clone(),
        chars: article.text.chars().count(),
        sentences: scored.len(),
        directives,
        categories_present: present,
        categories,
        other_count,
        other_measures: other,
    }
}

/// The presence rule for one category: at least `min_sentences` of its
/// directive sentences (and never fewer than one) have an evidence score of
/// at least `min_evidence_score`.
pub fn category_present(
    directives: &[Evidence],
    min_evidence_score: f32,
    min_sentences: usize,
) -> bool {
    let strong = directives
        .iter()
        .filter(|e| e.score >= min_evidence_score)
        .count();
    strong >= min_sentences.max(1)
}

fn evidence(s: &ScoredSentence, score: f32, category_score: f32, directive_score: f32) -> Evidence {
    Evidence {
        text: s.sentence.text.clone(),
        start: s.sentence.start,
        end: s.sentence.end,
        score,
        category_score,
        directive_score,
    }
}

/// Best first (ties by position), at most `max`.
fn rank(ev: &mut Vec<Evidence>, max: usize) {
    ev.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    ev.truncate(max);
}

/// A top directive of the corpus, with its article.
#[derive(Debug, Clone, Serialize)]
pub struct TopDirective {
    /// Article id.
    pub article: String,
    /// Article title.
    pub title: Option<String>,
    /// The evidence.
    pub evidence: Evidence,
}

/// Corpus-level counts, accumulated article by article (memory does not
/// grow with the corpus beyond the top lists).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CorpusSummary {
    /// Articles summarised.
    pub articles: usize,
    /// Sentences scored.
    pub sentences: usize,
    /// Directive sentences.
    pub directives: usize,
    /// Per category: articles in which it is present.
    pub articles_with: BTreeMap<String, usize>,
    /// Per category: directive sentences.
    pub directive_sentences: BTreeMap<String, usize>,
    /// Per category: best directives of the corpus.
    pub top: BTreeMap<String, Vec<TopDirective>>,
    /// How many top directives are kept per category.
    #[serde(skip)]
    pub keep_top: usize,
}

impl CorpusSummary {
    /// An empty summary keeping `keep_top` directives per category.
    pub fn new(keep_top: usize) -> Self {
        Self {
            keep_top,
            ..Default::default()
        }
    }

    /// Add one article.
    pub fn add(&mut self, a: &ArticleSummary) {
        self.articles += 1;
        self.sentences += a.sentences;
        self.directives += a.directives;
        for (label, cat) in &a.categories {
            *self.directive_sentences.entry(label.clone()).or_default() += cat.count;
            if cat.present {
                *self.articles_with.entry(label.clone()).or_default() += 1;
            }
            let top = self.top.entry(label.clone()).or_default();
            for e in cat.directives.iter().take(3) {
                top.push(TopDirective {
                    article: a.id.clone(),
                    title: a.title.clone(),
                    evidence: e.clone(),
                });
            }
            top.sort_by(|x, y| {
                y.evidence
                    .score
                    .total_cmp(&x.evidence.score)
                    .then(x.article.cmp(&y.article))
            });
            top.truncate(self.keep_top.max(1));
        }
    }
}

/// Test fixtures shared with the article-evaluation tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// An article with id `id` and a one-character text.
    pub fn article(id: &str) -> Article {
        Article {
            id: id.into(),
            text: "x".into(),
            ..Article::default()
        }
    }

    /// A sentence `text` scored `score` for `label` and `directive` for
    /// the directive flag.
    pub fn scored(text: &str, label: &str, score: f32, directive: f32) -> ScoredSentence {
        ScoredSentence {
            sentence: Sentence {
                text: text.into(),
                start: 0,
                end: 1,
            },
            scores: [
                (label.to_string(), score),
                (DIRECTIVE.to_string(), directive),
            ]
            .into_iter()
            .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Article {
        fixtures::article("a")
    }

    fn scored(text: &str, vaccination: f32, directive: f32) -> ScoredSentence {
        fixtures::scored(text, "vaccination", vaccination, directive)
    }

    #[test]
    fn min_evidence_score_decides_presence_but_keeps_the_evidence() {
        // Evidence scores 0.6 × 0.9 = 0.54 and 0.8 × 0.8 = 0.64.
        let s = [scored("weak", 0.6, 0.9), scored("strong", 0.8, 0.8)];
        let mut opts = AggregateOptions::new(BTreeMap::new());
        let at = |opts: &AggregateOptions| summarize(&article(), &s, opts);
        let sum = at(&opts);
        assert_eq!(sum.categories_present, vec!["vaccination".to_string()]);
        assert_eq!(sum.categories["vaccination"].directives[0].text, "strong");

        opts.min_evidence_score = 0.6;
        let sum = at(&opts);
        assert!(sum.categories["vaccination"].present);
        opts.min_sentences = 2;
        let sum = at(&opts);
        assert!(
            !sum.categories["vaccination"].present,
            "only one reaches 0.6"
        );

        opts.min_sentences = 1;
        opts.min_evidence_score = 0.7;
        let sum = at(&opts);
        assert!(sum.categories_present.is_empty());
        let v = &sum.categories["vaccination"];
        assert!(!v.present);
        assert_eq!(
            (v.count, v.directives.len()),
            (2, 2),
            "evidence still listed"
        );
    }
}
