//! Body-text normalisation: spaces, paragraph breaks and full-width
//! punctuation next to CJK characters.

use super::meta::{is_cjk_context, is_space};

/// Full-width counterpart of a half-width punctuation mark, if it has one
/// that is converted in CJK context.
fn full_width(c: char) -> Option<char> {
    Some(match c {
        ',' => '，',
        ':' => '：',
        ';' => '；',
        '(' => '（',
        ')' => '）',
        '!' => '！',
        '?' => '？',
        _ => return None,
    })
}

/// True for full-width punctuation around which spaces are dropped.
fn is_fw_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '：'
            | '；'
            | '！'
            | '？'
            | '（'
            | '）'
            | '“'
            | '”'
            | '《'
            | '》'
            | '【'
            | '】'
    )
}

/// Collapses runs of spaces (ASCII, NBSP, ideographic) to one ASCII space
/// and trims both ends.
pub(crate) fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars() {
        if is_space(c) || c.is_control() {
            pending = true;
        } else {
            if pending && !out.is_empty() {
                out.push(' ');
            }
            pending = false;
            out.push(c);
        }
    }
    out
}

/// Normalises one paragraph: spaces collapsed and trimmed, half-width
/// `, : ; ( ) ! ?` next to a CJK character made full-width, and spaces
/// next to full-width punctuation removed.
pub(crate) fn normalize_line(line: &str) -> String {
    let chars: Vec<char> = collapse_spaces(line).chars().collect();
    let n = chars.len();
    let cjk_at = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|&c| is_cjk_context(c))
    };
    let mut convert = vec![false; n];
    // Parentheses are converted in matched pairs when either side qualifies.
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..n {
        let c = chars[i];
        if full_width(c).is_none() {
            continue;
        }
        let local = cjk_at(i.checked_sub(1)) || cjk_at(Some(i + 1));
        // Keep "http://", times like 16:43 and similar ASCII constructs.
        match c {
            '(' => {
                stack.push(i);
                convert[i] = local;
            }
            ')' => {
                convert[i] = local;
                if let Some(open) = stack.pop() {
                    let both = convert[open] || convert[i];
                    convert[open] = both;
                    convert[i] = both;
                }
            }
            _ => convert[i] = local,
        }
    }
    let mut out: Vec<char> = Vec::with_capacity(n);
    for (i, &c) in chars.iter().enumerate() {
        let c = if convert[i] {
            full_width(c).unwrap_or(c)
        } else {
            c
        };
        out.push(c);
    }
    // Drop spaces adjacent to full-width punctuation.
    let mut result = String::with_capacity(line.len());
    for (i, &c) in out.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| out[j]);
            let next = out.get(i + 1).copied();
            if prev.is_some_and(is_fw_punct) || next.is_some_and(is_fw_punct) {
                continue;
            }
        }
        result.push(c);
    }
    result
}

/// Normalises a body: every line normalised, empty lines dropped, leading
/// indentation removed, paragraphs joined by a single `\n`.
pub(crate) fn normalize_body<S: AsRef<str>>(paragraphs: &[S]) -> String {
    let mut out = String::new();
    for p in paragraphs {
        for line in p.as_ref().lines() {
            let l = normalize_line(line);
            if !l.is_empty() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&l);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation() {
        assert_eq!(
            normalize_line("  河北新闻网讯(河北日报记者四建磊、吴韬)8月4日晚,河北"),
            "河北新闻网讯（河北日报记者四建磊、吴韬）8月4日晚，河北"
        );
        assert_eq!(
            normalize_line("见 http://a.cn/x 时间16:43"),
            "见 http://a.cn/x 时间16:43"
        );
        assert_eq!(normalize_line("“人”“ 物”同防"), "“人”“物”同防");
        assert_eq!(normalize_line("会议指出, 在"), "会议指出，在");
        assert_eq!(normalize_line("(abc)"), "(abc)");
    }

    #[test]
    fn body() {
        assert_eq!(
            normalize_body(&["  a\u{3000}\u{3000}b ", "", "\tc"]),
            "a b\nc"
        );
    }
}
