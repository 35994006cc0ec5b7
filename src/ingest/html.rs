//! HTML pages: metadata from `<meta>` / `<h1>` / `<title>`, and the main
//! content found with a text-density heuristic (most Chinese text and
//! punctuation, low link density), then cleaned like plain text.

use scraper::{ElementRef, Html, Node, Selector};

use super::boilerplate::{self, is_byline, is_nav_line, Extras};
use super::meta::{compare_key, date_from_url, find_date, han_count, is_cjk_punct, Byline};
use super::normalize::{collapse_spaces, normalize_body};
use super::text::is_title_like;
use super::{finish, Src};
use crate::{Article, Record};

/// Elements whose text is never visible page text.
const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "head", "title", "meta", "link", "select",
    "option", "textarea", "button", "input", "iframe", "object", "embed", "canvas", "video",
    "audio", "map", "math",
];

/// Elements that start a new line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "td",
    "th",
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "center",
    "body",
    "html",
    "header",
    "footer",
    "nav",
    "aside",
    "form",
    "address",
    "hr",
    "caption",
    "fieldset",
    "details",
    "summary",
];

/// Tags that are never part of the main content.
const BOILERPLATE_TAGS: &[&str] = &["nav", "header", "footer", "aside", "form", "figcaption"];

/// Class / id substrings of boilerplate containers.
const BOILERPLATE_SUBSTR: &[&str] = &[
    "nav",
    "menu",
    "sidebar",
    "side-bar",
    "side_bar",
    "footer",
    "comment",
    "share",
    "recommend",
    "related",
    "relate",
    "breadcrumb",
    "crumb",
    "copyright",
    "advert",
    "guanggao",
    "toolbar",
    "topbar",
    "login",
    "hotnews",
    "hot-news",
    "hot_news",
    "qrcode",
    "weixin",
    "wechat-code",
    "rank",
    "tuijian",
    "xiangguan",
    "jubao",
    "report-",
    "statement",
    "disclaimer",
    "pagination",
];

/// Class / id tokens (split on non-alphanumerics) of boilerplate containers.
const BOILERPLATE_TOKENS: &[&str] = &[
    "ad",
    "ads",
    "adv",
    "gg",
    "side",
    "aside",
    "hot",
    "tags",
    "tag",
    "header",
    "head",
    "foot",
    "bottom",
    "tool",
    "tools",
    "widget",
    "search",
    "logo",
    "ewm",
    "links",
    "friendlink",
    "top",
    "corner",
    "fixed",
    "float",
    "popup",
    "modal",
    "bar",
];

/// True when an element's tag, class or id marks it as boilerplate.
fn is_boilerplate(el: &ElementRef) -> bool {
    let v = el.value();
    let tag = v.name();
    if tag == "html" || tag == "body" {
        return false;
    }
    if BOILERPLATE_TAGS.contains(&tag) {
        return true;
    }
    let mut attrs = String::new();
    for k in ["id", "class"] {
        if let Some(a) = v.attr(k) {
            attrs.push_str(&a.to_ascii_lowercase());
            attrs.push(' ');
        }
    }
    if attrs.trim().is_empty() {
        return false;
    }
    BOILERPLATE_SUBSTR.iter().any(|s| attrs.contains(s))
        || attrs
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|t| BOILERPLATE_TOKENS.contains(&t))
}

/// An element of the page kept for scoring (blocks and boilerplate-marked inline elements).
#[derive(Debug)]
struct Block {
    parent: Option<usize>,
    flagged: bool,
    has_block_children: bool,
    lines: usize,
}

/// One line of visible text.
#[derive(Debug)]
struct Line {
    text: String,
    link_chars: usize,
    owner: usize,
}

#[derive(Default)]
struct Walker {
    blocks: Vec<Block>,
    lines: Vec<Line>,
    cur: String,
    cur_link: usize,
    cur_owner: usize,
}

impl Walker {
    fn flush(&mut self) {
        let text = collapse_spaces(&self.cur);
        if !text.is_empty() {
            self.blocks[self.cur_owner].lines += 1;
            self.lines.push(Line {
                text,
                link_chars: self.cur_link,
                owner: self.cur_owner,
            });
        }
        self.cur.clear();
        self.cur_link = 0;
    }

