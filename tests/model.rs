//! Model loading, training mechanics and train/inference agreement, on the
//! shipped default model.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use policy_lens::gold::LabelledSentence;
use policy_lens::labels::ALL_LABELS;
use policy_lens::model::{default_model_path, Classifier, ModelDir};
use policy_lens::train::{TrainConfig, Trainer};
use policy_lens::Error;

fn labels() -> Vec<String> {
    ALL_LABELS.iter().map(|s| s.to_string()).collect()
}

fn sentence(text: &str, labels: &[&str], directive: bool) -> LabelledSentence {
    LabelledSentence {
        id: text.chars().take(4).collect(),
        text: text.into(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        directive,
        source: "test".into(),
        silver: false,
        article: None,
        stratum: None,
        soft: None,
    }
}

fn batch() -> Vec<LabelledSentence> {
    vec![
        sentence(
            "会议强调，要坚持“人”“物”同防，严把外防输入关口。",
            &["import_control"],
            true,
        ),
        sentence(
            "要积极稳妥推进疫苗接种，精心组织实施“一老一小”接种工作。",
            &["vaccination"],
            true,
        ),
        sentence(
            "会议强调，要加强监督检查，严格考核问责。",
            &["accountability"],
            true,
        ),
        sentence("这是会议现场。", &[], false),
    ]
}

/// Largest element of a tensor of any shape.
fn max_element(t: &Tensor) -> f32 {
    t.flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    max_element(&(a - b).unwrap().abs().unwrap())
}

fn trainer(seed: u64) -> Trainer {
    let model = ModelDir::open(&default_model_path()).expect("default model");
    let cfg = TrainConfig {
        seed,
        ..Default::default()
    };
    Trainer::new(
        &model,
        &labels(),
        &[2.0, 2.0, 2.0, 2.0, 1.0],
        &cfg,
        &Device::Cpu,
    )
    .expect("trainer")
}

fn one_step(t: &mut Trainer) {
    let data = batch();
    let encs = t.encode(&data).unwrap();
    let refs: Vec<_> = encs.iter().collect();
    let ys: Vec<Vec<f32>> = data.iter().map(|s| s.targets(&labels())).collect();
    t.step(&refs, &ys, 1e-3).unwrap();
}

/// The LayerNorm trap: with the fused kernel only the head would learn.
/// One step must change every tensor of encoder and head.
#[test]
fn one_training_step_changes_every_tensor() {
    let mut t = trainer(1);
    let before: HashMap<String, Tensor> = t.model().snapshot().unwrap();
    assert_eq!(
        before.len(),
        5 + 16 * 4 + 4,
        "all encoder, pooler and head tensors are trainable"
    );
    one_step(&mut t);
    let mut unchanged = Vec::new();
    for (name, var) in t.model().named_vars() {
        if max_abs_diff(var.as_tensor(), &before[&name]) == 0.0 {
            unchanged.push(name);
        }
    }
    // Rows of the word-embedding matrix only move for tokens in the batch,
    // but the tensor as a whole must move, like every other tensor.
    assert!(
        unchanged.is_empty(),
        "tensors without gradient: {unchanged:?}"
    );
}

#[test]
fn training_is_reproducible_with_a_seed() {
    let (mut a, mut b) = (trainer(7), trainer(7));
    one_step(&mut a);
    one_step(&mut b);
    let (sa, sb) = (a.model().snapshot().unwrap(), b.model().snapshot().unwrap());
    for (k, v) in &sa {
        assert_eq!(
            max_abs_diff(v, &sb[k]),
            0.0,
            "{k} differs between identical runs"
        );
    }
}

/// The trainable network and candle-transformers' BertModel compute the same function.
#[test]
fn training_network_matches_inference_network() {
    let t = trainer(3);
    let data = batch();
    let encs = t.encode(&data).unwrap();
    let train_scores = t.predict(&encs).unwrap();
    let clf = Classifier::load_with(
        ModelDir::open(&default_model_path()).unwrap(),
        &Device::Cpu,
        policy_lens::model::Engine::Reference,
    )
    .unwrap();
    let texts: Vec<&str> = data.iter().map(|s| s.text.as_str()).collect();
    let infer_scores = clf.predict(&texts).unwrap();
    for (a, b) in train_scores.iter().zip(&infer_scores) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
    }
}

