//! The `analyze` job: ingest → segment → score → aggregate → write.
//!
//! Inputs are read in parallel (rayon) in groups, articles are scored in
//! chunks (all sentences of a chunk are de-duplicated, tokenised in
//! parallel and scored in length-sorted batches), and results are written
//! as they are produced, so memory stays bounded by the chunk size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::aggregate::{
    summarize, AggregateOptions, ArticleSummary, CorpusSummary, ScoredSentence,
};
use crate::document::{Article, IngestError, Record};
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions, Input};
use crate::model::Classifier;
use crate::report::csv::ArticleCsvWriter;
use crate::report::html::HtmlReport;
use crate::report::summary::{article_section, corpus_section, RunCounts};
use crate::segment::{split_with, SplitOptions};

/// Scores articles with a classifier and summarises them.
pub struct Analyzer {
    classifier: Classifier,
    aggregate: AggregateOptions,
    split: SplitOptions,
}

impl Analyzer {
    /// An analyzer using the classifier's thresholds and the default rule.
    pub fn new(classifier: Classifier) -> Self {
        let thresholds: BTreeMap<String, f32> = classifier
            .labels()
            .iter()
            .cloned()
            .zip(classifier.model().thresholds.iter().copied())
            .collect();
        Self {
            classifier,
            aggregate: AggregateOptions::new(thresholds),
            split: SplitOptions::default(),
        }
    }

    /// Change the aggregation rule.
    pub fn with_aggregate(mut self, aggregate: AggregateOptions) -> Self {
        self.aggregate = aggregate;
        self
    }

    /// The aggregation rule in use.
    pub fn aggregate_options(&self) -> &AggregateOptions {
        &self.aggregate
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// Segment, score and summarise articles (in order). Identical
    /// sentences are scored once.
    pub fn analyze_articles(&self, articles: &[Article]) -> Result<Vec<ArticleSummary>> {
        let split = self.split;
        let sentences: Vec<_> = articles
            .par_iter()
            .map(|a| split_with(&a.text, split))
            .collect();
        let mut unique: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let slots: Vec<Vec<usize>> = sentences
            .iter()
            .map(|ss| {
                ss.iter()
                    .map(|s| {
                        *index.entry(s.text.as_str()).or_insert_with(|| {
                            unique.push(s.text.as_str());
                            unique.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let scores = self.classifier.predict(&unique)?;
        let labels = self.classifier.labels();
        Ok(articles
            .iter()
            .zip(sentences)
            .zip(slots)
            .map(|((a, ss), slot)| {
                let scored: Vec<ScoredSentence> = ss
                    .into_iter()
                    .zip(slot)
                    .map(|(sentence, k)| ScoredSentence {
                        sentence,
                        scores: labels
                            .iter()
                            .cloned()
                            .zip(scores[k].iter().copied())
                            .collect(),
                    })
                    .collect();
                summarize(a, &scored, &self.aggregate)
            })
            .collect())
    }
}

/// Options of [`analyze`].
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Output directory.
    pub out: PathBuf,
    /// How inputs are read.
    pub ingest: IngestOptions,
    /// Articles scored together (bounds memory).
    pub chunk_articles: usize,
    /// Inputs read in parallel at a time.
    pub chunk_inputs: usize,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Process only this shard of the records.
    pub shard: Option<Shard>,
    /// Also write `articles.csv` (per-article category table).
    pub csv: bool,
}

/// A deterministic 1/N share of the records, chosen by a stable hash of
/// the record id (or, for an error without id, of its path and line):
/// the union of shards 1..=N is the whole input, with no overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or("shard must look like K/N, e.g. 2/4")?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| "bad K in K/N")?,
            n.trim().parse().map_err(|_| "bad N in K/N")?,
        );
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard {k}/{n}: need 1 <= K <= N"));
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// Whether a record belongs to this shard.
    pub fn contains(&self, record: &Record) -> bool {
        let key = match record {
            Ok(a) => a.id.clone(),
            Err(e) => match &e.id {
                Some(id) => id.clone(),
                None => format!("{}:{:?}:{:?}", e.path, e.line, e.byte),
            },
        };
        // FNV-1a: stable across runs, platforms and versions.
        let h = key.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        });
        h % self.n == self.k - 1
    }
}

impl AnalyzeOptions {
    /// Defaults for output directory `out`.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            out: out.into(),
            ingest: IngestOptions::default(),
            chunk_articles: 256,
            chunk_inputs: 64,
            progress: true,
            shard: None,
            csv: false,
        }
    }
}

