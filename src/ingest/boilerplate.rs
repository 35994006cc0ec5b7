//! Boilerplate removal for scraped text and HTML bodies: navigation and
//! widget lines, header/trailer bylines, `原标题` and deck lines, repeated
//! headlines, photo captions and copyright / disclaimer notices.

use std::collections::{BTreeMap, HashSet};

use super::meta::{compare_key, find_date, han_count, labelled_fields, Byline};
use super::normalize::collapse_spaces;

/// Separators of navigation / breadcrumb segments.
const STRONG_SEPS: &[char] = &['|', '｜', '>', '＞', '›', '»', '┊', '丨'];
const WEAK_SEPS: &[char] = &['·', '•', '∣', '/'];

fn chars_len(s: &str) -> usize {
    s.chars().count()
}

/// True when a line ends like a sentence.
fn ends_sentence(s: &str) -> bool {
    s.trim_end()
        .trim_end_matches(['”', '"', '’', '）', ')', '」'])
        .ends_with(['。', '！', '？', '!', '?', '…', '；', ';'])
}

/// A navigation / breadcrumb line: many short segments separated by `|`,
/// `>`, `·`, or wide gaps, and no sentence punctuation.
pub(crate) fn is_nav_line(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || chars_len(line) > 300 || line.contains(['。', '，', '！', '？']) {
        return false;
    }
    for prefix in [
        "当前位置",
        "您的位置",
        "你的位置",
        "您现在的位置",
        "位置：",
        "位置:",
    ] {
        if line.starts_with(prefix) {
            return true;
        }
    }
    let strong = line.chars().filter(|c| STRONG_SEPS.contains(c)).count();
    let mut segs: Vec<&str> = Vec::new();
    for part in
        line.split(|c: char| STRONG_SEPS.contains(&c) || WEAK_SEPS.contains(&c) || c == '\u{3000}')
    {
        for seg in part.split("  ") {
            let seg = seg.trim();
            if !seg.is_empty() {
                segs.push(seg);
            }
        }
    }
    let gaps = line.matches("  ").count();
    if segs.len() < 3 && !(segs.len() == 2 && strong >= 1 && line.starts_with("首页")) {
        return false;
    }
    let avg = segs.iter().map(|s| chars_len(s)).sum::<usize>() as f64 / segs.len() as f64;
    let max = segs.iter().map(|s| chars_len(s)).max().unwrap_or(0);
    (strong >= 2 || gaps >= 2 || segs.len() >= 4 || line.starts_with("首页"))
        && avg <= 8.0
        && max <= 20
}

/// Share / print / scan-code / back-to-top style widget lines.
pub(crate) fn is_widget_line(line: &str) -> bool {
    const WIDGETS: &[&str] = &[
        "分享到",
        "分享至",
        "扫一扫",
        "返回顶部",
        "回到顶部",
        "打印本页",
        "关闭窗口",
        "【打印】",
        "【关闭】",
        "【大 中 小】",
        "字号：",
        "字号:",
        "收藏本页",
        "加入收藏",
        "微信扫码",
        "扫码阅读",
        "扫描二维码",
        "用微信扫描",
        "打开微信",
        "点击排行",
        "相关新闻",
        "相关阅读",
        "相关链接",
        "推荐阅读",
        "热门推荐",
        "延伸阅读",
        "上一篇",
        "下一篇",
        "我要纠错",
        "【纠错】",
        "浏览次数",
        "阅读次数",
        "点击数：",
        "手机看新闻",
        "手机版",
        "视力保护色",
        "【我要打印】",
        "【关闭窗口】",
        "【字体",
        "查看原文",
        "阅读原文",
        "展开全文",
        "举报",
    ];
    let n = chars_len(line);
    if n <= 40 && WIDGETS.iter().any(|w| line.contains(w)) {
        return true;
    }
    let t = line.trim();
    if chars_len(t) <= 3 && !t.chars().any(|c| c.is_alphanumeric()) {
        return true;
    }
    if chars_len(t) <= 3 && t.starts_with('+') {
        return true;
    }
    matches!(
        t,
        "（完）" | "(完)" | "【完】" | "完" | "返回" | "打印" | "关闭" | "分享" | "收藏" | "评论"
    )
}

