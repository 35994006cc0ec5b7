//! Evaluation of sentence scores against gold labels.
//!
//! Every metric is computed per label (never by flattening the label
//! matrix). Reported: precision, recall, F1, support and PR-AUC (average
//! precision) per label; micro and macro F1 over the four topic labels;
//! directive-category F1 (a sentence counts for a category only when it has
//! the topic label **and** is a directive); 95% bootstrap confidence
//! intervals (sentences resampled with a seeded RNG); calibration (expected
//! calibration error and a 10-bin reliability table per label); gold label
//! co-occurrence; and the false positives / negatives with their scores.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::gold::LabelledSentence;
use crate::labels::{DIRECTIVE, TOPIC_LABELS};
use crate::metrics::{best_thresholds, LabelMetrics};

/// Version of the `metrics.json` schema (bumped on incompatible changes).
pub const SCHEMA_VERSION: u32 = 1;

/// A 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// 2.5th percentile.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
}

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the score bin.
    pub from: f64,
    /// Upper edge.
    pub to: f64,
    /// Sentences in the bin.
    pub count: usize,
    /// Mean score in the bin.
    pub mean_score: f64,
    /// Fraction of gold positives in the bin.
    pub positive_rate: f64,
}

/// Results for one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelReport {
    /// Label name.
    pub label: String,
    /// Decision threshold used.
    pub threshold: f32,
    /// Counts, precision, recall, F1, support.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// Gold positives.
    pub support: usize,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// 95% bootstrap CI of F1.
    pub f1_ci: Interval,
    /// Average precision (area under the precision-recall curve).
    pub pr_auc: f64,
    /// Expected calibration error (10 equal-width bins).
    pub ece: f64,
    /// Reliability table.
    pub reliability: Vec<ReliabilityBin>,
    /// Precision-recall curve points `(recall, precision)`, for plots.
    pub pr_curve: Vec<(f64, f64)>,
}

/// A misclassified sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorCase {
    /// Sentence id.
    pub id: String,
    /// Label concerned.
    pub label: String,
    /// The model's score.
    pub score: f32,
    /// The sentence.
    pub text: String,
}

/// The whole evaluation (`metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Schema version.
    pub schema_version: u32,
    /// What was evaluated (model path or baseline name).
    pub system: String,
    /// The forward-pass engine that scored the sentences (`int8`, `fast`,
    /// `reference`); absent for baselines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Weight α of the transformer when the model blends a lexical
    /// component into its topic scores (`lexical.json`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lexical_transformer_weight: Option<f32>,
    /// Gold file, and the strata left out when a slice of it was scored
    /// (`eval --exclude-stratum`).
    pub gold: String,
    /// Sentences evaluated.
    pub sentences: usize,
    /// Bootstrap resamples and seed.
    pub bootstrap: (usize, u64),
    /// Per label (four topics, then directive).
    pub labels: Vec<LabelReport>,
    /// Micro-F1 over the four topic labels.
    pub micro_f1: f64,
    /// Its CI.
    pub micro_f1_ci: Interval,
    /// Macro-F1 over the four topic labels.
    pub macro_f1: f64,
    /// Its CI.
    pub macro_f1_ci: Interval,
    /// Directive-category F1 per topic label (label ∧ directive).
    pub directive_category: Vec<(String, LabelMetrics)>,
    /// Macro of the directive-category F1s.
    pub directive_category_macro_f1: f64,
    /// Its CI.
    pub directive_category_macro_f1_ci: Interval,
    /// Gold co-occurrence counts: `[a][b]` = sentences with both labels.
    pub cooccurrence: BTreeMap<String, BTreeMap<String, usize>>,
    /// False positives, highest score first.
    pub false_positives: Vec<ErrorCase>,
    /// False negatives, lowest score first.
    pub false_negatives: Vec<ErrorCase>,
}

/// Gold 0/1 matrix, order of `labels`.
pub(crate) fn gold_matrix(gold: &[LabelledSentence], labels: &[String]) -> Vec<Vec<bool>> {
    gold.iter()
        .map(|s| s.targets(labels).iter().map(|&t| t > 0.5).collect())
        .collect()
}