struct Outputs {
    html: HtmlReport,
    csv: Option<ArticleCsvWriter<BufWriter<File>>>,
    articles: BufWriter<File>,
    errors: BufWriter<File>,
    sections: BufWriter<File>,
    sections_path: PathBuf,
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    Ok(BufWriter::new(
        File::create(path).map_err(|e| Error::io(path, e))?,
    ))
}

impl Outputs {
    fn open(dir: &Path, csv: bool) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let sections_path = dir.join(".summary-articles.md.part");
        let csv_path = dir.join("articles.csv");
        let csv = if csv {
            Some(ArticleCsvWriter::new(create(&csv_path)?).map_err(|e| Error::io(&csv_path, e))?)
        } else {
            None
        };
        Ok(Self {
            html: HtmlReport::create(dir)?,
            csv,
            articles: create(&dir.join("articles.jsonl"))?,
            errors: create(&dir.join("errors.jsonl"))?,
            sections: create(&sections_path)?,
            sections_path,
        })
    }
}

fn write_line<T: serde::Serialize>(w: &mut impl Write, v: &T, path: &Path) -> Result<()> {
    let line = serde_json::to_string(v).expect("serialisable");
    writeln!(w, "{line}").map_err(|e| Error::io(path, e))
}

/// Run the whole job on `paths`; returns the counts (read = summarised + failed).
pub fn analyze(paths: &[PathBuf], analyzer: &Analyzer, opts: &AnalyzeOptions) -> Result<RunCounts> {
    let (inputs, discover_errors) = ingest::discover(paths);
    let mut out = Outputs::open(&opts.out, opts.csv)?;
    let mut counts = RunCounts {
        inputs: inputs.len(),
        ..Default::default()
    };
    let mut corpus = CorpusSummary::new(10);
    let bar = if opts.progress {
        ProgressBar::new(inputs.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} inputs  {msg}  eta {eta}")
            .expect("template")
            .progress_chars("=> "),
    );
    let errors_path = opts.out.join("errors.jsonl");
    let articles_path = opts.out.join("articles.jsonl");
    let fail = |e: &IngestError, out: &mut Outputs, counts: &mut RunCounts| -> Result<()> {
        counts.read += 1;
        counts.failed += 1;
        write_line(&mut out.errors, e, &errors_path)
    };
    let in_shard = |r: &Record| opts.shard.is_none_or(|s| s.contains(r));
    for e in discover_errors.into_iter().map(Err).filter(in_shard) {
        if let Err(e) = &e {
            fail(e, &mut out, &mut counts)?;
        }
    }
    let mut pending: Vec<Article> = Vec::new();
    let flush = |pending: &mut Vec<Article>,
                 out: &mut Outputs,
                 counts: &mut RunCounts,
                 corpus: &mut CorpusSummary|
     -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let summaries = analyzer.analyze_articles(pending)?;
        for (a, s) in pending.iter().zip(&summaries) {
            out.html.add(a, s)?;
            if let Some(csv) = out.csv.as_mut() {
                csv.write(s)
                    .map_err(|e| Error::io(opts.out.join("articles.csv"), e))?;
            }
            counts.read += 1;
            counts.summarised += 1;
            counts.sentences += s.sentences;
            corpus.add(s);
            write_line(&mut out.articles, s, &articles_path)?;
            out.sections
                .write_all(article_section(s).as_bytes())
                .map_err(|e| Error::io(&out.sections_path, e))?;
        }
        out.articles
            .flush()
            .map_err(|e| Error::io(&articles_path, e))?;
        pending.clear();
        Ok(())
    };
    for group in inputs.chunks(opts.chunk_inputs.max(1)) {
        let records: Vec<Vec<Record>> = group
            .par_iter()
            .map(|i| ingest::read_input(i, &opts.ingest))
            .collect();
        for (input, recs) in group.iter().zip(records) {
            for r in recs.into_iter().filter(in_shard) {
                match r {
                    Ok(a) => {
                        pending.push(a);
                        if pending.len() >= opts.chunk_articles {
                            flush(&mut pending, &mut out, &mut counts, &mut corpus)?;
                        }
                    }
                    Err(e) => fail(&e, &mut out, &mut counts)?,
                }
            }
            bar.inc(1);
            bar.set_message(format!(
                "{} articles, {} sentences  ({})",
                counts.summarised,
                counts.sentences,
                input_name(input)
            ));
        }
    }
    flush(&mut pending, &mut out, &mut counts, &mut corpus)?;
    bar.finish_and_clear();
    out.errors.flush().map_err(|e| Error::io(&errors_path, e))?;
    out.sections
        .flush()
        .map_err(|e| Error::io(&out.sections_path, e))?;
    drop(out.sections);
    let model = analyzer.classifier.model().root.display().to_string();
    out.html.finish(&corpus, &counts, &model)?;
    if let Some(csv) = out.csv.take() {
        let csv_path = opts.out.join("articles.csv");
        csv.finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| Error::io(&csv_path, e))?;
    }
    let mut summary = corpus_section(&corpus, &counts, &model);
    summary.push_str("## Articles\n\n");
    let sections = std::fs::read_to_string(&out.sections_path)
        .map_err(|e| Error::io(&out.sections_path, e))?;
    summary.push_str(&sections);
    let summary_path = opts.out.join("summary.md");
    std::fs::write(&summary_path, summary).map_err(|e| Error::io(&summary_path, e))?;
    std::fs::remove_file(&out.sections_path).map_err(|e| Error::io(&out.sections_path, e))?;
    let corpus_path = opts.out.join("corpus.json");
    let corpus_json = serde_json::json!({ "counts": counts, "summary": corpus });
    std::fs::write(
        &corpus_path,
        serde_json::to_string_pretty(&corpus_json).expect("json") + "\n",
    )
    .map_err(|e| Error::io(&corpus_path, e))?;
    Ok(counts)
}

