//! Shared metadata helpers: CJK character classes, date finding and
//! normalisation, and `标签:值` field parsing for header lines.

/// True for CJK ideographs (BMP blocks and the common supplementary ones).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// True for characters that count as "CJK context" for punctuation
/// normalisation: ideographs, CJK symbols/punctuation, full-width forms and
/// the curly double quotes used in Chinese text.
pub(crate) fn is_cjk_context(c: char) -> bool {
    is_han(c)
        || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF)
        || matches!(c, '“' | '”' | '…' | '—')
}

/// True for sentence / clause punctuation used in Chinese prose.
pub(crate) fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '、' | '；' | '：' | '！' | '？' | '“' | '”' | '（' | '）' | '《' | '》'
    )
}

/// Number of Han characters in `s`.
pub(crate) fn han_count(s: &str) -> usize {
    s.chars().filter(|&c| is_han(c)).count()
}

/// A comparison key: the string without whitespace and punctuation, so that
/// two lines that differ only in spacing or `:`/`：` compare equal.
pub(crate) fn compare_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// True for characters treated as spaces (ASCII, NBSP, ideographic, etc.).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{a0}' | '\u{3000}' | '\u{200b}' | '\u{feff}')
}

fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    (1949..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

fn ymd(y: u32, m: u32, d: u32) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Reads a run of ASCII digits starting at `i`; returns (value, digit count).
fn digits(chars: &[char], i: usize, max: usize) -> (u32, usize) {
    let mut v = 0u32;
    let mut n = 0;
    while i + n < chars.len() && n < max && chars[i + n].is_ascii_digit() {
        v = v * 10 + chars[i + n].to_digit(10).unwrap_or(0);
        n += 1;
    }
    (v, n)
}

/// Finds the first date in `s` written as `2021-08-06`, `2021/8/6`,
/// `2021.08.06` or `2021年8月6日` and returns it as `YYYY-MM-DD`.
pub(crate) fn find_date(s: &str) -> Option<String> {
    find_date_at(s).map(|(d, _)| d)
}

/// Like [`find_date`], also returning the char index where the date starts.
pub(crate) fn find_date_at(s: &str) -> Option<(String, usize)> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let (y, ny) = digits(&chars, i, 5);
        if ny != 4 {
            i += ny.max(1);
            continue;
        }
        let j = i + 4;
        let Some(&sep) = chars.get(j) else { break };
        let d_sep: &[char] = match sep {
            '-' => &['-'],
            '/' => &['/'],
            '.' => &['.'],
            '年' => &['月'],
            _ => {
                i = j;
                continue;
            }
        };
        let (m, nm) = digits(&chars, j + 1, 3);
        if !(1..=2).contains(&nm) {
            i = j;
            continue;
        }
        let k = j + 1 + nm;
        if chars.get(k).is_none_or(|c| !d_sep.contains(c)) {
            i = j;
            continue;
        }
        let (d, nd) = digits(&chars, k + 1, 3);
        if !(1..=2).contains(&nd) {
            i = j;
            continue;
        }
        if valid_ymd(y, m, d) {
            return Some((ymd(y, m, d), i));
        }
        i = j;
    }
    None
}

/// Finds a compact `YYYYMMDD` or `YYYY/MMDD` date inside a URL path.
pub(crate) fn date_from_url(url: &str) -> Option<String> {
    if let Some(d) = find_date(url) {
        return Some(d);
    }
    let chars: Vec<char> = url.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
            let (_, n) = digits(&chars, i, 20);
            let run: String = chars[i..i + n].iter().collect();
            if n == 8 {
                let y: u32 = run[0..4].parse().unwrap_or(0);
                let m: u32 = run[4..6].parse().unwrap_or(0);
                let d: u32 = run[6..8].parse().unwrap_or(0);
                if valid_ymd(y, m, d) {
                    return Some(ymd(y, m, d));
                }
            }
            if n == 4 && chars.get(i + 4) == Some(&'/') {
                let (md, n2) = digits(&chars, i + 5, 5);
                if n2 == 4 {
                    let y: u32 = run.parse().unwrap_or(0);
                    if valid_ymd(y, md / 100, md % 100) {
                        return Some(ymd(y, md / 100, md % 100));
                    }
                }
            }
            i += n;
        } else {
            i += 1;
        }
    }
    None
}

/// Converts days since 1970-01-01 to a civil (y, m, d) date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Normalises a date field (`2020-03-27 15:17:56`, `2020年3月27日`,
/// `20200327`, ISO 8601, or a Unix timestamp in seconds / milliseconds,
/// read in China Standard Time) to `YYYY-MM-DD`.
pub(crate) fn normalize_date(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        if s.len() == 8 {
            return date_from_url(s);
        }
        if s.len() == 10 || s.len() == 13 {
            let mut secs: i64 = s.parse().ok()?;
            if s.len() == 13 {
                secs /= 1000;
            }
            let (y, m, d) = civil_from_days((secs + 8 * 3600).div_euclid(86_400));
            let (y, m, d) = (u32::try_from(y).ok()?, m, d);
            return valid_ymd(y, m, d).then(|| ymd(y, m, d));
        }
    }
    find_date(s)
}

/// Field labels recognised in header / trailer lines, longest first.
const LABELS: &[&str] = &[
    "责任编辑",
    "发布时间",
    "发表时间",
    "更新时间",
    "来源",
    "稿源",
    "出处",
    "编辑",
    "责编",
    "作者",
    "记者",
    "通讯员",
    "摄影",
    "时间",
    "日期",
    "浏览",
    "阅读",
    "点击",
    "字号",
    "分享",
    "打印",
];