/// A `原标题:…` line; returns the original title.
fn original_title(line: &str) -> Option<String> {
    let l = line.trim().trim_start_matches(['【', '[', '（', '(']);
    let rest = l.strip_prefix("原标题")?;
    let rest = rest.trim_start().strip_prefix([':', '：'])?;
    let t = rest.trim().trim_end_matches(['】', ']', '）', ')']).trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A trailer line such as `责任编辑：张三` or `（编辑：李四）`.
fn is_editor_trailer(line: &str) -> bool {
    let l = line
        .trim()
        .trim_start_matches(['【', '[', '（', '('])
        .trim();
    chars_len(l) <= 60
        && [
            "责任编辑",
            "编辑",
            "责编",
            "审核",
            "校对",
            "监制",
            "编审",
            "值班编辑",
        ]
        .iter()
        .any(|p| l.starts_with(p) && l[p.len()..].trim_start().starts_with([':', '：']))
}

/// An attribution trailer: `本文来源：X 责任编辑：Y`, `来源：网络`,
/// `（本文来自澎湃新闻，…）`, `采写：…`, `（原题为《…》）`.
fn is_attribution(line: &str) -> bool {
    let l = line
        .trim()
        .trim_start_matches(['【', '[', '（', '('])
        .trim();
    let n = chars_len(l);
    let labelled = [
        "本文来源",
        "来源",
        "文章来源",
        "信息来源",
        "稿件来源",
        "资料来源",
        "内容来源",
        "消息来源",
        "采写",
        "撰文",
        "图片来源",
        "供稿",
        "原题",
    ]
    .iter()
    .any(|p| {
        l.strip_prefix(p)
            .is_some_and(|r| r.trim_start().starts_with([':', '：']))
    });
    let phrase = ["文/", "文 /", "本文来自", "原题为", "本文转自", "转自"]
        .iter()
        .any(|p| l.starts_with(p));
    n <= 80
        && (labelled
            || phrase
            || (n <= 40
                && (l.contains("来源于网络")
                    || l.contains("来源：网络")
                    || l.contains("来自网络"))))
}

/// A header byline: short line with a date and/or `来源:` / `编辑:` fields
/// and no sentence punctuation.
pub(crate) fn is_byline(line: &str) -> bool {
    let n = chars_len(line);
    if n > 150 || line.contains('。') || line.contains('，') {
        return false;
    }
    let fields = labelled_fields(line);
    let has_date = find_date(line).is_some();
    if !fields.is_empty() && (has_date || n <= 80) {
        return true;
    }
    // A date alone (optionally with a time / weekday).
    has_date && n <= 30 && han_count(line) <= 6
}

/// A copyright / disclaimer line or the header of a notice block.
fn is_copyright(line: &str) -> bool {
    let lower = line.to_lowercase();
    let n = chars_len(line);
    if n > 400 {
        return false;
    }
    line.contains('©')
        || lower.contains("copyright")
        || line.contains("版权所有")
        || line.contains("版权声明")
        || line.contains("免责声明")
        || line.contains("本网注明")
        || line.contains("转载请注明")
        || (line.contains("未经")
            && line.contains("授权")
            && (line.contains("转载") || line.contains("使用")))
        || (line.contains("未经") && line.contains("许可") && line.contains("转载"))
        || (line.contains("不得转载"))
}

/// The short heading of a notice block (`…版权…声明`, `免责声明`).
fn is_notice_header(line: &str) -> bool {
    chars_len(line) <= 50
        && !ends_sentence(line)
        && (line.contains("声明")
            && (line.contains("版权") || line.contains("免责") || line.contains("法律")))
}

/// A paragraph that continues a notice block: numbered, or about rights,
/// reprints and liability.
fn is_notice_body(line: &str) -> bool {
    let l = line.trim_start();
    let numbered = {
        let mut it = l.chars();
        let first = it.next();
        let d = first.is_some_and(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c));
        let rest: String = l
            .chars()
            .skip_while(|c| c.is_ascii_digit())
            .take(1)
            .collect();
        (d && ["、", ".", "．", ")", "）"].contains(&rest.as_str()))
            || (first.is_some_and(|c| c == '（' || c == '(')
                && l.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
    };
    numbered
        || [
            "本网",
            "授权",
            "版权",
            "转载",
            "侵权",
            "法律责任",
            "联系",
            "稿件",
            "著作权",
        ]
        .iter()
        .any(|k| l.contains(k))
}

/// True when `c` ends a photo credit (`赵威摄`, `（新华社记者 X 摄）`).
fn credit_end(chars: &[char], i: usize) -> bool {
    if chars[i] != '摄'
        || chars
            .get(i + 1)
            .is_some_and(|c| matches!(c, '影' | '像' | '制' | '于'))
        || (i > 0 && matches!(chars[i - 1], '拍' | '航' | '录' | '偷' | '抓'))
    {
        return false;
    }
    // Look back at most 20 chars without sentence punctuation for a credit word.
    let start = i.saturating_sub(20);
    let mut j = i;
    while j > start {
        let c = chars[j - 1];
        if matches!(c, '。' | '，' | '！' | '？' | '；') {
            break;
        }
        j -= 1;
    }
    let window: String = chars[j..i].iter().collect();
    let window = window.trim();
    let keyword = ["记者", "摄影", "通讯员", "新华社", "中新社", "特约"]
        .iter()
        .any(|k| window.contains(k));
    let bracketed = window.starts_with(['（', '(']) && chars_len(window) <= 10;
    (keyword && chars_len(window) <= 18) || bracketed
}

/// A photo caption paragraph.
fn is_caption(line: &str) -> bool {
    let l = line.trim();
    let n = chars_len(l);
    if n == 0 {
        return false;
    }
    let core = l.trim_end_matches(['）', ')', '】', ']', ' ']);
    let chars: Vec<char> = core.chars().collect();
    if n <= 300 && !chars.is_empty() && credit_end(&chars, chars.len() - 1) {
        return true;
    }
    if n <= 150
        && [
            "图为",
            "图：",
            "图:",
            "图片来源",
            "资料图",
            "（图片",
            "(图片",
            "（资料图",
            "(资料图",
            "配图",
            "题图",
            "▲",
            "△",
            "↑",
        ]
        .iter()
        .any(|p| l.starts_with(p))
    {
        return true;
    }
    if n <= 150
        && (l.ends_with("供图")
            || l.ends_with("资料图")
            || l.ends_with("资料图片")
            || l.ends_with("（资料图）"))
    {
        return true;
    }
    if n <= 30 && (l.contains("图片来自") || l.contains("图片均来自") || l.contains("图片来源"))
    {
        return true;
    }
    // "这是会议现场。" on its own.
    n <= 30 && l.starts_with("这是") && l.ends_with('。') && l.matches('。').count() == 1
}

/// Removes a caption glued to the start of a paragraph
/// (`…召开。这是会议现场。河北日报记者赵威摄河北新闻网讯…`).
fn strip_leading_caption(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    for i in 0..chars.len().min(200) {
        if credit_end(&chars, i) {
            let mut cut = i + 1;
            while cut < chars.len() && matches!(chars[cut], '）' | ')' | ' ') {
                cut += 1;
            }
            if chars.len() - cut >= 20 {
                return chars[cut..].iter().collect::<String>().trim().to_string();
            }
        }
    }
    line.to_string()
}

/// What cleaning found besides the body.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    /// `原标题` value.
    pub original_title: Option<String>,
    /// Deck lines between the title and the lead.
    pub deck: Vec<String>,
}