fn input_name(i: &Input) -> String {
    match i {
        Input::File(p) => p.display().to_string().replace("/./", "/"),
        Input::Stdin => "-".into(),
    }
}

/// Streaming mode: JSON Lines articles in, one JSON line out per input
/// line, in input order (an article record, or `{"error", "line", "id"}`),
/// flushed after every batch of `batch` lines. Blank lines are skipped.
pub fn analyze_stream(
    analyzer: &Analyzer,
    input: impl std::io::BufRead,
    mut output: impl Write,
    batch: usize,
) -> Result<RunCounts> {
    let mut reader = ingest::JsonlLineReader::new("-");
    let mut counts = RunCounts {
        inputs: 1,
        ..Default::default()
    };
    let mut lines = input.lines().enumerate();
    loop {
        let mut records: Vec<Record> = Vec::with_capacity(batch);
        for (i, line) in lines.by_ref() {
            let rec = match line {
                Ok(l) => reader.read_line(&l, i as u64 + 1),
                Err(e) => Some(Err(IngestError::at_line(
                    "-",
                    i as u64 + 1,
                    format!("unreadable line: {e}"),
                ))),
            };
            if let Some(r) = rec {
                records.push(r);
                if records.len() >= batch.max(1) {
                    break;
                }
            }
        }
        if records.is_empty() {
            break;
        }
        let articles: Vec<Article> = records
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect();
        let mut summaries = analyzer.analyze_articles(&articles)?.into_iter();
        for r in &records {
            counts.read += 1;
            let line = match r {
                Ok(_) => {
                    let s = summaries.next().expect("one summary per article");
                    counts.summarised += 1;
                    counts.sentences += s.sentences;
                    serde_json::to_string(&s)
                }
                Err(e) => {
                    counts.failed += 1;
                    serde_json::to_string(&serde_json::json!({"id": e.id, "line": e.line, "error": e.reason, "path": e.path}))
                }
            }
            .expect("serialisable");
            writeln!(output, "{line}").map_err(|e| Error::io("<stdout>", e))?;
        }
        output.flush().map_err(|e| Error::io("<stdout>", e))?;
    }
    Ok(counts)
}