#[test]
fn scores_do_not_depend_on_batching() {
    let clf =
        Classifier::load(ModelDir::open(&default_model_path()).unwrap(), &Device::Cpu).unwrap();
    let data = batch();
    let texts: Vec<&str> = data.iter().map(|s| s.text.as_str()).collect();
    let together = clf.predict(&texts).unwrap();
    for (i, t) in texts.iter().enumerate() {
        let alone = clf.predict(&[t]).unwrap();
        for (x, y) in alone[0].iter().zip(&together[i]) {
            assert!((x - y).abs() < 1e-4, "padding changed a score: {x} vs {y}");
        }
    }
}

fn copy_model(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(default_model_path()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

fn load_err(dir: &Path) -> String {
    let err = ModelDir::open(dir)
        .and_then(|m| Classifier::load(m, &Device::Cpu))
        .err()
        .expect("must fail");
    assert!(
        matches!(err, Error::Model { .. }),
        "model problems are Error::Model: {err}"
    );
    err.to_string()
}

#[test]
fn broken_model_directories_give_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("m");
    copy_model(&dir);
    let weights = dir.join("model.safetensors");
    let good = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &good[..good.len() / 2]).unwrap();
    assert!(load_err(&dir).contains("truncated"));
    std::fs::write(&weights, b"not a safetensors file at all").unwrap();
    assert!(load_err(&dir).contains("model.safetensors"));
    std::fs::remove_file(&weights).unwrap();
    assert!(load_err(&dir).contains("missing weights"));
    std::fs::write(&weights, &good).unwrap();
    std::fs::write(
        dir.join("labels.json"),
        r#"["import_control","vaccination"]"#,
    )
    .unwrap();
    assert!(load_err(&dir).contains("labels.json"));
    std::fs::remove_file(dir.join("labels.json")).unwrap();
    std::fs::write(dir.join("tokenizer.json"), b"{}").unwrap();
    assert!(load_err(&dir).contains("tokenizer"));
}

#[test]
fn aggregate_settings_are_read_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("m");
    copy_model(&dir);
    let file = dir.join("aggregate.json");
    std::fs::write(&file, r#"{"min_evidence_score": 0.4}"#).unwrap();
    assert_eq!(ModelDir::open(&dir).unwrap().min_evidence_score, 0.4);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(ModelDir::open(&dir).unwrap().min_evidence_score, 0.0);
    for bad in [
        r#"{"min_evidence_score": 1.5}"#,
        r#"{"min_evidence": 0.4}"#,
        "0.4",
    ] {
        std::fs::write(&file, bad).unwrap();
        let err = ModelDir::open(&dir).unwrap_err().to_string();
        assert!(err.contains("aggregate.json"), "{bad}: {err}");
    }
}

#[test]
fn uncached_hub_id_is_an_error_not_a_download() {
    std::env::set_var("HF_HOME", tempfile::tempdir().unwrap().path());
    let err = ModelDir::resolve("nobody/no-such-model")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not in the local Hugging Face cache"), "{err}");
}

/// Real sentences of varied length from the test split.
fn gold_texts(n: usize) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gold/test.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .take(n)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn fast_engine_matches_candle_transformers_bert() {
    use policy_lens::model::Engine;
    let dir = ModelDir::open(&default_model_path()).unwrap();
    let fast = Classifier::load_with(dir.clone(), &Device::Cpu, Engine::Fast).unwrap();
    let reference = Classifier::load_with(dir, &Device::Cpu, Engine::Reference).unwrap();
    assert_eq!(fast.engine(), Engine::Fast);
    assert_eq!(reference.engine(), Engine::Reference);
    let texts = gold_texts(200);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let a = fast.predict(&texts).unwrap();
    let b = reference.predict(&texts).unwrap();
    let worst = a
        .iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-5, "engines differ by {worst}");
}

