//! Labelled sentence files (gold and silver), JSON Lines as in
//! `ANNOTATION.md`: `{"id","text","labels":[...],"directive":bool,"source","silver"}`.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::labels::{ALL_LABELS, DIRECTIVE};

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledSentence {
    /// Sentence id (`<article id>-sNNN`).
    pub id: String,
    /// The sentence.
    pub text: String,
    /// Topic labels (subset of the four topic labels).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Directive flag.
    pub directive: bool,
    /// Corpus the sentence was drawn from.
    #[serde(default)]
    pub source: String,
    /// True for keyword-made labels; silver data is never used to measure.
    #[serde(default)]
    pub silver: bool,
    /// Article id (splits never share an article).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// Sampling stratum the sentence was drawn from (see data/README.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stratum: Option<String>,
    /// Soft targets (probability per label) from a teacher model, for
    /// distillation; they replace the 0/1 targets in training. Such
    /// sentences are machine-labelled and must be marked `silver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft: Option<std::collections::BTreeMap<String, f32>>,
}

impl LabelledSentence {
    /// Targets in the order of `labels` (topic labels and `directive`):
    /// the soft targets when present, else 0/1 from the labels.
    pub fn targets(&self, labels: &[String]) -> Vec<f32> {
        if let Some(soft) = &self.soft {
            return labels
                .iter()
                .map(|l| soft.get(l).copied().unwrap_or(0.0).clamp(0.0, 1.0))
                .collect();
        }
        labels
            .iter()
            .map(|l| {
                let on = if l == DIRECTIVE {
                    self.directive
                } else {
                    self.labels.iter().any(|x| x == l)
                };
                if on {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    }
}

/// Read a JSON Lines file of `T`, skipping blank lines; returns each
/// record with its 1-based line number. A bad line is an [`Error::Data`]
/// naming the file and line.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<(usize, T)>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line).map_err(|e| Error::Data {
            path: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push((i + 1, v));
    }
    Ok(out)
}

/// Read a labelled JSONL file, checking every line.
pub fn read_labelled(path: &Path) -> Result<Vec<LabelledSentence>> {
    let mut out = Vec::new();
    for (line, s) in read_jsonl::<LabelledSentence>(path)? {
        let bad = |message: String| Error::Data {
            path: path.to_path_buf(),
            line,
            message,
        };
        if let Some(l) = s
            .labels
            .iter()
            .find(|l| !ALL_LABELS[..4].contains(&l.as_str()))
        {
            return Err(bad(format!("unknown label {l:?}")));
        }
        out.push(s);
    }
    Ok(out)
}

/// The stratum family of a gold sentence: its `stratum` up to the first
/// `:` (`kw9b` for `kw9b:infection_control`), or `None` when it has none.
pub fn stratum_family(s: &LabelledSentence) -> Option<&str> {
    s.stratum.as_deref().and_then(|st| st.split(':').next())
}

/// Drop the sentences whose stratum family is one of `families`, to
/// evaluate a slice of a gold file (e.g. a test split without one of its
/// sampling strata). Sentences without a stratum are kept.
pub fn without_strata(rows: Vec<LabelledSentence>, families: &[String]) -> Vec<LabelledSentence> {
    rows.into_iter()
        .filter(|s| !stratum_family(s).is_some_and(|f| families.iter().any(|x| x == f)))
        .collect()
}

/// A gold sentence for unit tests: `id`, its labels and directive flag, the
/// text `"<id>。"`, no article, stratum or soft targets.
#[cfg(test)]
pub(crate) fn test_sentence(id: &str, labels: &[&str], directive: bool) -> LabelledSentence {
    LabelledSentence {
        id: id.into(),
        text: format!("{id}。"),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        directive,
        source: "test".into(),
        silver: false,
        article: None,
        stratum: None,
        soft: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, stratum: Option<&str>) -> LabelledSentence {
        LabelledSentence {
            stratum: stratum.map(Into::into),
            ..test_sentence(id, &[], true)
        }
    }

    #[test]
    fn strata_are_dropped_by_family_not_by_prefix() {
        let rows = vec![
            row("a", Some("kw9b:infection_control")),
            row("b", Some("kw9:infection_control")),
            row("c", Some("kw9dir:vaccination")),
            row("d", None),
        ];
        let kept: Vec<_> = without_strata(rows, &["kw9b".into()])
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(kept, ["b", "c", "d"]);
    }
}
