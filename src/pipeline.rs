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

use crate::aggregate::{summarize, AggregateOptions, ArticleSummary, ScoredSentence};
use crate::document::{Article, IngestError, Record};
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions};
use crate::journal::{self, Commit, Journal, RunKey};
use crate::model::Classifier;
use crate::report::build::{write_reports, StoredText};
use crate::report::summary::RunCounts;
use crate::segment::{split_with, SplitOptions};

/// Scores articles with a classifier and summarises them.
pub struct Analyzer {
    classifier: Classifier,
    aggregate: AggregateOptions,
    split: SplitOptions,
}

impl Analyzer {
    /// An analyzer using the classifier's thresholds and article rule
    /// (`thresholds.json`, `aggregate.json`).
    pub fn new(classifier: Classifier) -> Self {
        let thresholds: BTreeMap<String, f32> = classifier
            .labels()
            .iter()
            .cloned()
            .zip(classifier.model().thresholds.iter().copied())
            .collect();
        let mut aggregate = AggregateOptions::new(thresholds);
        aggregate.min_evidence_score = classifier.model().min_evidence_score;
        Self {
            classifier,
            aggregate,
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

fn write_line<T: serde::Serialize>(w: &mut impl Write, v: &T, path: &Path) -> Result<u64> {
    let line = serde_json::to_string(v).expect("serialisable") + "\n";
    w.write_all(line.as_bytes())
        .map_err(|e| Error::io(path, e))?;
    Ok(line.len() as u64)
}

/// An output file written by lines, with its length tracked for commits.
struct Sink {
    path: PathBuf,
    w: BufWriter<File>,
    len: u64,
}

impl Sink {
    fn open(path: PathBuf, len: u64) -> Result<Self> {
        let f = journal::open_truncated(&path, len)?;
        Ok(Self {
            path,
            w: BufWriter::new(f),
            len,
        })
    }
    fn line<T: serde::Serialize>(&mut self, v: &T) -> Result<()> {
        self.len += write_line(&mut self.w, v, &self.path)?;
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))?;
        self.w
            .get_ref()
            .sync_data()
            .map_err(|e| Error::io(&self.path, e))
    }
}

/// The state of one `analyze` run: its journal, output sinks, counts, the
/// articles waiting to be scored and the inputs waiting to be committed.
struct Run<'a> {
    analyzer: &'a Analyzer,
    journal: Journal,
    counts: RunCounts,
    articles: Sink,
    errors: Sink,
    texts: Sink,
    pending: Vec<Article>,
    uncommitted: Vec<(String, String)>,
}

impl<'a> Run<'a> {
    /// Open (or resume) the run writing to `opts.out`.
    fn open(
        analyzer: &'a Analyzer,
        opts: &AnalyzeOptions,
        paths: &[PathBuf],
        texts_path: &Path,
    ) -> Result<Self> {
        let (journal, _resumed) = Journal::open(&opts.out, &run_key(paths, analyzer, opts)?)?;
        let last = journal.last().cloned();
        let end = |f: fn(&Commit) -> u64| last.as_ref().map_or(0, f);
        Ok(Self {
            analyzer,
            counts: last.as_ref().map(|c| c.counts).unwrap_or_default(),
            articles: Sink::open(opts.out.join("articles.jsonl"), end(|c| c.articles_end))?,
            errors: Sink::open(opts.out.join("errors.jsonl"), end(|c| c.errors_end))?,
            texts: Sink::open(texts_path.to_path_buf(), end(|c| c.texts_end))?,
            journal,
            pending: Vec::new(),
            uncommitted: Vec::new(),
        })
    }

    /// Count a record that could not be read and write it to `errors.jsonl`.
    fn fail(&mut self, e: &IngestError) -> Result<()> {
        self.counts.read += 1;
        self.counts.failed += 1;
        self.errors.line(e)
    }

    /// Score the pending articles and write their records.
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let summaries = self.analyzer.analyze_articles(&self.pending)?;
        for (a, s) in self.pending.iter().zip(&summaries) {
            self.counts.read += 1;
            self.counts.summarised += 1;
            self.counts.sentences += s.sentences;
            self.articles.line(s)?;
            self.texts.line(&StoredText {
                id: a.id.clone(),
                text: a.text.clone(),
            })?;
        }
        self.pending.clear();
        Ok(())
    }

    /// Score what is pending, then make everything written so far durable
    /// and record the finished inputs in the journal.
    fn commit(&mut self) -> Result<()> {
        self.flush()?;
        for sink in [&mut self.articles, &mut self.errors, &mut self.texts] {
            sink.flush()?;
        }
        self.journal.commit(Commit {
            inputs: std::mem::take(&mut self.uncommitted),
            articles_end: self.articles.len,
            errors_end: self.errors.len,
            texts_end: self.texts.len,
            counts: self.counts,
        })
    }
}

