//! The shipped gold data keeps the properties its evaluation rests on:
//! splits by article, the test split's two draws, no reserved data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use policy_lens::gold::{read_jsonl, read_labelled, stratum_family, LabelledSentence};

fn gold(name: &str) -> Vec<LabelledSentence> {
    read_labelled(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/gold")
            .join(name),
    )
    .unwrap()
}

fn article_ids(name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/article-gold")
        .join(name);
    read_jsonl::<serde_json::Value>(&path)
        .unwrap()
        .into_iter()
        .map(|(_, v)| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn splits_share_no_article_and_no_text() {
    let splits = ["train.jsonl", "dev.jsonl", "test.jsonl"].map(gold);
    let mut split_of_article = BTreeMap::new();
    let mut split_of_text = BTreeMap::new();
    for (k, rows) in splits.iter().enumerate() {
        for r in rows {
            assert!(!r.silver, "{}: gold is never silver", r.id);
            let article = r.article.clone().expect("every gold row names its article");
            assert_eq!(*split_of_article.entry(article).or_insert(k), k, "{}", r.id);
            assert_eq!(
                *split_of_text.entry(r.text.clone()).or_insert(k),
                k,
                "{}",
                r.id
            );
        }
    }
}

#[test]
fn the_test_split_is_its_two_draws() {
    let ids = |rows: Vec<LabelledSentence>| -> BTreeSet<String> {
        rows.into_iter().map(|r| r.id).collect()
    };
    let test = gold("test.jsonl");
    let old = ids(gold("test-rounds1-3.jsonl"));
    let new = ids(gold("test-round9.jsonl"));
    assert_eq!((old.len(), new.len(), test.len()), (720, 994, 1714));
    assert!(old.is_disjoint(&new));
    assert_eq!(ids(test), old.union(&new).cloned().collect());
    // Each row's stratum names its draw.
    const ROUND9: [&str; 6] = ["kw9", "kw9b", "kw9dir", "hard9", "epi9", "rand9"];
    let draw = |r: &LabelledSentence| {
        let family = stratum_family(r).expect("gold rows name their stratum");
        ROUND9.contains(&family)
    };
    assert!(gold("test-round9.jsonl").iter().all(draw));
    assert!(!gold("test-rounds1-3.jsonl").iter().any(draw));
}

#[test]
fn the_test_article_gold_is_its_two_draws() {
    let all = article_ids("articles.jsonl");
    let first = article_ids("test-draw1.jsonl");
    let second = article_ids("test-draw2.jsonl");
    assert_eq!((first.len(), second.len()), (125, 116));
    assert_eq!(all, [first, second].concat());
    let unique: BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "an article is judged once");
    let dev: BTreeSet<_> = article_ids("dev-articles.jsonl").into_iter().collect();
    assert!(all.iter().all(|a| !dev.contains(a)));
}

/// 新闻联播 transcripts of 2020 and 2021 are reserved for independent
/// evaluation: no gold sentence or gold article comes from them.
#[test]
fn no_reserved_transcripts_in_gold() {
    let rows = ["train.jsonl", "dev.jsonl", "test.jsonl"]
        .map(gold)
        .concat();
    let articles = ["articles.jsonl", "dev-articles.jsonl"]
        .map(article_ids)
        .concat();
    let ids = rows
        .iter()
        .map(|r| r.id.as_str())
        .chain(articles.iter().map(String::as_str));
    for id in ids {
        if let Some(date) = id.strip_prefix("cctv-") {
            assert!(
                date.starts_with("2022"),
                "{id}: only 2022 transcripts are used"
            );
        }
    }
}