/// The 8-bit engine stays within quantisation error of the f32 one and
/// takes the same decisions on nearly every (sentence, label); `auto`
/// picks it exactly when the CPU has AVX-512 VNNI.
#[test]
fn int8_engine_is_close_to_f32() {
    use policy_lens::model::Engine;
    let dir = ModelDir::open(&default_model_path()).unwrap();
    let thresholds = dir.thresholds.clone();
    let int8 = Classifier::load_with(dir.clone(), &Device::Cpu, Engine::Int8).unwrap();
    let fast = Classifier::load_with(dir.clone(), &Device::Cpu, Engine::Fast).unwrap();
    let auto = Classifier::load_with(dir, &Device::Cpu, Engine::Auto).unwrap();
    let want = if policy_lens::model::int8::has_vnni() {
        Engine::Int8
    } else {
        Engine::Fast
    };
    assert_eq!(auto.engine(), want);
    let texts = gold_texts(200);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let a = int8.predict(&texts).unwrap();
    let b = fast.predict(&texts).unwrap();
    let (mut worst, mut sum, mut flips, mut n) = (0f32, 0f32, 0, 0);
    for (x, y) in a.iter().zip(&b) {
        for ((x, y), t) in x.iter().zip(y).zip(&thresholds) {
            worst = worst.max((x - y).abs());
            sum += (x - y).abs();
            flips += usize::from((x >= t) != (y >= t));
            n += 1;
        }
    }
    assert!(worst < 0.3, "max difference {worst}");
    assert!(
        sum / (n as f32) < 0.01,
        "mean difference {}",
        sum / n as f32
    );
    assert!(flips * 100 <= n, "{flips} of {n} decisions differ");
}

#[test]
fn hf_export_loads_back_with_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hf");
    let src = ModelDir::open(&default_model_path()).unwrap();
    let report = policy_lens::model::export::export_hf(&src, &out).unwrap();
    assert_eq!(report.tensors, 73);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["problem_type"], "multi_label_classification");
    assert_eq!(config["id2label"]["4"], "directive");
    assert_eq!(config["architectures"][0], "BertForSequenceClassification");
    let tok: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("tokenizer_config.json")).unwrap()).unwrap();
    assert_eq!(
        tok["do_lower_case"], false,
        "must match tokenizer.json's normaliser"
    );
    // Float32 weights with HF names.
    let w = candle_core::safetensors::load(out.join("model.safetensors"), &Device::Cpu).unwrap();
    assert_eq!(w["classifier.weight"].dtype(), candle_core::DType::F32);
    assert!(w.contains_key("bert.encoder.layer.3.output.LayerNorm.weight"));

    // Loads as a policy-lens model (also without the policy-lens files).
    for f in ["labels.json", "thresholds.json", "README.md"] {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    let exported = ModelDir::open(&out).unwrap();
    assert_eq!(exported.labels, src.labels);
    assert_eq!(exported.max_length, src.max_length);
    let a = Classifier::load(src, &Device::Cpu).unwrap();
    let b = Classifier::load(exported, &Device::Cpu).unwrap();
    let texts = gold_texts(40);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    for (x, y) in a
        .predict(&texts)
        .unwrap()
        .iter()
        .flatten()
        .zip(b.predict(&texts).unwrap().iter().flatten())
    {
        assert!((x - y).abs() < 1e-6, "{x} vs {y}");
    }
}

/// transformers itself on the export, when the benchmark's virtualenv
/// (evaluation/bench/setup.sh) is present; skipped otherwise.
#[test]
fn hf_export_matches_transformers_when_available() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv-bench/bin/python");
    if !python.exists() {
        eprintln!("skipped: no .venv-bench (run evaluation/bench/setup.sh)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hf");
    let src = ModelDir::open(&default_model_path()).unwrap();
    policy_lens::model::export::export_hf(&src, &out).unwrap();
    let texts = gold_texts(60);
    let input = dir.path().join("in.jsonl");
    let lines: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": i, "text": t}).to_string())
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let peer_out = dir.path().join("peer.jsonl");
    let o = std::process::Command::new(&python)
        .arg(root.join("evaluation/bench/peer.py"))
        .arg("--model")
        .arg(&out)
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&peer_out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The f32 engine: the export is compared with the model, not with
    // its 8-bit approximation.
    let clf = Classifier::load_with(src, &Device::Cpu, policy_lens::model::Engine::Fast).unwrap();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let ours = clf.predict(&refs).unwrap();
    for (i, line) in std::fs::read_to_string(&peer_out)
        .unwrap()
        .lines()
        .enumerate()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for (j, l) in clf.labels().iter().enumerate() {
            let p = v["scores"][l].as_f64().unwrap() as f32;
            assert!((p - ours[i][j]).abs() < 1e-4, "{l}: {p} vs {}", ours[i][j]);
        }
    }
}