/// A paragraph long enough to start the body.
fn is_body_paragraph(p: &str) -> bool {
    let n = chars_len(p);
    n >= 60 || (n >= 15 && ends_sentence(p))
}

/// Cleans body paragraphs (already split, in order). `title` is the
/// headline found so far; header bylines go into `byline`.
pub(crate) fn clean(
    paragraphs: &[String],
    title: Option<&str>,
    byline: &mut Byline,
    extras: &mut Extras,
) -> Vec<String> {
    let paras: Vec<String> = paragraphs
        .iter()
        .flat_map(|p| p.lines().map(collapse_spaces).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    for p in &paras {
        if let Some(t) = original_title(p) {
            extras.original_title.get_or_insert(t);
        }
    }
    let mut headline_keys: HashSet<String> = HashSet::new();
    for t in [title, extras.original_title.as_deref()]
        .into_iter()
        .flatten()
    {
        let k = compare_key(t);
        if !k.is_empty() {
            headline_keys.insert(k);
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept: Vec<String> = Vec::new();
    let mut body_started = false;
    let mut in_notice = false;
    for p in &paras {
        if in_notice {
            if is_notice_body(p) || is_copyright(p) {
                continue;
            }
            in_notice = false;
        }
        if is_notice_header(p) {
            in_notice = true;
            continue;
        }
        if original_title(p).is_some() || is_nav_line(p) || is_widget_line(p) || is_copyright(p) {
            continue;
        }
        if is_editor_trailer(p) || (body_started && is_attribution(p)) {
            byline.absorb(p);
            continue;
        }
        if !body_started && is_byline(p) {
            byline.absorb(p);
            continue;
        }
        if is_caption(p) {
            continue;
        }
        let p = strip_leading_caption(p);
        let key = compare_key(&p);
        if key.is_empty() || headline_keys.contains(&key) {
            continue;
        }
        if !seen.insert(key) {
            continue;
        }
        if !body_started && is_body_paragraph(&p) {
            body_started = true;
            // Short, unterminated lines between the title and the lead are the deck.
            if title.is_some() {
                let mut rest = Vec::new();
                for k in kept.drain(..) {
                    if chars_len(&k) <= 60 && !ends_sentence(&k) {
                        extras.deck.push(k);
                    } else {
                        rest.push(k);
                    }
                }
                kept = rest;
            }
        }
        kept.push(p);
    }
    kept
}

/// Puts `原标题` and deck into article meta.
pub(crate) fn apply_extras(extras: &Extras, meta: &mut BTreeMap<String, String>) {
    if let Some(t) = &extras.original_title {
        meta.insert("original_title".into(), t.clone());
    }
    if !extras.deck.is_empty() {
        meta.insert("deck".into(), extras.deck.join(" / "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nav_and_captions() {
        assert!(is_nav_line(
            "要闻    |    城市远洋    |      原创      |      视界"
        ));
        assert!(is_nav_line("首页 > 新闻 > 正文"));
        assert!(!is_nav_line(
            "王东峰:坚持从严从实从快联防联守 以更加有力的举措全面防控新冠肺炎疫情"
        ));
        assert!(!is_nav_line("2021/08/06 16:43"));
        assert!(is_caption("8月4日晚,河北省应对新冠肺炎疫情工作领导小组会议暨视频调度会议在石家庄召开。这是会议现场。河北日报记者赵威摄"));
        assert!(is_caption("（新华社记者 李贺 摄）"));
        assert!(is_caption("这是会议现场。"));
        assert!(!is_caption("会议强调,要加强监督检查,严格考核问责。"));
        assert_eq!(
            strip_leading_caption(
                "这是会议现场。河北日报记者赵威摄 河北新闻网讯(记者)8月4日晚,会议在石家庄召开。"
            ),
            "河北新闻网讯(记者)8月4日晚,会议在石家庄召开。"
        );
        assert!(is_byline(
            "2021-08-06 16:43:57来源:河北新闻网编辑:王阔责编:魏文林"
        ));
    }
}
