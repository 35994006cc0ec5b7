//! Chinese sentence splitting with character offsets.
//!
//! A sentence ends at 。！？； (and their half-width forms after a CJK
//! character) or at a line break. Spans inside “”「」『』《》（）【】 are kept
//! whole: a terminator inside them does not end the sentence, unless the
//! closing mark follows it directly (`……。”`), in which case the sentence
//! ends after the closing mark. Sentences longer than
//! [`SplitOptions::max_chars`] are cut into bounded chunks at the best
//! available boundary (an inner terminator, then a comma, then a hard cut);
//! nothing is dropped.

use serde::{Deserialize, Serialize};

/// One sentence of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    /// The sentence text (trimmed of surrounding whitespace).
    pub text: String,
    /// Start offset in characters (Unicode scalar values) into the article text.
    pub start: usize,
    /// End offset in characters (exclusive).
    pub end: usize,
}

/// Options for [`split_with`].
#[derive(Debug, Clone, Copy)]
pub struct SplitOptions {
    /// Longest sentence, in characters, before it is cut into chunks.
    pub max_chars: usize,
}

impl Default for SplitOptions {
    fn default() -> Self {
        Self { max_chars: 300 }
    }
}

const OPENERS: &[char] = &['“', '「', '『', '《', '（', '【', '(', '‘'];
const CLOSERS: &[char] = &['”', '」', '』', '》', '）', '】', ')', '’'];
const TERMINATORS: &[char] = &['。', '！', '？', '；'];
const HALF_TERMINATORS: &[char] = &['!', '?', ';'];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Split `text` into sentences with the default options.
pub fn split(text: &str) -> Vec<Sentence> {
    split_with(text, SplitOptions::default())
}

/// Split `text` into sentences.
pub fn split_with(text: &str, opts: SplitOptions) -> Vec<Sentence> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' || c == '\r' {
            push_span(&chars, start, i, opts, &mut out);
            start = i + 1;
            depth = 0;
        } else if OPENERS.contains(&c) {
            depth += 1;
        } else if CLOSERS.contains(&c) {
            depth = depth.saturating_sub(1);
            // A quote that closes right after a terminator closes the sentence.
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            if depth == 0 && TERMINATORS.contains(&prev) {
                let end = consume_closers(&chars, i + 1);
                push_span(&chars, start, end, opts, &mut out);
                start = end;
                i = end;
                continue;
            }
        } else if depth == 0 && is_terminator(&chars, i) {
            // Runs like "？！" or "。”" stay with this sentence.
            let mut end = i + 1;
            while end < chars.len() && TERMINATORS.contains(&chars[end]) {
                end += 1;
            }
            let end = consume_closers(&chars, end);
            push_span(&chars, start, end, opts, &mut out);
            start = end;
            i = end;
            continue;
        }
        i += 1;
    }
    push_span(&chars, start, chars.len(), opts, &mut out);
    out
}

fn is_terminator(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    TERMINATORS.contains(&c) || (HALF_TERMINATORS.contains(&c) && i > 0 && is_cjk(chars[i - 1]))
}

/// Closing marks directly after a sentence end belong to that sentence.
fn consume_closers(chars: &[char], mut end: usize) -> usize {
    while end < chars.len() && CLOSERS.contains(&chars[end]) {
        end += 1;
    }
    end
}

/// Trim a span and push it, cutting it into bounded chunks when too long.
fn push_span(
    chars: &[char],
    mut start: usize,
    mut end: usize,
    opts: SplitOptions,
    out: &mut Vec<Sentence>,
) {
    while start < end && chars[start].is_whitespace() {
        start += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    if start >= end {
        return;
    }
    let max = opts.max_chars.max(8);
    while end - start > max {
        let cut = best_cut(chars, start, start + max);
        push_span(
            chars,
            start,
            cut,
            SplitOptions {
                max_chars: usize::MAX,
            },
            out,
        );
        start = cut;
        while start < end && chars[start].is_whitespace() {
            start += 1;
        }
    }
    if start < end {
        out.push(Sentence {
            text: chars[start..end].iter().collect(),
            start,
            end,
        });
    }
}

/// Where to cut an over-long span that must end by `limit`: after the last
/// terminator, else the last comma-like mark, else the last space, else at
/// `limit` itself. Cuts never fall in the first half of the window.
fn best_cut(chars: &[char], start: usize, limit: usize) -> usize {
    let floor = start + (limit - start) / 2;
    let classes: [&dyn Fn(char) -> bool; 3] = [
        &|c| TERMINATORS.contains(&c) || HALF_TERMINATORS.contains(&c),
        &|c| matches!(c, '，' | '、' | ',' | '：' | ':'),
        &|c: char| c.is_whitespace(),
    ];
    for class in classes {
        if let Some(p) = (floor..limit).rev().find(|&p| class(chars[p])) {
            return p + 1;
        }
    }
    limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        split(s).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_on_terminators_and_lines() {
        assert_eq!(
            texts("要严防。必须落实！\n标题行\n好吗？"),
            ["要严防。", "必须落实！", "标题行", "好吗？"]
        );
    }

    #[test]
    fn offsets_point_into_text() {
        let t = "  第一句。 第二句；";
        for s in split(t) {
            let slice: String = t.chars().skip(s.start).take(s.end - s.start).collect();
            assert_eq!(slice, s.text);
        }
    }
}