/// Labelled values found in a header line, e.g.
/// `2021-08-06 16:43:57来源:河北新闻网编辑:王阔责编:魏文林`
/// gives `[("来源","河北新闻网"), ("编辑","王阔"), ("责编","魏文林")]`.
pub(crate) fn labelled_fields(line: &str) -> Vec<(&'static str, String)> {
    let chars: Vec<char> = line.chars().collect();
    // (label, label start, value start)
    let mut hits: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let mut matched = false;
        for &label in LABELS {
            let lc: Vec<char> = label.chars().collect();
            if chars.len() >= i + lc.len() && chars[i..i + lc.len()] == lc[..] {
                let mut j = i + lc.len();
                while j < chars.len() && is_space(chars[j]) {
                    j += 1;
                }
                let colon = j < chars.len() && matches!(chars[j], ':' | '：');
                // 记者 may appear without a colon ("记者 张三").
                if colon || (label == "记者" && j > i + lc.len()) {
                    let vs = if colon { j + 1 } else { j };
                    hits.push((label, i, vs));
                    i = vs;
                    matched = true;
                    break;
                }
            }
        }
        if !matched {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for (n, &(label, _, vs)) in hits.iter().enumerate() {
        let end = hits.get(n + 1).map_or(chars.len(), |h| h.1);
        let raw: String = chars[vs.min(end)..end].iter().collect();
        let value = cut_value(&raw);
        if !value.is_empty() {
            out.push((label, value));
        }
    }
    out
}

/// Cuts a raw field value at the first separator (`|`, two spaces, brackets…).
fn cut_value(raw: &str) -> String {
    let raw = raw.trim_matches(|c: char| is_space(c));
    let mut out = String::new();
    let mut prev_space = false;
    for c in raw.chars() {
        if matches!(
            c,
            '|' | '｜' | '【' | '[' | '】' | ']' | '\u{3000}' | '\t' | '）' | ')'
        ) || (is_space(c) && prev_space)
        {
            break;
        }
        prev_space = is_space(c);
        out.push(c);
    }
    let out = out
        .trim()
        .trim_start_matches(['（', '('])
        .trim()
        .to_string();
    if out.chars().count() > 40 {
        String::new()
    } else {
        out
    }
}

/// Byline / header fields collected from an article.
#[derive(Debug, Default, Clone)]
pub(crate) struct Byline {
    pub date: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub reporter: Option<String>,
    pub editor: Option<String>,
    pub responsible_editor: Option<String>,
    pub url: Option<String>,
}

impl Byline {
    /// Takes the fields of one header/trailer line (first value wins).
    pub(crate) fn absorb(&mut self, line: &str) {
        if self.date.is_none() {
            self.date = find_date(line);
        }
        for (label, value) in labelled_fields(line) {
            let slot = match label {
                "来源" | "稿源" | "出处" => &mut self.source,
                "作者" => &mut self.author,
                "记者" => &mut self.reporter,
                "编辑" => &mut self.editor,
                "责编" | "责任编辑" => &mut self.responsible_editor,
                "发布时间" | "发表时间" | "时间" | "日期" => {
                    if self.date.is_none() {
                        self.date = find_date(&value);
                    }
                    continue;
                }
                _ => continue,
            };
            let value = value.trim_end_matches('摄').trim().to_string();
            let junk = ["未知", "系统管理员", "管理员", "admin", "佚名"].contains(&value.as_str());
            if slot.is_none() && !value.is_empty() && !junk {
                *slot = Some(value);
            }
        }
        if self.url.is_none() {
            self.url = find_url(line);
        }
    }

    /// Fills the article's date, source, URL and author (作者 > 记者 > 编辑 >
    /// 责编) where they are still empty, and records the individual roles in
    /// its meta.
    pub(crate) fn apply(&self, article: &mut crate::document::Article) {
        let crate::document::Article {
            date,
            source,
            author,
            url,
            meta,
            ..
        } = article;
        if date.is_none() {
            date.clone_from(&self.date);
        }
        if source.is_none() {
            source.clone_from(&self.source);
        }
        if url.is_none() {
            url.clone_from(&self.url);
        }
        if author.is_none() {
            *author = self
                .author
                .clone()
                .or_else(|| self.reporter.clone())
                .or_else(|| self.editor.clone())
                .or_else(|| self.responsible_editor.clone());
        }
        for (k, v) in [
            ("reporter", &self.reporter),
            ("editor", &self.editor),
            ("responsible_editor", &self.responsible_editor),
        ] {
            if let Some(v) = v {
                meta.entry(k.to_string()).or_insert_with(|| v.clone());
            }
        }
    }
}

/// First `http://` / `https://` URL in `s`.
pub(crate) fn find_url(s: &str) -> Option<String> {
    let start = s.find("http://").or_else(|| s.find("https://"))?;
    let url: String = s[start..]
        .chars()
        .take_while(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | ')' | ']'))
        .collect();
    (url.len() > 10).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            find_date("2021-08-06 16:43:57来源").as_deref(),
            Some("2021-08-06")
        );
        assert_eq!(
            find_date("于2021年8月6日召开").as_deref(),
            Some("2021-08-06")
        );
        assert_eq!(find_date("12021-13-01"), None);
        assert_eq!(
            normalize_date("1585293476000").as_deref(),
            Some("2020-03-27")
        );
        assert_eq!(
            date_from_url("http://x.cn/a/20210806/1.html").as_deref(),
            Some("2021-08-06")
        );
    }

    #[test]
    fn fields() {
        let f = labelled_fields("2021-08-06 16:43:57来源:河北新闻网编辑:王阔责编:魏文林");
        assert_eq!(
            f,
            vec![
                ("来源", "河北新闻网".to_string()),
                ("编辑", "王阔".to_string()),
                ("责编", "魏文林".to_string())
            ]
        );
    }
}
