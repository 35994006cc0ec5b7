//! The model card (`README.md` of a model directory).

use std::path::Path;

use crate::error::{Error, Result};

const START: &str = "<!-- policy-lens:test-metrics -->";
const END: &str = "<!-- /policy-lens:test-metrics -->";

/// Facts a model card states.
pub struct CardInfo<'a> {
    /// Model name.
    pub name: &'a str,
    /// Base encoder description.
    pub base: &'a str,
    /// Training data description (files, sizes, label counts).
    pub data: &'a str,
    /// Training procedure and dev results (markdown).
    pub training: &'a str,
}

/// Write `README.md` into a model directory. The test-metrics section is
/// left as a placeholder for [`set_test_metrics`].
pub fn write_card(dir: &Path, info: &CardInfo) -> Result<()> {
    let sha = super::sha256_file(&dir.join("model.safetensors"))?;
    let text = format!(
        "---\nlanguage: zh\nlicense: other\nlibrary_name: policy-lens\npipeline_tag: text-classification\n---\n\n\
# {name}\n\n\
Multi-label sentence classifier for Chinese epidemic-control texts, made by policy-lens. \
It scores each sentence for `import_control` (外防输入), `vaccination` (疫苗接种), \
`infection_control` (院感防控), `accountability` (考核问责) and `directive` (指令/措施) with \
independent sigmoid outputs; labels are defined in `shared/ANNOTATION.md`.\n\n\
Architecture: BERT encoder + pooler + linear head (`BertForSequenceClassification`, \
`problem_type: multi_label_classification`), weights in float16 safetensors; \
policy-lens runs it on candle (its fused CPU engine, or candle-transformers' `BertModel`). Decision thresholds per label are in \
`thresholds.json` (tuned on the dev split, never on test).\n\n\
## Base model\n\n{base}\n\n\
## Licence and intended use\n\n\
**Research and non-commercial use only.** This model is derived from m3e-small, whose model card \
restricts use to research and non-commercial purposes; the restriction carries over to this \
fine-tuned model. The policy-lens code is MIT-licensed; that licence does not extend to these weights.\n\n\
Intended use: finding directive sentences in Chinese government and news texts about epidemic \
control, for research. Not for decisions about individuals. Trained on 2020 and 2022 texts; \
expect lower accuracy on other genres and periods.\n\n\
## Training data\n\n{data}\n\n\
## Training\n\n{training}\n\n\
## Test metrics\n\n{START}\n(not yet measured: run `policy-lens eval --gold data/gold/test.jsonl --model <this dir> --out OUT --update-card`)\n{END}\n\n\
## Files\n\n\
| file | sha256 |\n|---|---|\n| model.safetensors | `{sha}` |\n",
        name = info.name,
        base = info.base,
        data = info.data,
        training = info.training,
    );
    let path = dir.join("README.md");
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// Replace the test-metrics section of a model card with `markdown`.
pub fn set_test_metrics(dir: &Path, markdown: &str) -> Result<()> {
    let path = dir.join("README.md");
    let card = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let (Some(a), Some(b)) = (card.find(START), card.find(END)) else {
        return Err(Error::model(
            &path,
            "model card has no test-metrics section",
            Some("retrain, or add the policy-lens:test-metrics markers"),
        ));
    };
    let new = format!(
        "{}{START}\n{}\n{}",
        &card[..a],
        markdown.trim_end(),
        &card[b..]
    );
    std::fs::write(&path, new).map_err(|e| Error::io(&path, e))
}

/// The body of a `## heading` section of a model card, if the card has one.
pub fn section(dir: &Path, heading: &str) -> Option<String> {
    let card = std::fs::read_to_string(dir.join("README.md")).ok()?;
    let start = card.find(&format!("\n## {heading}\n"))? + heading.len() + 5;
    let rest = &card[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}
