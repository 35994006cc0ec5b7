//! `summary.md`: corpus counts per category, the top directives with their
//! articles, then one short structured summary per article.

use std::fmt::Write;

use crate::aggregate::{ArticleSummary, CorpusSummary};
use crate::labels::{display_name, TOPIC_LABELS};

/// Counts of a run: every record read is summarised or failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunCounts {
    /// Input files (or stdin) discovered.
    pub inputs: usize,
    /// Records read (articles + failures).
    pub read: usize,
    /// Articles summarised.
    pub summarised: usize,
    /// Records that failed (see errors.jsonl).
    pub failed: usize,
    /// Sentences scored.
    pub sentences: usize,
}

fn one_line(s: &str, max: usize) -> String {
    let s: String = s.chars().filter(|c| *c != '\n' && *c != '|').collect();
    if s.chars().count() <= max {
        s
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

/// The corpus part of `summary.md`.
pub fn corpus_section(c: &CorpusSummary, counts: &RunCounts, model: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# policy-lens summary\n");
    let _ = writeln!(
        s,
        "{} articles read: {} summarised, {} failed (see errors.jsonl). {} sentences scored, {} directive sentences. Model: `{}`.\n",
        counts.read, counts.summarised, counts.failed, c.sentences, c.directives, model
    );
    let _ = writeln!(s, "## Categories\n");
    let _ = writeln!(
        s,
        "| category | | articles with directives | share of articles | directive sentences |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|");
    for l in TOPIC_LABELS {
        let n = c.articles_with.get(l).copied().unwrap_or(0);
        let share = if c.articles == 0 {
            0.0
        } else {
            100.0 * n as f64 / c.articles as f64
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.1}% | {} |",
            l,
            display_name(l),
            n,
            share,
            c.directive_sentences.get(l).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(s, "\n## Top directives\n");
    for l in TOPIC_LABELS {
        let _ = writeln!(s, "### {} {}\n", l, display_name(l));
        match c.top.get(l).filter(|v| !v.is_empty()) {
            None => {
                let _ = writeln!(s, "(none found)\n");
            }
            Some(top) => {
                for t in top {
                    let title = t
                        .title
                        .as_deref()
                        .map(|x| one_line(x, 40))
                        .unwrap_or_default();
                    let _ = writeln!(
                        s,
                        "- {:.2} — {} — *{}* `{}`",
                        t.evidence.score,
                        one_line(&t.evidence.text, 120),
                        title,
                        t.article
                    );
                }
                let _ = writeln!(s);
            }
        }
    }
    s
}

/// The per-article part: heading, metadata, categories and their best
/// evidence, other measures.
pub fn article_section(a: &ArticleSummary) -> String {
    let mut s = String::new();
    let title = a
        .title
        .as_deref()
        .map(|t| one_line(t, 80))
        .unwrap_or_else(|| a.id.clone());
    let _ = writeln!(s, "### {title}\n");
    let meta: Vec<String> = [
        Some(format!("`{}`", a.id)),
        a.date.clone(),
        a.source.clone(),
        Some(format!(
            "{} sentences, {} directives",
            a.sentences, a.directives
        )),
    ]
    .into_iter()
    .flatten()
    .collect();
    let _ = writeln!(s, "{}\n", meta.join(" · "));
    if a.categories_present.is_empty() {
        let _ = writeln!(s, "- categories: none");
    } else {
        let names: Vec<String> = a
            .categories_present
            .iter()
            .map(|l| format!("{l} {}", display_name(l)))
            .collect();
        let _ = writeln!(s, "- categories: {}", names.join(", "));
    }
    for l in &a.categories_present {
        if let Some(cat) = a.categories.get(l) {
            for e in cat.directives.iter().take(2) {
                let _ = writeln!(
                    s,
                    "  - {} ({:.2}): {}",
                    display_name(l),
                    e.score,
                    one_line(&e.text, 100)
                );
            }
        }
    }
    if a.other_count > 0 {
        let _ = writeln!(s, "- other measures: {}", a.other_count);
        for e in a.other_measures.iter().take(2) {
            let _ = writeln!(s, "  - ({:.2}): {}", e.score, one_line(&e.text, 100));
        }
    }
    let _ = writeln!(s);
    s
}
