//! Property checks on random inputs (seeded, so failures reproduce): the
//! splitter and the ingest readers never panic, offsets always point into
//! the text, and sentences put back together give the text again (modulo
//! whitespace).

use policy_lens::ingest::{read_bytes, Format, IngestOptions};
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
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[char] = &[
    '要', '防', '控', '疫', '情', '。', '！', '？', '；', '，', '、', '“', '”', '「', '」', '《',
    '》', '（', '）', '(', ')', '【', '】', '‘', '’', '\n', '\r', ' ', '\u{3000}', '\t', 'a', 'Z',
    '1', '.', '!', '?', ';', ':', '"', '{', '}', '<', '>', '/', '\u{feff}', '\u{0}', '😀', 'é',
];

fn random_text(rng: &mut Rng, max: usize) -> String {
    let n = rng.below(max);
    (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

#[test]
fn splitter_invariants_hold_on_random_text() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for case in 0..3000 {
        let text = random_text(&mut rng, 400);
        let max_chars = 8 + rng.below(200);
        let chars: Vec<char> = text.chars().collect();
        let sentences = split_with(&text, SplitOptions { max_chars });
        let mut last_end = 0;
        for s in &sentences {
            assert!(
                s.start < s.end && s.end <= chars.len(),
                "case {case}: bad offsets {s:?}"
            );
            assert!(s.start >= last_end, "case {case}: overlapping sentences");
            assert_eq!(
                chars[s.start..s.end].iter().collect::<String>(),
                s.text,
                "case {case}"
            );
            assert!(
                s.text.chars().count() <= max_chars,
                "case {case}: sentence longer than the bound"
            );
            assert!(!s.text.trim().is_empty());
            last_end = s.end;
        }
        let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let joined: String = sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            squash(&joined),
            squash(&text),
            "case {case}: text lost or duplicated"
        );
    }
}

#[test]
fn ingest_never_panics_and_keeps_every_record() {
    let mut rng = Rng(0xfeed_beef_0bad_cafe);
    let names = ["x.txt", "x.html", "x.jsonl", "x.csv", "x.tsv", "x.md", "-"];
    for case in 0..1500 {
        let mut bytes: Vec<u8> = random_text(&mut rng, 600).into_bytes();
        // Sprinkle invalid UTF-8 and structure characters.
        for _ in 0..rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            bytes.insert(at, [0xff, 0xc3, 0x80, b'{', b'<', b','][rng.below(6)]);
        }
        let name = names[rng.below(names.len())];
        let format = [
            Format::Auto,
            Format::Text,
            Format::Html,
            Format::Jsonl,
            Format::Csv,
            Format::Cctv,
        ][rng.below(6)];
        let records = read_bytes(
            name,
            &bytes,
            &IngestOptions {
                format,
                ..Default::default()
            },
        );
        for r in &records {
            match r {
                Ok(a) => {
                    assert!(!a.text.trim().is_empty(), "case {case}: empty article kept");
                    assert!(!a.id.is_empty());
                }
                Err(e) => assert!(!e.reason.is_empty()),
            }
        }
    }
}