#[test]
fn a_student_keeps_the_bottom_layers() {
    let mut base = ModelDir::open(&default_model_path()).unwrap();
    let mut weights =
        policy_lens::model::trainable::read_weights(&base.weights, &Device::Cpu).unwrap();
    let before = weights.len();
    policy_lens::train::keep_bottom_layers(&mut base, &mut weights, 2).unwrap();
    assert_eq!(base.config.num_hidden_layers, 2);
    assert_eq!(base.config_json["num_hidden_layers"], 2);
    assert_eq!(weights.len(), before - 2 * 16);
    assert!(weights.contains_key("bert.encoder.layer.1.output.dense.weight"));
    assert!(!weights.contains_key("bert.encoder.layer.2.output.dense.weight"));
    assert!(policy_lens::train::keep_bottom_layers(&mut base, &mut weights, 3).is_err());
}

#[test]
fn averaging_weights_is_a_mean_and_checks_its_ingredients() {
    use policy_lens::model::average::average_models;
    let dir = tempfile::tempdir().unwrap();
    let default = default_model_path();
    // A second ingredient: the default model with every weight doubled, so the
    // mean of the two is 1.5x the original, tensor by tensor.
    let doubled = dir.path().join("doubled");
    copy_model(&doubled);
    let w =
        candle_core::safetensors::load(default.join("model.safetensors"), &Device::Cpu).unwrap();
    let twice: HashMap<String, Tensor> = w
        .iter()
        .map(|(k, t)| (k.clone(), (t * 2.0).unwrap()))
        .collect();
    candle_core::safetensors::save(&twice, doubled.join("model.safetensors")).unwrap();

    let out = dir.path().join("soup");
    let avg = average_models(&[default.clone(), doubled.clone()], &out).unwrap();
    assert_eq!(avg.tensors, w.len());
    assert_eq!(avg.ingredients.len(), 2);
    let mean = candle_core::safetensors::load(out.join("model.safetensors"), &Device::Cpu).unwrap();
    for (k, t) in &w {
        let want = (t.to_dtype(candle_core::DType::F32).unwrap() * 1.5).unwrap();
        assert_eq!(mean[k].dtype(), t.dtype(), "{k} keeps its dtype");
        let got = mean[k].to_dtype(candle_core::DType::F32).unwrap();
        // Within f16 rounding of the exact mean.
        let excess = max_element(
            &((&got - &want).unwrap().abs().unwrap() - (want.abs().unwrap() * 2e-3).unwrap())
                .unwrap(),
        );
        assert!(
            excess <= 1e-6,
            "{k}: off the mean by {excess} beyond f16 rounding"
        );
    }
    // The result is a loadable model directory.
    ModelDir::open(&out).unwrap();

    // Writing over an ingredient, one model, or a model of another
    // architecture is refused with a reason.
    let e = average_models(&[default.clone(), doubled.clone()], &doubled).unwrap_err();
    assert!(e.to_string().contains("one of the models"), "{e}");
    let e = average_models(std::slice::from_ref(&default), &dir.path().join("x")).unwrap_err();
    assert!(e.to_string().contains("at least two"), "{e}");
    let fast = default.parent().unwrap().join("policy-lens-m3e-small-fast");
    let e = average_models(&[default, fast], &dir.path().join("y")).unwrap_err();
    assert!(e.to_string().contains("architecture"), "{e}");
}
