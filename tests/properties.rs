//! Property checks on random inputs (seeded, so failures reproduce): the
//! splitter and the ingest readers never panic, offsets always point into
//! the text, and sentences put back together give the text again (modulo
//! whitespace).
//!
//! The suite runs a fixed number of cases. `scripts/fuzz.sh` runs the same
//! targets for a time budget instead (`POLICY_LENS_FUZZ_SECS`), with a new
//! seed per round (`POLICY_LENS_FUZZ_SEED` replays one).

use std::time::{Duration, Instant};

use policy_lens::ingest::{read_bytes, Format, IngestOptions, JsonlLineReader};
use policy_lens::segment::{split_with, SplitOptions};

/// xorshift64*: a tiny seeded generator (no dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const ALPHABET: &[char] = &[
    '要', '防', '控', '疫', '情', '。', '！', '？', '；', '，', '、', '“', '”', '「', '」', '《',
    '》', '（', '）', '(', ')', '【', '】', '‘', '’', '\n', '\r', ' ', '\u{3000}', '\t', 'a', 'Z',
    '1', '.', '!', '?', ';', ':', '"', '{', '}', '<', '>', '/', '\u{feff}', '\u{0}', '😀', 'é',
];

fn random_text(rng: &mut Rng, max: usize) -> String {
    let n = rng.below(max);
    (0..n).map(|_| *rng.pick(ALPHABET)).collect()
}

/// Like [`random_text`] without NUL, so that inputs are not simply
/// rejected as binary and the parsers behind the detector get exercised.
fn random_textual(rng: &mut Rng, max: usize) -> String {
    random_text(rng, max).replace('\u{0}', "")
}

/// Runs `case` over seeded RNGs: a fixed count in the test suite, or for
/// `POLICY_LENS_FUZZ_SECS` seconds under `scripts/fuzz.sh`.
fn run(target: &str, fixed_cases: usize, case: impl Fn(&mut Rng, u64)) {
    let budget = std::env::var("POLICY_LENS_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let base: u64 = std::env::var("POLICY_LENS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_abcd_ef01);
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        let seed = base.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
        case(&mut Rng(seed), seed);
        n += 1;
        match budget {
            Some(secs) if start.elapsed() < Duration::from_secs(secs) => {}
            Some(_) => break,
            None if (n as usize) < fixed_cases => {}
            None => break,
        }
    }
    if budget.is_some() {
        println!(
            "fuzz target {target}: {n} cases in {:.0}s, no failure",
            start.elapsed().as_secs_f64()
        );
    }
}

#[test]
fn splitter_invariants_hold_on_random_text() {
    run("splitter", 3000, |rng, seed| {
        let text = random_text(rng, 400);
        let max_chars = 8 + rng.below(200);
        let chars: Vec<char> = text.chars().collect();
        let sentences = split_with(&text, SplitOptions { max_chars });
        let mut last_end = 0;
        for s in &sentences {
            assert!(
                s.start < s.end && s.end <= chars.len(),
                "seed {seed}: bad offsets {s:?}"
            );
            assert!(s.start >= last_end, "seed {seed}: overlapping sentences");
            assert_eq!(
                chars[s.start..s.end].iter().collect::<String>(),
                s.text,
                "seed {seed}"
            );
            assert!(
                s.text.chars().count() <= max_chars,
                "seed {seed}: sentence longer than the bound"
            );
            assert!(!s.text.trim().is_empty());
            last_end = s.end;
        }
        let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let joined: String = sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            squash(&joined),
            squash(&text),
            "seed {seed}: text lost or duplicated"
        );
    });
}

fn check_records(records: &[policy_lens::Record], seed: u64) {
    for r in records {
        match r {
            Ok(a) => {
                assert!(!a.text.trim().is_empty(), "seed {seed}: empty article kept");
                assert!(!a.id.is_empty(), "seed {seed}: empty id");
            }
            Err(e) => assert!(!e.reason.is_empty(), "seed {seed}: error without reason"),
        }
    }
}

/// Random bytes with some invalid UTF-8 and structure characters.
fn noisy_bytes(rng: &mut Rng, base: String) -> Vec<u8> {
    let mut bytes = base.into_bytes();
    for _ in 0..rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(
            at,
            *rng.pick(&[0xff, 0xc3, 0x80, b'{', b'<', b',', b'"', b'\n']),
        );
    }
    bytes
}

#[test]
fn text_and_html_ingest_never_panic() {
    const TAGS: &[&str] = &[
        "<html>",
        "</html>",
        "<body>",
        "</body>",
        "<p>",
        "</p>",
        "<div class=\"nav\">",
        "</div>",
        "<script>var a=1;</script>",
        "<br>",
        "<h1>",
        "</h1>",
        "<title>",
        "</title>",
        "<meta charset=\"gb2312\">",
        "<a href=\"x\">",
        "</a>",
        "<!--",
        "-->",
        "&amp;",
        "&#x4e2d;",
        "来源：新华社",
        "2022-03-04",
        "版权所有",
        "记者 张三 摄",
        "原标题：",
        " | ",
        "\n",
    ];
    run("text-html", 1500, |rng, seed| {
        let mut s = String::new();
        for _ in 0..rng.below(60) {
            if rng.below(2) == 0 {
                s += *rng.pick(TAGS);
            } else {
                s += &random_textual(rng, 30);
            }
        }
        let bytes = noisy_bytes(rng, s);
        let name = *rng.pick(&["x.txt", "x.html", "x.md", "-", "x"]);
        let format = *rng.pick(&[Format::Auto, Format::Text, Format::Html, Format::Cctv]);
        check_records(
            &read_bytes(
                name,
                &bytes,
                &IngestOptions {
                    format,
                    ..Default::default()
                },
            ),
            seed,
        );
    });
}

#[test]
fn jsonl_and_csv_readers_never_panic() {
    const PARTS: &[&str] = &[
        "{",
        "}",
        "\"id\":",
        "\"text\":",
        "\"title\":",
        "\"date\":",
        "\"x\"",
        "1",
        "null",
        "[1,2]",
        ",",
        ":",
        "\"疫情防控要落实。\"",
        "\n",
        "\"\\u4e2d\"",
        "\"\\ud800\"",
        "true",
        "\"2022年3月4日\"",
        "text,id\n",
        "\"a\nb\",1\n",
    ];
    run("jsonl-csv", 1500, |rng, seed| {
        let mut s = String::new();
        for _ in 0..rng.below(80) {
            s += *rng.pick(PARTS);
        }
        let bytes = noisy_bytes(rng, s);
        let name = *rng.pick(&["x.jsonl", "x.csv", "x.tsv", "-"]);
        let format = *rng.pick(&[Format::Auto, Format::Jsonl, Format::Csv]);
        check_records(
            &read_bytes(
                name,
                &bytes,
                &IngestOptions {
                    format,
                    ..Default::default()
                },
            ),
            seed,
        );
        // The streaming reader sees the same lines one by one.
        let mut reader = JsonlLineReader::new("-");
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<_> = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| reader.read_line(l, i as u64 + 1))
            .collect();
        check_records(&lines, seed);
    });
}