    fn push_text(&mut self, t: &str, owner: usize, in_link: bool) {
        if self.cur.trim().is_empty() {
            self.cur_owner = owner;
        }
        self.cur.push_str(t);
        if in_link {
            self.cur_link += t.chars().filter(|c| !c.is_whitespace()).count();
        }
    }

    fn new_block(&mut self, parent: usize, flagged: bool) -> usize {
        self.blocks[parent].has_block_children = true;
        self.blocks.push(Block {
            parent: Some(parent),
            flagged,
            has_block_children: false,
            lines: 0,
        });
        self.blocks.len() - 1
    }

    fn walk(&mut self, el: ElementRef, owner: usize, in_link: bool) {
        let tag = el.value().name();
        if INVISIBLE.contains(&tag) {
            return;
        }
        if tag == "br" {
            self.flush();
            return;
        }
        let flagged = is_boilerplate(&el);
        let is_block = BLOCKS.contains(&tag) || flagged;
        let owner = if is_block {
            self.flush();
            self.new_block(owner, flagged)
        } else {
            owner
        };
        let in_link = in_link || tag == "a";
        for child in el.children() {
            match child.value() {
                Node::Text(t) => self.push_text(t, owner, in_link),
                Node::Element(_) => {
                    if let Some(c) = ElementRef::wrap(child) {
                        self.walk(c, owner, in_link);
                    }
                }
                _ => {}
            }
        }
        if is_block {
            self.flush();
        }
    }
}

/// Text score of one line: Chinese characters plus a bonus for punctuation,
/// scaled down by link density.
fn line_score(l: &Line) -> f64 {
    let han = han_count(&l.text);
    if han < 4 {
        return 0.0;
    }
    let total = l.text.chars().filter(|c| !c.is_whitespace()).count().max(1);
    let ld = l.link_chars as f64 / total as f64;
    if ld > 0.5 {
        return 0.0;
    }
    let punct = l
        .text
        .chars()
        .filter(|&c| is_cjk_punct(c) || c == ',')
        .count();
    (han + 3 * punct) as f64 * (1.0 - ld) * (1.0 - ld)
}