/// Average precision of scores against booleans.
pub fn average_precision(scores: &[f32], gold: &[bool]) -> f64 {
    let positives = gold.iter().filter(|&&g| g).count();
    if positives == 0 {
        return 0.0;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (mut tp, mut ap) = (0usize, 0.0f64);
    for (rank, &i) in idx.iter().enumerate() {
        if gold[i] {
            tp += 1;
            ap += tp as f64 / (rank + 1) as f64;
        }
    }
    ap / positives as f64
}

fn pr_curve(scores: &[f32], gold: &[bool]) -> Vec<(f64, f64)> {
    let positives = gold.iter().filter(|&&g| g).count().max(1);
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut tp = 0usize;
    let mut pts = Vec::new();
    for (rank, &i) in idx.iter().enumerate() {
        tp += gold[i] as usize;
        if gold[i] {
            pts.push((tp as f64 / positives as f64, tp as f64 / (rank + 1) as f64));
        }
    }
    pts
}

/// Reliability table and ECE with `bins` equal-width bins.
pub fn calibration(scores: &[f32], gold: &[bool], bins: usize) -> (Vec<ReliabilityBin>, f64) {
    let mut table = Vec::new();
    let mut ece = 0.0;
    for b in 0..bins {
        let (from, to) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
        let members: Vec<usize> = (0..scores.len())
            .filter(|&i| {
                let s = scores[i] as f64;
                s >= from && (s < to || (b == bins - 1 && s <= to))
            })
            .collect();
        let n = members.len();
        let (mean, rate) = if n == 0 {
            (0.0, 0.0)
        } else {
            (
                members.iter().map(|&i| scores[i] as f64).sum::<f64>() / n as f64,
                members.iter().filter(|&&i| gold[i]).count() as f64 / n as f64,
            )
        };
        if !scores.is_empty() {
            ece += n as f64 / scores.len() as f64 * (mean - rate).abs();
        }
        table.push(ReliabilityBin {
            from,
            to,
            count: n,
            mean_score: mean,
            positive_rate: rate,
        });
    }
    (table, ece)
}

/// Per-sentence predictions of one resample, summarised to the statistics we bootstrap.
pub(crate) fn stats_for(
    idx: &[usize],
    gold: &[Vec<bool>],
    pred: &[Vec<bool>],
    topics: &[usize],
    dir: Option<usize>,
) -> (Vec<f64>, f64, f64, f64) {
    let per_label: Vec<LabelMetrics> = (0..gold.first().map_or(0, Vec::len))
        .map(|j| {
            LabelMetrics::from_pairs(
                idx.iter().map(|&i| gold[i][j]),
                idx.iter().map(|&i| pred[i][j]),
            )
        })
        .collect();
    let f1s: Vec<f64> = per_label.iter().map(|m| m.f1).collect();
    let (tp, fp, fn_) = topics.iter().fold((0, 0, 0), |acc, &j| {
        (
            acc.0 + per_label[j].tp,
            acc.1 + per_label[j].fp,
            acc.2 + per_label[j].fn_,
        )
    });
    let micro = LabelMetrics::from_counts(tp, fp, fn_).f1;
    let macro_ = topics.iter().map(|&j| f1s[j]).sum::<f64>() / topics.len().max(1) as f64;
    let dc = match dir {
        Some(d) => {
            topics
                .iter()
                .map(|&j| {
                    LabelMetrics::from_pairs(
                        idx.iter().map(|&i| gold[i][j] && gold[i][d]),
                        idx.iter().map(|&i| pred[i][j] && pred[i][d]),
                    )
                    .f1
                })
                .sum::<f64>()
                / topics.len().max(1) as f64
        }
        None => 0.0,
    };
    (f1s, micro, macro_, dc)
}

fn percentile_interval(mut v: Vec<f64>) -> Interval {
    if v.is_empty() {
        return Interval {
            low: 0.0,
            high: 0.0,
        };
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    Interval {
        low: at(0.025),
        high: at(0.975),
    }
}

/// How confidence intervals are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Number of resamples.
    pub resamples: usize,
    /// Seed of the resampling RNG.
    pub seed: u64,
}

/// Decisions (score ≥ threshold) per sentence and label.
pub(crate) fn decide(scores: &[Vec<f32>], thresholds: &[f32]) -> Vec<Vec<bool>> {
    scores
        .iter()
        .map(|r| r.iter().zip(thresholds).map(|(s, t)| s >= t).collect())
        .collect()
}

/// Columns of the four topic labels, and of `directive` if present.
pub(crate) fn label_columns(labels: &[String]) -> (Vec<usize>, Option<usize>) {
    let topics = labels
        .iter()
        .enumerate()
        .filter(|(_, l)| TOPIC_LABELS.contains(&l.as_str()))
        .map(|(j, _)| j)
        .collect();
    (topics, labels.iter().position(|l| l == DIRECTIVE))
}

/// One bootstrap resample: `n` sentence indices drawn with replacement.
fn resample(rng: &mut StdRng, n: usize) -> Vec<usize> {
    (0..n).map(|_| rng.gen_range(0..n.max(1))).collect()
}

/// Evaluate `scores` (one row per gold sentence, columns = `labels`) at
/// `thresholds`, with seeded bootstrap resamples.
pub fn evaluate(
    system: &str,
    gold_name: &str,
    gold: &[LabelledSentence],
    scores: &[Vec<f32>],
    labels: &[String],
    thresholds: &[f32],
    bootstrap: Bootstrap,
) -> EvalReport {
    let Bootstrap {
        resamples: n_boot,
        seed,
    } = bootstrap;
    let g = gold_matrix(gold, labels);
    let pred = decide(scores, thresholds);
    let (topics, dir) = label_columns(labels);
    let all: Vec<usize> = (0..gold.len()).collect();
    let (f1s, micro, macro_, dc_macro) = stats_for(&all, &g, &pred, &topics, dir);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut boot_f1: Vec<Vec<f64>> = vec![Vec::new(); labels.len()];
    let (mut bm, mut bma, mut bdc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n_boot {
        let idx = resample(&mut rng, gold.len());
        let (f, mi, ma, dc) = stats_for(&idx, &g, &pred, &topics, dir);
        for (j, x) in f.into_iter().enumerate() {
            boot_f1[j].push(x);
        }
        bm.push(mi);
        bma.push(ma);
        bdc.push(dc);
    }
    let mut reports = Vec::new();
    let mut fps = Vec::new();
    let mut fns = Vec::new();
    for (j, label) in labels.iter().enumerate() {
        let col: Vec<f32> = scores.iter().map(|r| r[j]).collect();
        let gcol: Vec<bool> = g.iter().map(|r| r[j]).collect();
        let m = LabelMetrics::from_pairs(gcol.iter().copied(), pred.iter().map(|r| r[j]));
        let (reliability, ece) = calibration(&col, &gcol, 10);
        for (i, s) in gold.iter().enumerate() {
            let case = || ErrorCase {
                id: s.id.clone(),
                label: label.clone(),
                score: col[i],
                text: s.text.clone(),
            };
            match (gcol[i], pred[i][j]) {
                (false, true) => fps.push(case()),
                (true, false) => fns.push(case()),
                _ => {}
            }
        }
        reports.push(LabelReport {
            label: label.clone(),
            threshold: thresholds[j],
            tp: m.tp,
            fp: m.fp,
            fn_: m.fn_,
            support: m.support,
            precision: m.precision,
            recall: m.recall,
            f1: f1s[j],
            f1_ci: percentile_interval(std::mem::take(&mut boot_f1[j])),
            pr_auc: average_precision(&col, &gcol),
            ece,
            reliability,
            pr_curve: pr_curve(&col, &gcol),
        });
    }
    fps.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    fns.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.id.cmp(&b.id)));
    let directive_category = match dir {
        Some(d) => topics
            .iter()
            .map(|&j| {
                (
                    labels[j].clone(),
                    LabelMetrics::from_pairs(
                        g.iter().map(|r| r[j] && r[d]),
                        pred.iter().map(|r| r[j] && r[d]),
                    ),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let mut cooccurrence = BTreeMap::new();
    for (a, la) in labels.iter().enumerate() {
        let row: BTreeMap<String, usize> = labels
            .iter()
            .enumerate()
            .map(|(b, lb)| (lb.clone(), g.iter().filter(|r| r[a] && r[b]).count()))
            .collect();
        cooccurrence.insert(la.clone(), row);
    }
    EvalReport {
        schema_version: SCHEMA_VERSION,
        system: system.to_string(),
        engine: None,
        lexical_transformer_weight: None,
        gold: gold_name.to_string(),
        sentences: gold.len(),
        bootstrap: (n_boot, seed),
        labels: reports,
        micro_f1: micro,
        micro_f1_ci: percentile_interval(bm),
        macro_f1: macro_,
        macro_f1_ci: percentile_interval(bma),
        directive_category,
        directive_category_macro_f1: dc_macro,
        directive_category_macro_f1_ci: percentile_interval(bdc),
        cooccurrence,
        false_positives: fps,
        false_negatives: fns,
    }
}

/// One summary metric of two systems compared on the same resamples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDifference {
    /// `topic_macro_f1`, `directive_f1` or `directive_category_macro_f1`.
    pub metric: String,
    /// System A's value on the full gold set.
    pub a: f64,
    /// System B's value.
    pub b: f64,
    /// `a - b`.
    pub difference: f64,
    /// 95% paired bootstrap interval of `a - b`.
    pub difference_ci: Interval,
    /// Share of resamples in which A does not beat B (`a - b <= 0`): a
    /// one-sided bootstrap p-value for "A is better".
    pub share_not_better: f64,
}

/// A paired bootstrap comparison of two systems on the same gold sentences
/// (`comparisons.json`). Both systems are scored on the *same* resampled
/// sentence sets, so the interval of the difference is much narrower than
/// two separate intervals would suggest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// System A (the model).
    pub system_a: String,
    /// System B (e.g. a baseline).
    pub system_b: String,
    /// Sentences compared.
    pub sentences: usize,
    /// Bootstrap resamples and seed.
    pub bootstrap: (usize, u64),
    /// Topic macro-F1, directive F1 and directive-category macro-F1.
    pub metrics: Vec<MetricDifference>,
}

/// One system's scores and thresholds, for [`compare_paired`].
pub struct SystemScores<'a> {
    /// Name shown in reports.
    pub name: &'a str,
    /// One row per gold sentence, columns = labels.
    pub scores: &'a [Vec<f32>],
    /// Per-label thresholds.
    pub thresholds: &'a [f32],
}

/// Compare systems A and B on `gold` with a paired bootstrap: the same
/// seeded resamples of sentences (the same sequence `evaluate` draws) are
/// scored for both, and the difference A − B is taken per resample.
pub fn compare_paired(
    gold: &[LabelledSentence],
    labels: &[String],
    a: &SystemScores,
    b: &SystemScores,
    bootstrap: Bootstrap,
) -> PairedComparison {
    let g = gold_matrix(gold, labels);
    let (pa, pb) = (
        decide(a.scores, a.thresholds),
        decide(b.scores, b.thresholds),
    );
    let (topics, dir) = label_columns(labels);
    // (topic macro-F1, directive F1, directive-category macro-F1)
    let summary = |idx: &[usize], pred: &[Vec<bool>]| -> [f64; 3] {
        let (f1s, _, macro_, dc) = stats_for(idx, &g, pred, &topics, dir);
        [macro_, dir.map_or(0.0, |d| f1s[d]), dc]
    };
    let all: Vec<usize> = (0..gold.len()).collect();
    let (full_a, full_b) = (summary(&all, &pa), summary(&all, &pb));
    let mut rng = StdRng::seed_from_u64(bootstrap.seed);
    let mut diffs: [Vec<f64>; 3] = Default::default();
    for _ in 0..bootstrap.resamples {
        let idx = resample(&mut rng, gold.len());
        let (ra, rb) = (summary(&idx, &pa), summary(&idx, &pb));
        for k in 0..3 {
            diffs[k].push(ra[k] - rb[k]);
        }
    }
    let names = [
        "topic_macro_f1",
        "directive_f1",
        "directive_category_macro_f1",
    ];
    let metrics = (0..3)
        .map(|k| {
            let d = std::mem::take(&mut diffs[k]);
            let not_better = if d.is_empty() {
                0.0
            } else {
                d.iter().filter(|&&x| x <= 0.0).count() as f64 / d.len() as f64
            };
            MetricDifference {
                metric: names[k].to_string(),
                a: full_a[k],
                b: full_b[k],
                difference: full_a[k] - full_b[k],
                difference_ci: percentile_interval(d),
                share_not_better: not_better,
            }
        })
        .collect();
    PairedComparison {
        system_a: a.name.to_string(),
        system_b: b.name.to_string(),
        sentences: gold.len(),
        bootstrap: (bootstrap.resamples, bootstrap.seed),
        metrics,
    }
}

/// Markdown table of paired comparisons (one row per system B and metric).
pub fn paired_markdown(comparisons: &[PairedComparison]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let Some(first) = comparisons.first() else {
        return s;
    };
    let _ = writeln!(
        s,
        "## Paired bootstrap: `{}` against each baseline\n\n\
         Both systems scored on the same {} resamples (seed {}) of the {} sentences; \
         the interval is that of the difference, and \"model not better\" is the share \
         of resamples in which the difference is ≤ 0.\n\n\
         | baseline | metric | model | baseline | difference | 95% CI of difference | model not better |\n\
         |---|---|---:|---:|---:|---|---:|",
        first.system_a, first.bootstrap.0, first.bootstrap.1, first.sentences
    );
    for c in comparisons {
        for m in &c.metrics {
            let _ = writeln!(
                s,
                "| {} | {} | {:.3} | {:.3} | {:+.3} | [{:+.3}, {:+.3}] | {:.3} |",
                c.system_b,
                m.metric,
                m.a,
                m.b,
                m.difference,
                m.difference_ci.low,
                m.difference_ci.high,
                m.share_not_better
            );
        }
    }
    s
}

/// Per-label thresholds maximising F1 on (dev) scores; ties go to the higher threshold.
pub fn tune_thresholds(
    gold: &[LabelledSentence],
    scores: &[Vec<f32>],
    labels: &[String],
) -> Vec<f32> {
    let targets: Vec<Vec<f32>> = gold.iter().map(|s| s.targets(labels)).collect();
    best_thresholds(scores, &targets, labels.len())
}

/// `report.md` for an evaluation.
pub fn markdown(r: &EvalReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Evaluation of `{}` on `{}`\n", r.system, r.gold);
    if let Some(engine) = &r.engine {
        let _ = writeln!(s, "Engine: `{engine}`.\n");
    }
    if let Some(alpha) = r.lexical_transformer_weight {
        let _ = writeln!(
            s,
            "Topic scores blend the lexical component: transformer weight {alpha}.\n"
        );
    }
    let _ = writeln!(
        s,
        "{} sentences; 95% CIs from {} bootstrap resamples (seed {}).\n",
        r.sentences, r.bootstrap.0, r.bootstrap.1
    );
    let _ = writeln!(
        s,
        "| label | threshold | precision | recall | F1 | F1 95% CI | support | PR-AUC | ECE |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|---:|---:|---:|");
    for l in &r.labels {
        let _ = writeln!(
            s,
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | [{:.3}, {:.3}] | {} | {:.3} | {:.3} |",
            l.label,
            l.threshold,
            l.precision,
            l.recall,
            l.f1,
            l.f1_ci.low,
            l.f1_ci.high,
            l.support,
            l.pr_auc,
            l.ece
        );
    }
    let _ = writeln!(
        s,
        "\n- topic micro-F1: {:.3} [{:.3}, {:.3}]",
        r.micro_f1, r.micro_f1_ci.low, r.micro_f1_ci.high
    );
    let _ = writeln!(
        s,
        "- topic macro-F1: {:.3} [{:.3}, {:.3}]",
        r.macro_f1, r.macro_f1_ci.low, r.macro_f1_ci.high
    );
    let _ = writeln!(
        s,
        "- directive-category macro-F1: {:.3} [{:.3}, {:.3}]\n",
        r.directive_category_macro_f1,
        r.directive_category_macro_f1_ci.low,
        r.directive_category_macro_f1_ci.high
    );
    let _ = writeln!(
        s,
        "| directive category | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|"
    );
    for (l, m) in &r.directive_category {
        let _ = writeln!(
            s,
            "| {l} | {:.3} | {:.3} | {:.3} | {} |",
            m.precision, m.recall, m.f1, m.support
        );
    }
    let _ = writeln!(s, "\n## Calibration (reliability, 10 bins)\n");
    for l in &r.labels {
        let bins: Vec<String> = l
            .reliability
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| {
                format!(
                    "{:.1}-{:.1}: n={} score {:.2} pos {:.2}",
                    b.from, b.to, b.count, b.mean_score, b.positive_rate
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "- **{}** (ECE {:.3}): {}",
            l.label,
            l.ece,
            bins.join("; ")
        );
    }
    let _ = writeln!(s, "\n## Gold label co-occurrence\n");
    let names: Vec<&String> = r.cooccurrence.keys().collect();
    let _ = writeln!(
        s,
        "| | {} |\n|---|{}",
        names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(names.len())
    );
    for (a, row) in &r.cooccurrence {
        let _ = writeln!(
            s,
            "| {a} | {} |",
            row.values()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    for (title, list) in [
        ("False positives", &r.false_positives),
        ("False negatives", &r.false_negatives),
    ] {
        let _ = writeln!(s, "\n## {title} ({})\n", list.len());
        for e in list.iter().take(200) {
            let _ = writeln!(
                s,
                "- `{}` {} {:.3}: {}",
                e.id,
                e.label,
                e.score,
                e.text.replace('\n', " ")
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::ALL_LABELS;

    fn sentence(i: usize, labels: &[&str], directive: bool) -> LabelledSentence {
        crate::gold::test_sentence(&format!("s{i}"), labels, directive)
    }

    fn names() -> Vec<String> {
        ALL_LABELS.iter().map(|s| s.to_string()).collect()
    }

    const BOOT: Bootstrap = Bootstrap {
        resamples: 200,
        seed: 7,
    };

    #[test]
    fn paired_comparison_of_a_system_with_itself_is_exactly_zero() {
        let gold: Vec<_> = (0..12)
            .map(|i| {
                sentence(
                    i,
                    if i % 3 == 0 { &["vaccination"] } else { &[] },
                    i % 2 == 0,
                )
            })
            .collect();
        let scores: Vec<Vec<f32>> = (0..12)
            .map(|i| vec![0.1, if i % 4 == 0 { 0.9 } else { 0.2 }, 0.1, 0.1, 0.6])
            .collect();
        let s = SystemScores {
            name: "m",
            scores: &scores,
            thresholds: &[0.5; 5],
        };
        let c = compare_paired(&gold, &names(), &s, &s, BOOT);
        let full = evaluate("m", "g", &gold, &scores, &names(), &[0.5; 5], BOOT);
        assert_eq!(c.metrics.len(), 3);
        assert_eq!(c.metrics[0].a, full.macro_f1);
        assert_eq!(c.metrics[2].a, full.directive_category_macro_f1);
        for m in &c.metrics {
            assert_eq!(m.difference, 0.0);
            assert_eq!((m.difference_ci.low, m.difference_ci.high), (0.0, 0.0));
            // a tie is "not better" in every resample
            assert_eq!(m.share_not_better, 1.0);
        }
    }

    #[test]
    fn paired_comparison_of_perfect_against_empty_predictions() {
        // every sentence has every label, so every resample has support for each
        let all = [
            "import_control",
            "vaccination",
            "infection_control",
            "accountability",
        ];
        let gold: Vec<_> = (0..10).map(|i| sentence(i, &all, true)).collect();
        let perfect = vec![vec![1.0f32; 5]; 10];
        let empty = vec![vec![0.0f32; 5]; 10];
        let a = SystemScores {
            name: "perfect",
            scores: &perfect,
            thresholds: &[0.5; 5],
        };
        let b = SystemScores {
            name: "empty",
            scores: &empty,
            thresholds: &[0.5; 5],
        };
        let c = compare_paired(&gold, &names(), &a, &b, BOOT);
        assert_eq!(
            (c.system_a.as_str(), c.system_b.as_str()),
            ("perfect", "empty")
        );
        for m in &c.metrics {
            assert_eq!((m.a, m.b, m.difference), (1.0, 0.0, 1.0), "{}", m.metric);
            assert_eq!((m.difference_ci.low, m.difference_ci.high), (1.0, 1.0));
            assert_eq!(m.share_not_better, 0.0);
        }
        let md = paired_markdown(&[c]);
        assert!(md.contains(
            "| empty | topic_macro_f1 | 1.000 | 0.000 | +1.000 | [+1.000, +1.000] | 0.000 |"
        ));
    }
}