/// What identifies a run for resuming: model weights and settings.
fn run_key(paths: &[PathBuf], analyzer: &Analyzer, opts: &AnalyzeOptions) -> Result<RunKey> {
    let model = analyzer.classifier.model();
    Ok(RunKey {
        version: 1,
        weights_sha256: crate::model::sha256_file(&model.weights)?,
        settings: format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {}",
            paths,
            model.thresholds,
            analyzer.aggregate,
            opts.shard,
            opts.ingest,
            analyzer.split,
            opts.chunk_articles
        ),
    })
}

/// Run the whole job on `paths`; returns the counts (read = summarised + failed).
///
/// Records go to `articles.jsonl` / `errors.jsonl` as they are produced and
/// are committed input by input in `OUT/.policy-lens/journal.jsonl`; a run
/// killed at any point resumes when the same command is run again (see
/// [`crate::journal`]), skipping committed inputs and giving the same
/// records as an uninterrupted run. Scoring batches are formed from the
/// input sequence alone, so a resumed run scores every sentence in the same
/// batch as an uninterrupted one. The reports are then built from the
/// records.
pub fn analyze(paths: &[PathBuf], analyzer: &Analyzer, opts: &AnalyzeOptions) -> Result<RunCounts> {
    let (inputs, discover_errors) = ingest::discover(paths);
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let texts_path = journal::state_dir(&opts.out).join("texts.jsonl");
    let mut run = Run::open(analyzer, opts, paths, &texts_path)?;
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
    let in_shard = |r: &Record| opts.shard.is_none_or(|s| s.contains(r));

    let discover_key = (
        "<discover>".to_string(),
        journal::sha256_hex(format!("{paths:?}").as_bytes()),
    );
    if !run.journal.is_committed(&discover_key.0, &discover_key.1) {
        for e in discover_errors.into_iter().map(Err).filter(in_shard) {
            if let Err(e) = &e {
                run.fail(e)?;
            }
        }
        run.uncommitted.push(discover_key);
        run.commit()?;
    }
    for group in inputs.chunks(opts.chunk_inputs.max(1)) {
        let journal = &run.journal;
        let loaded: Vec<(String, String, Option<Vec<Record>>)> = group
            .par_iter()
            .map(|input| {
                let name = ingest::input_name(input);
                match ingest::load(input) {
                    Ok(bytes) => {
                        let hash = journal::sha256_hex(&bytes);
                        let records = (!journal.is_committed(&name, &hash))
                            .then(|| ingest::read_bytes(&name, &bytes, &opts.ingest));
                        (name, hash, records)
                    }
                    Err(e) => (name, String::new(), Some(vec![Err(e)])),
                }
            })
            .collect();
        for (name, hash, records) in loaded {
            bar.inc(1);
            let Some(records) = records else { continue };
            let records: Vec<Record> = records.into_iter().filter(in_shard).collect();
            let n_articles = records.iter().filter(|r| r.is_ok()).count();
            // Batches depend on the input sequence alone: a large input
            // starts a batch of its own.
            if !run.pending.is_empty() && run.pending.len() + n_articles > opts.chunk_articles {
                run.commit()?;
            }
            for r in records {
                match r {
                    Ok(a) => {
                        run.pending.push(a);
                        if run.pending.len() >= opts.chunk_articles {
                            run.flush()?;
                        }
                    }
                    Err(e) => run.fail(&e)?,
                }
            }
            run.uncommitted.push((name.replace("/./", "/"), hash));
            if run.pending.is_empty() || run.pending.len() >= opts.chunk_articles {
                run.commit()?;
            }
            bar.set_message(format!(
                "{} articles, {} sentences  ({})",
                run.counts.summarised,
                run.counts.sentences,
                name.replace("/./", "/")
            ));
        }
    }
    run.commit()?;
    let mut counts = run.counts;
    bar.finish_and_clear();
    counts.inputs = inputs.len();
    // The model's directory name, not its absolute path (reports are
    // shared), and the engine that scored (int8 scores differ from f32 by
    // quantisation error).
    let root = &analyzer.classifier.model().root;
    let model = format!(
        "{}, engine {}",
        root.file_name().map_or_else(
            || root.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        analyzer.classifier.engine().name()
    );
    write_reports(&opts.out, &texts_path, &counts, &model, opts.csv)?;
    Ok(counts)
}

/// Streaming mode: JSON Lines articles in, one JSON line out per input
/// line, in input order (an article record, or `{"error", "line", "id"}`),
/// flushed after every batch of `batch` lines. Blank lines are skipped;
/// article bodies over `max_chars` characters become error records.
pub fn analyze_stream(
    analyzer: &Analyzer,
    input: impl std::io::BufRead,
    mut output: impl Write,
    batch: usize,
    max_chars: usize,
) -> Result<RunCounts> {
    let mut reader = ingest::JsonlLineReader::new("-").with_max_chars(max_chars);
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