fn meta_content(doc: &Html, selectors: &[&str]) -> Option<String> {
    for s in selectors {
        let Ok(sel) = Selector::parse(s) else {
            continue;
        };
        for el in doc.select(&sel) {
            let v = el
                .value()
                .attr("content")
                .or_else(|| el.value().attr("href"));
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn element_text(el: ElementRef) -> String {
    collapse_spaces(&el.text().collect::<String>())
}

/// Removes a site suffix such as `_新浪网`, `-人民网`, ` | 澎湃新闻`.
pub(crate) fn strip_site_suffix(title: &str) -> String {
    let mut t = title.trim().to_string();
    loop {
        let cut = ['_', '|', '｜', '-', '—', '–']
            .iter()
            .filter_map(|&sep| t.rfind(sep).map(|i| (i, sep)))
            .max_by_key(|&(i, _)| i);
        let Some((i, sep)) = cut else { break };
        let head = t[..i].trim_end_matches(['-', '—', ' ', '_']).trim();
        let tail = t[i + sep.len_utf8()..].trim();
        let tail_len = tail.chars().count();
        let siteish = [
            "网",
            "报",
            "新闻",
            "频道",
            "中心",
            "政府",
            "官网",
            "平台",
            "客户端",
            "在线",
            "门户",
            "号",
            "专栏",
            "博客",
            "社区",
            "论坛",
            ".com",
            ".cn",
            "资讯",
            "财经",
            "科技",
            "娱乐",
            "体育",
            "局",
            "委",
            "厅",
            "院",
        ]
        .iter()
        .any(|k| tail.contains(k))
            || tail.is_ascii()
            || (tail.chars().count() <= 15
                && tail.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
        let spaced = t[..i].ends_with(' ') || t[i + sep.len_utf8()..].starts_with(' ');
        let sep_ok = matches!(sep, '_' | '|' | '｜') || spaced || siteish;
        if head.chars().count() >= 4
            && tail_len <= 25
            && sep_ok
            && (siteish || matches!(sep, '_' | '|' | '｜'))
        {
            t = head.to_string();
        } else {
            break;
        }
    }
    t
}

/// Picks the headline: an `<h1>` that `<title>` / og:title contains, else
/// og:title (when consistent with `<title>`), else `<title>`, each without
/// its site suffix, else the first `<h1>`.
fn find_title(doc: &Html) -> Option<String> {
    let raw_title = Selector::parse("title")
        .ok()
        .and_then(|s| doc.select(&s).next().map(element_text))
        .unwrap_or_default();
    let og = meta_content(doc, &["meta[property='og:title']", "meta[name='og:title']"])
        .unwrap_or_default();
    let h1s: Vec<String> = Selector::parse("h1")
        .ok()
        .map(|s| {
            doc.select(&s)
                .map(element_text)
                .filter(|t| han_count(t) >= 2 || t.chars().count() >= 6)
                .collect()
        })
        .unwrap_or_default();
    let (title_key, og_key) = (compare_key(&raw_title), compare_key(&og));
    for h in &h1s {
        let k = compare_key(h);
        if k.chars().count() >= 4 && (title_key.contains(&k) || og_key.contains(&k)) {
            return Some(h.clone());
        }
    }
    let og = strip_site_suffix(&og);
    let og_key = compare_key(&og);
    if !og_key.is_empty() && (title_key.is_empty() || title_key.contains(&og_key)) {
        return Some(og);
    }
    let t = strip_site_suffix(&raw_title);
    if !t.is_empty() {
        return Some(t);
    }
    h1s.into_iter().next()
}

/// True for a meta-tag author that names people rather than a site or account.
fn plausible_person(s: &str) -> bool {
    let n = s.chars().count();
    n <= 20
        && han_count(s) >= 2
        && ![
            "网",
            "管理员",
            "未知",
            "编辑部",
            "新闻",
            "频道",
            "客户端",
            "科技",
            "财经",
            "消息",
        ]
        .iter()
        .any(|k| s.contains(k))
}

/// Parses an HTML page into an article.
pub(crate) fn parse(text: &str, src: &Src) -> Record {
    let doc = Html::parse_document(text);
    let mut w = Walker::default();
    w.blocks.push(Block {
        parent: None,
        flagged: false,
        has_block_children: false,
        lines: 0,
    });
    w.walk(doc.root_element(), 0, false);
    w.flush();

    let n = w.blocks.len();
    // Scores per line and per block subtree.
    let scores: Vec<f64> = w.lines.iter().map(line_score).collect();
    let mut subtree = vec![0.0f64; n];
    let mut sub_chars = vec![0usize; n];
    let mut sub_links = vec![0usize; n];
    for (l, &s) in w.lines.iter().zip(&scores) {
        let chars = l.text.chars().filter(|c| !c.is_whitespace()).count();
        let mut b = Some(l.owner);
        while let Some(i) = b {
            subtree[i] += s;
            sub_chars[i] += chars;
            sub_links[i] += l.link_chars;
            b = w.blocks[i].parent;
        }
    }
    let total = subtree[0].max(1.0);
    // A flagged block only removes its text when it does not hold most of the page's text.
    let removed: Vec<bool> = {
        let mut r = vec![false; n];
        for i in 1..n {
            let parent_removed = w.blocks[i].parent.is_some_and(|p| r[p]);
            r[i] = parent_removed || (w.blocks[i].flagged && subtree[i] < 0.5 * total);
        }
        r
    };
    // Container scores.
    let mut cand = vec![0.0f64; n];
    for (l, &s) in w.lines.iter().zip(&scores) {
        if s == 0.0 || removed[l.owner] {
            continue;
        }
        let b = &w.blocks[l.owner];
        let container = if b.has_block_children || b.lines >= 3 {
            l.owner
        } else {
            b.parent.unwrap_or(l.owner)
        };
        cand[container] += s;
        if let Some(p) = w.blocks[container].parent {
            cand[p] += s * 0.5;
            if let Some(g) = w.blocks[p].parent {
                cand[g] += s * 0.25;
            }
        }
    }
    let ld = |i: usize| sub_links[i] as f64 / sub_chars[i].max(1) as f64;
    let mut best = 0;
    let mut best_score = 0.0;
    for i in 0..n {
        if removed[i] {
            continue;
        }
        let s = cand[i] * (1.0 - ld(i));
        if s > best_score {
            best = i;
            best_score = s;
        }
    }
    // Chosen blocks: the best plus strong siblings.
    let mut chosen = vec![best];
    if let Some(p) = w.blocks[best].parent {
        for i in 0..n {
            if i != best
                && w.blocks[i].parent == Some(p)
                && !removed[i]
                && cand[i] * (1.0 - ld(i)) >= 0.3 * best_score
                && ld(i) < 0.25
            {
                chosen.push(i);
            }
        }
    }
    let in_chosen = |mut b: usize| loop {
        if chosen.contains(&b) {
            return true;
        }
        match w.blocks[b].parent {
            Some(p) => b = p,
            None => return false,
        }
    };
    let mut first_body_line = None;
    let mut body: Vec<String> = Vec::new();
    for (idx, l) in w.lines.iter().enumerate() {
        if removed[l.owner] || !in_chosen(l.owner) {
            continue;
        }
        let chars = l.text.chars().filter(|c| !c.is_whitespace()).count().max(1);
        if l.link_chars * 2 > chars || !l.text.chars().any(char::is_alphanumeric) {
            continue;
        }
        first_body_line.get_or_insert(idx);
        body.push(l.text.clone());
    }

    // Metadata.
    let title = find_title(&doc);
    let mut byline = Byline::default();
    let title_key = title.as_deref().map(compare_key).unwrap_or_default();
    let title_idx = (!title_key.is_empty())
        .then(|| {
            w.lines.iter().position(|l| {
                let k = compare_key(&l.text);
                !k.is_empty()
                    && (k == title_key || (k.chars().count() >= 6 && title_key.contains(&k)))
            })
        })
        .flatten();
    let top = first_body_line.unwrap_or(0);
    let window: Vec<usize> = match title_idx {
        Some(t) => (t + 1..(t + 15).min(w.lines.len())).collect(),
        None => (top.saturating_sub(12)..top).collect(),
    };
    let mut title = title;
    for &i in &window {
        if is_byline(&w.lines[i].text) {
            // A generic <title> ("新闻动态"): take the headline line just above the byline.
            if title_idx.is_none() && byline.date.is_none() && byline.source.is_none() && i > 0 {
                let prev = &w.lines[i - 1].text;
                let cur_len = title.as_deref().map_or(0, |t| t.chars().count());
                if is_title_like(prev) && !is_nav_line(prev) && prev.chars().count() > cur_len {
                    title = Some(prev.clone());
                }
            }
            byline.absorb(&w.lines[i].text);
        }
    }
    let meta_date = meta_content(
        &doc,
        &[
            "meta[property='article:published_time']",
            "meta[name='pubdate']",
            "meta[name='publishdate']",
            "meta[name='PubDate']",
            "meta[name='publishDate']",
            "meta[itemprop='datePublished']",
            "meta[name='og:time ']",
            "meta[name='og:time']",
            "meta[name='weibo: article:create_at']",
            "meta[name='article:published_time']",
        ],
    )
    .and_then(|d| find_date(&d));
    let url = meta_content(&doc, &["meta[property='og:url']", "link[rel='canonical']"]);
    let mut date = meta_date.or_else(|| byline.date.clone()).or_else(|| {
        window.iter().find_map(|&i| {
            (w.lines[i].text.chars().count() <= 120)
                .then(|| find_date(&w.lines[i].text))
                .flatten()
        })
    });
    if date.is_none() {
        date = url.as_deref().and_then(date_from_url);
    }
    let mut extras = Extras::default();
    let body = boilerplate::clean(&body, title.as_deref(), &mut byline, &mut extras);
    let mut a = Article {
        id: src.id.clone(),
        origin: src.origin.clone(),
        title,
        date,
        url,
        text: normalize_body(&body),
        ..Article::default()
    };
    if byline.source.is_none() {
        byline.source = meta_content(
            &doc,
            &[
                "meta[name='source']",
                "meta[name='mediaid']",
                "meta[property='og:site_name']",
            ],
        )
        .filter(|s| s.chars().count() <= 30);
    }
    if byline.author.is_none() && byline.reporter.is_none() {
        byline.author = meta_content(
            &doc,
            &["meta[name='author']", "meta[property='article:author']"],
        )
        .filter(|s| plausible_person(s));
    }
    byline.apply(&mut a);
    boilerplate::apply_extras(&extras, &mut a.meta);
    a.meta.insert("format".into(), "html".into());
    finish(a, src)
}
