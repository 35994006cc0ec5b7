//! `report.html`: a single self-contained dashboard of an `analyze` run.
//!
//! The page has no network dependencies at all: CSS, JavaScript and the
//! SVG charts are inline, no fonts, images or scripts are fetched. It holds
//!
//! - `#overview`: cards with the run counts (articles, sentences,
//!   directives, failed records) and, per category, the articles in which it
//!   is present;
//! - `#timeline`: directive sentences per category per week (per day when
//!   the dated articles span at most 31 days; per month when they span more
//!   than 156 weeks), as a stacked-bar SVG; undated articles are counted in
//!   a note;
//! - `#sources` and `#provinces`: breakdowns by source (来源) and by
//!   provincial-level division mentioned (see [`GAZETTEER`]), as tables with
//!   inline stacked bars;
//! - `#top-directives` with one `#cat-<label>` section per topic category:
//!   the corpus's best directive sentences, each linked to its article
//!   (`#a-<index>`, the 0-based order in which articles were added);
//! - `#articles`: one collapsed `<details id="a-<index>">` per article
//!   (articles with categories first, then the others, each group in input
//!   order) with title, date, source, id, category badges and the article
//!   text, in which each evidence sentence of the summary is highlighted in
//!   its category's colour (other-measure directives in grey) with its
//!   scores in a `title` tooltip. A small inline script filters the
//!   articles by category and text and opens an article when a link
//!   targets it.
//!
//! Only the evidence sentences kept in the [`ArticleSummary`] (at most
//! `AggregateOptions::max_evidence` per category) can be highlighted.
//!
//! Memory stays flat: [`HtmlReport::add`] writes each article section to a
//! temporary part file in the output directory and keeps only counters
//! (per day, per source, per province) and an id → index map;
//! [`HtmlReport::finish`] writes the dashboard and then copies the part
//! files into `report.html`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::aggregate::{ArticleSummary, CorpusSummary, Evidence};
use crate::document::Article;
use crate::error::{Error, Result};
use crate::labels::{display_name, TOPIC_LABELS};
use crate::report::summary::RunCounts;

/// The CJK-capable font stack used by the HTML reports.
pub const FONT_STACK: &str = r#""PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","WenQuanYi Micro Hei","WenQuanYi Zen Hei",sans-serif"#;

/// Colour of each topic category (same order as [`TOPIC_LABELS`]), used
/// everywhere in the report.
pub const CATEGORY_COLOURS: [&str; 4] = ["#d9480f", "#1971c2", "#2f9e44", "#7048e8"];
/// Colour of other-measure directives.
pub const OTHER_COLOUR: &str = "#868e96";
/// Short CSS class of each topic category (same order as [`TOPIC_LABELS`]).
const CODES: [&str; 4] = ["ic", "va", "inf", "ac"];
/// CSS class of other-measure directives.
const OTHER_CODE: &str = "ot";

/// The 34 provincial-level divisions (省级行政区) matched by the province
/// breakdown: `(short name, full name, further aliases)`.
///
/// An article mentions a province when its title or text contains the
/// short name, the full name or an alias. Text is scanned left to right
/// and the longest name starting at each position wins and is skipped
/// over, so that e.g. 浙江西部 counts 浙江 but not 江西, 上海南站 counts 上海
/// but not 海南, and 黑龙江西部 counts 黑龙江 only. City and county names
/// are not mapped to their provinces.
pub const GAZETTEER: [(&str, &str, &[&str]); 34] = [
    ("北京", "北京市", &[]),
    ("天津", "天津市", &[]),
    ("河北", "河北省", &[]),
    ("山西", "山西省", &[]),
    ("内蒙古", "内蒙古自治区", &["内蒙"]),
    ("辽宁", "辽宁省", &[]),
    ("吉林", "吉林省", &[]),
    ("黑龙江", "黑龙江省", &[]),
    ("上海", "上海市", &[]),
    ("江苏", "江苏省", &[]),
    ("浙江", "浙江省", &[]),
    ("安徽", "安徽省", &[]),
    ("福建", "福建省", &[]),
    ("江西", "江西省", &[]),
    ("山东", "山东省", &[]),
    ("河南", "河南省", &[]),
    ("湖北", "湖北省", &[]),
    ("湖南", "湖南省", &[]),
    ("广东", "广东省", &[]),
    ("广西", "广西壮族自治区", &[]),
    ("海南", "海南省", &[]),
    ("重庆", "重庆市", &[]),
    ("四川", "四川省", &[]),
    ("贵州", "贵州省", &[]),
    ("云南", "云南省", &[]),
    ("西藏", "西藏自治区", &[]),
    ("陕西", "陕西省", &[]),
    ("甘肃", "甘肃省", &[]),
    ("青海", "青海省", &[]),
    ("宁夏", "宁夏回族自治区", &[]),
    ("新疆", "新疆维吾尔自治区", &[]),
    ("香港", "香港特别行政区", &["香港特区"]),
    ("澳门", "澳门特别行政区", &["澳门特区"]),
    ("台湾", "台湾省", &["台湾地区"]),
];

/// HTML-escape `s` (text and attribute values: `& < > " '`) onto `out`.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// HTML-escape `s` (text and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

fn code(label: &str) -> &'static str {
    TOPIC_LABELS
        .iter()
        .position(|l| *l == label)
        .map_or(OTHER_CODE, |i| CODES[i])
}

/// The shared style sheet (category colours as classes `ic va inf ac ot`).
pub(crate) fn base_css() -> String {
    let mut css = format!(
        ":root{{--ic:{};--va:{};--inf:{};--ac:{};--ot:{}}}\n",
        CATEGORY_COLOURS[0],
        CATEGORY_COLOURS[1],
        CATEGORY_COLOURS[2],
        CATEGORY_COLOURS[3],
        OTHER_COLOUR
    );
    css.push_str("body{font-family:");
    css.push_str(FONT_STACK);
    css.push_str(
        r#";margin:0;color:#212529;background:#f4f5f7;line-height:1.6;font-size:15px}
header{background:#1b2a41;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:22px}header .m{color:#cfd8e3}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #dee2e6;padding:6px 24px;font-size:14px}
nav a{margin-right:14px;color:#1b2a41;text-decoration:none}nav a:hover{text-decoration:underline}
main{max-width:1180px;margin:0 auto;padding:0 18px 40px}
section{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:12px 18px;margin:16px 0}
section section{border:none;padding:4px 0;margin:6px 0}
h2{font-size:19px;margin:4px 0 10px}h3{font-size:16px;margin:10px 0 6px}
.m{color:#6c757d;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:10px}
.card{border:1px solid #dee2e6;border-left:6px solid #adb5bd;border-radius:6px;padding:8px 12px}
.card .v{font-size:26px;font-weight:700;line-height:1.2}.card .k{font-size:14px}
.card.ic{border-left-color:var(--ic)}.card.va{border-left-color:var(--va)}.card.inf{border-left-color:var(--inf)}.card.ac{border-left-color:var(--ac)}.card.ot{border-left-color:var(--ot)}
.card.ic .v,.c-ic{color:var(--ic)}.card.va .v,.c-va{color:var(--va)}.card.inf .v,.c-inf{color:var(--inf)}.card.ac .v,.c-ac{color:var(--ac)}.card.ot .v,.c-ot{color:var(--ot)}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:3px 8px;border-bottom:1px solid #edf0f2;text-align:left;vertical-align:top}
th{background:#f8f9fa;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:flex;height:12px;width:100%;min-width:120px;background:#f1f3f5;border-radius:2px;overflow:hidden;margin-top:4px}
.bar span{display:block;height:100%}
.bar .ic,.sw.ic{background:var(--ic)}.bar .va,.sw.va{background:var(--va)}.bar .inf,.sw.inf{background:var(--inf)}.bar .ac,.sw.ac{background:var(--ac)}.bar .ot,.sw.ot{background:var(--ot)}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
.b{display:inline-block;font-size:12px;line-height:18px;padding:0 7px;border-radius:9px;color:#fff;margin-left:5px;white-space:nowrap}
.b.ic{background:var(--ic)}.b.va{background:var(--va)}.b.inf{background:var(--inf)}.b.ac{background:var(--ac)}.b.ot{background:var(--ot)}
svg{max-width:100%;height:auto;font-size:11px}
svg text{fill:#495057}
a{color:#1864ab}
"#,
    );
    css
}

fn report_css() -> &'static str {
    r#"mark{background:none;color:inherit;padding:0 1px;border-bottom:2px solid;cursor:help}
mark.ic{background:#ffe8cc;border-color:var(--ic)}mark.va{background:#d0ebff;border-color:var(--va)}mark.inf{background:#d3f9d8;border-color:var(--inf)}mark.ac{background:#e5dbff;border-color:var(--ac)}mark.ot{background:#e9ecef;border-color:var(--ot)}
#articles details{border-bottom:1px solid #edf0f2;padding:3px 0}
#articles summary{cursor:pointer}#articles summary b{font-weight:600}
#articles summary i{font-style:normal;color:#6c757d;font-size:13px;margin-left:6px}
#articles .t{white-space:pre-wrap;padding:8px 12px;margin:4px 0 8px;background:#fbfbfc;border-left:3px solid #dee2e6;font-size:15px;line-height:1.8}
.flt{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin-bottom:8px}
.flt input{flex:1;min-width:200px;padding:4px 8px;font:inherit}.flt select,.flt button{font:inherit;padding:3px 6px}
ol.top li{margin:4px 0}ol.top .s{font-variant-numeric:tabular-nums;color:#6c757d;font-size:13px;margin-right:6px}
"#
}

/// Counters of a group of articles (a source, a province, a time bucket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Group {
    /// Articles.
    articles: usize,
    /// Articles with at least one topic category present.
    with_category: usize,
    /// Directive sentences per topic category.
    directives: [usize; 4],
    /// Other-measure directive sentences.
    other: usize,
}

impl Group {
    fn add(&mut self, s: &ArticleSummary) {
        self.articles += 1;
        if !s.categories_present.is_empty() {
            self.with_category += 1;
        }
        for (i, l) in TOPIC_LABELS.iter().enumerate() {
            self.directives[i] += s.categories.get(*l).map_or(0, |c| c.count);
        }
        self.other += s.other_count;
    }

    fn merge(&mut self, o: &Group) {
        self.articles += o.articles;
        self.with_category += o.with_category;
        for i in 0..4 {
            self.directives[i] += o.directives[i];
        }
        self.other += o.other;
    }

    fn total(&self) -> usize {
        self.directives.iter().sum()
    }
}

/// The report being written: see the module documentation.
pub struct HtmlReport {
    dir: PathBuf,
    with_path: PathBuf,
    rest_path: PathBuf,
    with_part: BufWriter<File>,
    rest_part: BufWriter<File>,
    with_count: usize,
    added: usize,
    ids: HashMap<String, usize>,
    days: BTreeMap<i64, Group>,
    undated: Group,
    sources: BTreeMap<String, Group>,
    provinces: Vec<Group>,
    other_total: usize,
    buf: String,
}

fn create_part(path: &Path) -> Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 16,
        File::create(path).map_err(|e| Error::io(path, e))?,
    ))
}

impl HtmlReport {
    /// Start a report in `dir` (created if missing); article sections go to
    /// temporary part files (`.report-*.html.part`) as they come.
    pub fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let with_path = dir.join(".report-with.html.part");
        let rest_path = dir.join(".report-rest.html.part");
        Ok(Self {
            dir: dir.to_path_buf(),
            with_part: create_part(&with_path)?,
            rest_part: create_part(&rest_path)?,
            with_path,
            rest_path,
            with_count: 0,
            added: 0,
            ids: HashMap::new(),
            days: BTreeMap::new(),
            undated: Group::default(),
            sources: BTreeMap::new(),
            provinces: vec![Group::default(); GAZETTEER.len()],
            other_total: 0,
            buf: String::new(),
        })
    }

    /// Add one article: its cleaned text and its summary (evidence offsets
    /// are character offsets into `article.text`).
    pub fn add(&mut self, article: &Article, summary: &ArticleSummary) -> Result<()> {
        let index = self.added;
        self.added += 1;
        self.ids.entry(summary.id.clone()).or_insert(index);
        match summary
            .date
            .as_deref()
            .or(article.date.as_deref())
            .and_then(parse_date)
        {
            Some(d) => self.days.entry(d).or_default().add(summary),
            None => self.undated.add(summary),
        }
        let source = summary
            .source
            .as_deref()
            .or(article.source.as_deref())
            .map(str::trim)
            .unwrap_or("");
        let source = if source.is_empty() {
            "（未注明来源）"
        } else {
            source
        };
        match self.sources.get_mut(source) {
            Some(g) => g.add(summary),
            None => {
                let mut g = Group::default();
                g.add(summary);
                self.sources.insert(source.to_string(), g);
            }
        }
        let title = article
            .title
            .as_deref()
            .or(summary.title.as_deref())
            .unwrap_or("");
        let mentioned = provinces_mentioned(title, &article.text);
        for (i, m) in mentioned.iter().enumerate() {
            if *m {
                self.provinces[i].add(summary);
            }
        }
        self.other_total += summary.other_count;
        self.buf.clear();
        article_section(&mut self.buf, index, article, summary);
        let (w, path) = if summary.categories_present.is_empty() {
            (&mut self.rest_part, &self.rest_path)
        } else {
            self.with_count += 1;
            (&mut self.with_part, &self.with_path)
        };
        w.write_all(self.buf.as_bytes())
            .map_err(|e| Error::io(path, e))
    }

    /// Write `report.html` (a single self-contained file) into the
    /// directory, remove the temporary files and return the report's path.
    pub fn finish(
        mut self,
        corpus: &CorpusSummary,
        counts: &RunCounts,
        model: &str,
    ) -> Result<PathBuf> {
        self.with_part
            .flush()
            .map_err(|e| Error::io(&self.with_path, e))?;
        self.rest_part
            .flush()
            .map_err(|e| Error::io(&self.rest_path, e))?;
        let path = self.dir.join("report.html");
        let mut out = BufWriter::with_capacity(
            1 << 16,
            File::create(&path).map_err(|e| Error::io(&path, e))?,
        );
        let io = |e| Error::io(&path, e);
        out.write_all(self.head(corpus, counts, model).as_bytes())
            .map_err(io)?;
        let rest = self.added - self.with_count;
        let group = |title: &str, n: usize| format!("<h3>{title}（{n}）</h3>\n");
        out.write_all(group("含防控类别的文章", self.with_count).as_bytes())
            .map_err(io)?;
        copy_part(&self.with_path, &mut out).map_err(io)?;
        out.write_all(group("其他文章", rest).as_bytes())
            .map_err(io)?;
        copy_part(&self.rest_path, &mut out).map_err(io)?;
        out.write_all(tail().as_bytes()).map_err(io)?;
        out.flush().map_err(io)?;
        drop(out);
        for p in [&self.with_path, &self.rest_path] {
            std::fs::remove_file(p).map_err(|e| Error::io(p, e))?;
        }
        Ok(path)
    }

    /// Everything before the article sections.
    fn head(&self, corpus: &CorpusSummary, counts: &RunCounts, model: &str) -> String {
        let mut s = String::with_capacity(1 << 16);
        s.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        s.push_str("<title>policy-lens 报告：疫情防控指令分析</title>\n<style>\n");
        s.push_str(&base_css());
        s.push_str(report_css());
        s.push_str("</style>\n</head>\n<body>\n<header><h1>policy-lens 报告 · 疫情防控指令分析</h1>\n<div class=\"m\">");
        let range = match (self.days.keys().next(), self.days.keys().next_back()) {
            (Some(a), Some(b)) => format!("日期范围 {} 至 {} · ", fmt_day(*a), fmt_day(*b)),
            _ => String::new(),
        };
        let _ = write!(s, "{range}模型 <code>");
        escape_into(&mut s, model);
        s.push_str("</code></div></header>\n<nav>");
        for (id, name) in [
            ("overview", "概览"),
            ("timeline", "时间线"),
            ("sources", "来源"),
            ("provinces", "省份"),
            ("top-directives", "重点指令"),
            ("articles", "文章"),
        ] {
            let _ = write!(s, "<a href=\"#{id}\">{name}</a>");
        }
        s.push_str("</nav>\n<main>\n");
        self.overview(&mut s, corpus, counts);
        self.timeline(&mut s);
        self.sources_section(&mut s);
        self.provinces_section(&mut s);
        self.top_section(&mut s, corpus);
        s.push_str("<section id=\"articles\">\n<h2>文章</h2>\n");
        s.push_str("<p class=\"m\">点击标题展开全文。指令句按类别着色（灰色：其他措施），鼠标悬停可见得分（类别得分×指令得分）；每类仅高亮摘要保留的最佳证据句。</p>\n");
        s.push_str("<div class=\"flt\"><input id=\"q\" type=\"search\" placeholder=\"按文字筛选（标题、正文、来源、id）\" aria-label=\"文字筛选\">");
        s.push_str(
            "<select id=\"fc\" aria-label=\"类别筛选\"><option value=\"\">全部类别</option>",
        );
        for (i, l) in TOPIC_LABELS.iter().enumerate() {
            let _ = write!(
                s,
                "<option value=\"{}\">{} {}</option>",
                CODES[i],
                display_name(l),
                l
            );
        }
        let _ = writeln!(
            s,
            "<option value=\"ot\">其他措施</option><option value=\"none\">无指令句</option></select>\
             <button type=\"button\" id=\"xa\">展开</button><button type=\"button\" id=\"xc\">收起</button>\
             <span class=\"m\">显示 <b id=\"fn\">{n}</b> / {n} 篇</span></div>",
            n = self.added
        );
        s
    }

    fn overview(&self, s: &mut String, corpus: &CorpusSummary, counts: &RunCounts) {
        s.push_str("<section id=\"overview\">\n<h2>概览</h2>\n<div class=\"cards\">\n");
        let pct = |a: usize, b: usize| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let card = |s: &mut String, class: &str, value: usize, key: &str, note: &str| {
            let _ = writeln!(s, "<div class=\"card {class}\"><div class=\"v\">{value}</div><div class=\"k\">{key}</div><div class=\"m\">{note}</div></div>");
        };
        card(
            s,
            "",
            corpus.articles,
            "文章 articles",
            &format!("读取 {} 条记录，{} 个输入", counts.read, counts.inputs),
        );
        card(s, "", corpus.sentences, "句子 sentences", "已评分的句子");
        card(
            s,
            "",
            corpus.directives,
            "指令句 directives",
            &format!("占句子 {:.1}%", pct(corpus.directives, corpus.sentences)),
        );
        card(
            s,
            "",
            counts.failed,
            "失败记录 failed",
            "无法读取的记录（见 errors.jsonl）",
        );
        for (i, l) in TOPIC_LABELS.iter().enumerate() {
            let n = corpus.articles_with.get(*l).copied().unwrap_or(0);
            let d = corpus.directive_sentences.get(*l).copied().unwrap_or(0);
            card(
                s,
                CODES[i],
                n,
                &format!("{} <span class=\"m\">{}</span>", display_name(l), l),
                &format!(
                    "含此类别的文章（{:.1}%）· {} 个指令句",
                    pct(n, corpus.articles),
                    d
                ),
            );
        }
        card(
            s,
            OTHER_CODE,
            self.other_total,
            "其他措施 other",
            "无类别标签的指令句",
        );
        s.push_str("</div>\n<p class=\"m\">类别“存在”：文章中至少有规定数量的该类别指令句（指令得分与类别得分均达到阈值）。一个句子可属于多个类别。</p>\n</section>\n");
    }

    fn timeline(&self, s: &mut String) {
        s.push_str("<section id=\"timeline\">\n<h2>时间线：各类别指令句</h2>\n");
        let (unit, buckets) = bucket_timeline(&self.days);
        if buckets.is_empty() {
            s.push_str("<p>没有带日期的文章。</p>\n");
        } else {
            let unit_name = match unit {
                Granularity::Day => "按日",
                Granularity::Week => "按周（周一开始）",
                Granularity::Month => "按月",
            };
            let _ = writeln!(
                s,
                "<p class=\"m\">{unit_name}统计各类别指令句数（堆叠柱形图，悬停查看数值）。</p>"
            );
            timeline_svg(s, &buckets, unit);
        }
        let dated: usize = self.days.values().map(|g| g.articles).sum();
        let _ = writeln!(
            s,
            "<p class=\"m\">{} 篇文章有日期；{} 篇无日期（未计入时间线，其指令句：{}）。</p>\n</section>",
            dated,
            self.undated.articles,
            self.undated.total()
        );
    }

    fn sources_section(&self, s: &mut String) {
        s.push_str("<section id=\"sources\">\n<h2>按来源</h2>\n");
        let mut rows: Vec<(&str, Group)> =
            self.sources.iter().map(|(k, g)| (k.as_str(), *g)).collect();
        rows.sort_by(|a, b| {
            b.1.articles
                .cmp(&a.1.articles)
                .then(b.1.total().cmp(&a.1.total()))
                .then(a.0.cmp(b.0))
        });
        const MAX: usize = 30;
        let mut shown: Vec<(String, Group)> = rows
            .iter()
            .take(MAX)
            .map(|(k, g)| (k.to_string(), *g))
            .collect();
        if rows.len() > MAX {
            let mut rest = Group::default();
            for (_, g) in &rows[MAX..] {
                rest.merge(g);
            }
            shown.push((format!("其他 {} 个来源", rows.len() - MAX), rest));
        }
        if shown.is_empty() {
            s.push_str("<p>没有文章。</p>\n");
        } else {
            group_table(s, "来源", &shown);
        }
        s.push_str("</section>\n");
    }

    fn provinces_section(&self, s: &mut String) {
        s.push_str("<section id=\"provinces\">\n<h2>按省份（提及的省级行政区）</h2>\n");
        s.push_str("<p class=\"m\">标题或正文提及某省级行政区（简称或全称，如 河北/河北省、内蒙古/内蒙古自治区、广西/广西壮族自治区）的文章数，以及这些文章中各类别的指令句数。一篇文章可提及多个省份；城市名不计入。</p>\n");
        let mut rows: Vec<(usize, Group)> = self
            .provinces
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, g)| g.articles > 0)
            .collect();
        rows.sort_by(|a, b| {
            b.1.articles
                .cmp(&a.1.articles)
                .then(b.1.total().cmp(&a.1.total()))
                .then(a.0.cmp(&b.0))
        });
        if rows.is_empty() {
            s.push_str("<p>没有文章提及省级行政区。</p>\n");
        } else {
            let named: Vec<(String, Group)> = rows
                .iter()
                .map(|(i, g)| (GAZETTEER[*i].0.to_string(), *g))
                .collect();
            group_table(s, "省份", &named);
        }
        let none: Vec<&str> = (0..GAZETTEER.len())
            .filter(|i| self.provinces[*i].articles == 0)
            .map(|i| GAZETTEER[i].0)
            .collect();
        if !none.is_empty() {
            let _ = writeln!(s, "<p class=\"m\">未被提及：{}</p>", none.join("、"));
        }
        s.push_str("</section>\n");
    }

    fn top_section(&self, s: &mut String, corpus: &CorpusSummary) {
        s.push_str(
            "<section id=\"top-directives\">\n<h2>重点指令（各类别得分最高的指令句）</h2>\n",
        );
        for (i, l) in TOPIC_LABELS.iter().enumerate() {
            let _ = writeln!(
                s,
                "<section id=\"cat-{l}\">\n<h3><span class=\"sw {}\"></span><span class=\"c-{}\">{}</span> <span class=\"m\">{l}</span></h3>",
                CODES[i],
                CODES[i],
                display_name(l)
            );
            match corpus.top.get(*l).filter(|v| !v.is_empty()) {
                None => s.push_str("<p class=\"m\">未发现。</p>\n"),
                Some(top) => {
                    s.push_str("<ol class=\"top\">\n");
                    for t in top {
                        let _ = write!(s, "<li><span class=\"s\" title=\"得分 = 类别得分 × 指令得分\">{:.2}</span>", t.evidence.score);
                        escape_into(s, &t.evidence.text);
                        s.push_str(" <span class=\"m\">—");
                        let title = t.title.as_deref().unwrap_or(&t.article);
                        match self.ids.get(&t.article) {
                            Some(idx) => {
                                let _ = write!(s, " <a href=\"#a-{idx}\">");
                                escape_into(s, title);
                                s.push_str("</a>");
                            }
                            None => {
                                s.push(' ');
                                escape_into(s, title);
                            }
                        }
                        s.push_str("</span></li>\n");
                    }
                    s.push_str("</ol>\n");
                }
            }
            s.push_str("</section>\n");
        }
        s.push_str("</section>\n");
    }
}

impl Drop for HtmlReport {
    /// Temporary part files never outlive the report (after `finish` they
    /// are already gone).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.with_path);
        let _ = std::fs::remove_file(&self.rest_path);
    }
}

fn copy_part(path: &Path, out: &mut impl Write) -> std::io::Result<u64> {
    let mut f = File::open(path)?;
    std::io::copy(&mut f, out)
}

/// Closing markup and the filter script.
fn tail() -> &'static str {
    r#"</section>
</main>
<script>
(function(){
var q=document.getElementById('q'),fc=document.getElementById('fc'),fn=document.getElementById('fn');
var items=document.querySelectorAll('#articles details'),tm=null;
function run(){
 var t=q.value.trim().toLowerCase(),k=fc.value,n=0;
 for(var i=0;i<items.length;i++){
  var d=items[i],c=' '+(d.getAttribute('data-c')||'')+' ',ok=true;
  if(k==='none'){ok=c.trim()==='';}else if(k){ok=c.indexOf(' '+k+' ')>=0;}
  if(ok&&t){ok=d.textContent.toLowerCase().indexOf(t)>=0||d.id.indexOf(t)===0;}
  d.hidden=!ok;if(ok)n++;
 }
 fn.textContent=n;
}
q.addEventListener('input',function(){clearTimeout(tm);tm=setTimeout(run,200);});
fc.addEventListener('change',run);
function setAll(open){for(var i=0;i<items.length;i++){if(!items[i].hidden)items[i].open=open;}}
document.getElementById('xa').addEventListener('click',function(){setAll(true);});
document.getElementById('xc').addEventListener('click',function(){setAll(false);});
function openHash(){
 var h=decodeURIComponent(location.hash.slice(1));if(!h)return;
 var e=document.getElementById(h);
 if(e&&e.tagName==='DETAILS'){e.hidden=false;e.open=true;e.scrollIntoView();}
}
window.addEventListener('hashchange',openHash);openHash();
})();
</script>
</body>
</html>
"#
}

/// A table of groups with per-category counts and an inline stacked bar.
fn group_table(s: &mut String, what: &str, rows: &[(String, Group)]) {
    let max = rows
        .iter()
        .map(|(_, g)| g.total() + g.other)
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = write!(
        s,
        "<table>\n<tr><th>{what}</th><th class=\"n\">文章</th><th class=\"n\">含类别</th>"
    );
    for (i, l) in TOPIC_LABELS.iter().enumerate() {
        let _ = write!(s, "<th class=\"n c-{}\">{}</th>", CODES[i], display_name(l));
    }
    s.push_str("<th class=\"n c-ot\">其他</th><th style=\"width:30%\">指令句</th></tr>\n");
    for (name, g) in rows {
        s.push_str("<tr><td>");
        escape_into(s, name);
        let _ = write!(
            s,
            "</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            g.articles, g.with_category
        );
        for i in 0..4 {
            let _ = write!(s, "<td class=\"n\">{}</td>", g.directives[i]);
        }
        let _ = write!(s, "<td class=\"n\">{}</td><td>", g.other);
        bar(s, g, max);
        s.push_str("</td></tr>\n");
    }
    s.push_str("</table>\n");
}

/// An inline stacked bar of a group's directive sentences, scaled to `max`.
fn bar(s: &mut String, g: &Group, max: usize) {
    let mut title = String::new();
    for (i, l) in TOPIC_LABELS.iter().enumerate() {
        let _ = write!(title, "{} {} · ", display_name(l), g.directives[i]);
    }
    let _ = write!(title, "其他 {}", g.other);
    let _ = write!(s, "<div class=\"bar\" title=\"{title}\">");
    let parts = g
        .directives
        .iter()
        .enumerate()
        .map(|(i, n)| (CODES[i], *n))
        .chain([(OTHER_CODE, g.other)]);
    for (c, n) in parts {
        if n > 0 {
            let _ = write!(
                s,
                "<span class=\"{c}\" style=\"width:{:.2}%\"></span>",
                100.0 * n as f64 / max as f64
            );
        }
    }
    s.push_str("</div>");
}

// ---------------------------------------------------------------- articles

/// One highlighted span: byte range in the text, CSS class, tooltip.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    start: usize,
    end: usize,
    class: &'static str,
    title: String,
}

/// Byte range of the evidence in `text`: its character offsets when they
/// match its text, else the first occurrence of its text.
fn evidence_range(text: &str, char_starts: &[usize], e: &Evidence) -> Option<(usize, usize)> {
    let n = char_starts.len() - 1;
    if e.start < e.end && e.end <= n {
        let (a, b) = (char_starts[e.start], char_starts[e.end]);
        if text[a..b] == e.text || e.text.is_empty() {
            return Some((a, b));
        }
    }
    if e.text.is_empty() {
        return None;
    }
    text.find(e.text.as_str()).map(|a| (a, a + e.text.len()))
}

/// Highlight spans of an article: every evidence sentence of the summary,
/// coloured by its best-scoring category (other measures in grey), with
/// all its categories and scores in the tooltip. Sorted, non-overlapping.
fn highlight_spans(text: &str, s: &ArticleSummary) -> Vec<Span> {
    let mut char_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    char_starts.push(text.len());
    // (start, end) → [(label, ranking score, category score, directive score)]
    let mut by_range: BTreeMap<(usize, usize), Vec<(&str, &Evidence)>> = BTreeMap::new();
    for l in TOPIC_LABELS {
        if let Some(c) = s.categories.get(l) {
            for e in &c.directives {
                if let Some(r) = evidence_range(text, &char_starts, e) {
                    by_range.entry(r).or_default().push((l, e));
                }
            }
        }
    }
    for e in &s.other_measures {
        if let Some(r) = evidence_range(text, &char_starts, e) {
            by_range.entry(r).or_default().push(("other", e));
        }
    }
    let mut spans = Vec::new();
    let mut last_end = 0;
    for ((start, end), mut labels) in by_range {
        if start < last_end {
            continue; // overlaps the previous span
        }
        labels.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
        let mut title = String::new();
        for (l, e) in &labels {
            if !title.is_empty() {
                title.push_str(" · ");
            }
            if *l == "other" {
                let _ = write!(title, "其他措施 {:.2}", e.directive_score);
            } else {
                let _ = write!(
                    title,
                    "{} {:.2}（{:.2}×{:.2}）",
                    display_name(l),
                    e.score,
                    e.category_score,
                    e.directive_score
                );
            }
        }
        spans.push(Span {
            start,
            end,
            class: code(labels[0].0),
            title,
        });
        last_end = end;
    }
    spans
}

/// The article text, escaped, with the spans wrapped in `<mark>`.
fn render_text(out: &mut String, text: &str, spans: &[Span]) {
    let mut at = 0;
    for sp in spans {
        escape_into(out, &text[at..sp.start]);
        let _ = write!(out, "<mark class=\"{}\" title=\"", sp.class);
        escape_into(out, &sp.title);
        out.push_str("\">");
        escape_into(out, &text[sp.start..sp.end]);
        out.push_str("</mark>");
        at = sp.end;
    }
    escape_into(out, &text[at..]);
}

/// One article's `<details>` section.
fn article_section(out: &mut String, index: usize, a: &Article, s: &ArticleSummary) {
    let mut codes: Vec<&str> = s.categories_present.iter().map(|l| code(l)).collect();
    if s.other_count > 0 {
        codes.push(OTHER_CODE);
    }
    let _ = write!(
        out,
        "<details id=\"a-{index}\" data-c=\"{}\"><summary><b>",
        codes.join(" ")
    );
    let title = a
        .title
        .as_deref()
        .or(s.title.as_deref())
        .unwrap_or("（无标题）");
    escape_into(out, title);
    out.push_str("</b><i>");
    let date = s.date.as_deref().or(a.date.as_deref());
    let source = s.source.as_deref().or(a.source.as_deref());
    for part in [date, source].into_iter().flatten() {
        escape_into(out, part);
        out.push_str(" · ");
    }
    escape_into(out, &s.id);
    out.push_str("</i>");
    for l in &s.categories_present {
        let n = s.categories.get(l).map_or(0, |c| c.count);
        let _ = write!(
            out,
            "<span class=\"b {}\">{} {n}</span>",
            code(l),
            display_name(l)
        );
    }
    if s.other_count > 0 {
        let _ = write!(out, "<span class=\"b ot\">其他 {}</span>", s.other_count);
    }
    out.push_str("</summary><div class=\"t\">");
    render_text(out, &a.text, &highlight_spans(&a.text, s));
    out.push_str("</div></details>\n");
}

// ---------------------------------------------------------------- dates

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day number.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number of a `YYYY-MM-DD` date (anything after the first ten
/// characters is ignored); `None` when it is not a valid date.
fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || !s.is_char_boundary(10) {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let z = days_from_civil(y, m, d);
    (civil_from_days(z) == (y, m, d)).then_some(z)
}

fn fmt_day(z: i64) -> String {
    let (y, m, d) = civil_from_days(z);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Time-line bucket size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granularity {
    Day,
    Week,
    Month,
}

/// One time-line bucket: first and last day and its counters.
#[derive(Debug, Clone, PartialEq)]
struct Bucket {
    from: i64,
    to: i64,
    group: Group,
}

/// Buckets covering the whole dated range (empty buckets included): days
/// when the range spans at most 31 days, Monday-based weeks up to 156
/// weeks, months beyond.
fn bucket_timeline(days: &BTreeMap<i64, Group>) -> (Granularity, Vec<Bucket>) {
    let (Some(&first), Some(&last)) = (days.keys().next(), days.keys().next_back()) else {
        return (Granularity::Day, Vec::new());
    };
    let monday = |z: i64| z - (z + 3).rem_euclid(7);
    let unit = if last - first < 31 {
        Granularity::Day
    } else if (monday(last) - monday(first)) / 7 < 156 {
        Granularity::Week
    } else {
        Granularity::Month
    };
    let start_of = |z: i64| match unit {
        Granularity::Day => z,
        Granularity::Week => monday(z),
        Granularity::Month => {
            let (y, m, _) = civil_from_days(z);
            days_from_civil(y, m, 1)
        }
    };
    let next = |z: i64| match unit {
        Granularity::Day => z + 1,
        Granularity::Week => z + 7,
        Granularity::Month => {
            let (y, m, _) = civil_from_days(z);
            if m == 12 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, m + 1, 1)
            }
        }
    };
    let mut buckets = Vec::new();
    let mut from = start_of(first);
    while from <= last {
        let to = next(from) - 1;
        let mut group = Group::default();
        for (_, g) in days.range(from..=to) {
            group.merge(g);
        }
        buckets.push(Bucket { from, to, group });
        from = to + 1;
    }
    (unit, buckets)
}

/// A "nice" axis step (1, 2 or 5 × 10^k) giving about `ticks` ticks up to `max`.
fn nice_step(max: usize, ticks: usize) -> usize {
    let raw = (max as f64 / ticks.max(1) as f64).max(1.0);
    let pow = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * pow);
    step.round().max(1.0) as usize
}

/// The stacked-bar time line.
fn timeline_svg(s: &mut String, buckets: &[Bucket], unit: Granularity) {
    let (w, h) = (1000.0f64, 300.0f64);
    let (ml, mr, mt, mb) = (48.0, 12.0, 34.0, 58.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let max = buckets.iter().map(|b| b.group.total()).max().unwrap_or(0);
    let step = nice_step(max.max(1), 5);
    let top = max.max(1).div_ceil(step) * step;
    let y = |v: usize| mt + ph - ph * v as f64 / top as f64;
    let _ = writeln!(
        s,
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"各类别指令句时间线\">"
    );
    // legend
    let mut lx = ml;
    for (i, l) in TOPIC_LABELS.iter().enumerate() {
        let _ = writeln!(
            s,
            "<rect x=\"{lx}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"18\" font-size=\"13\">{} {l}</text>",
            CATEGORY_COLOURS[i],
            lx + 16.0,
            display_name(l)
        );
        lx += 190.0;
    }
    // grid and y axis
    let mut v = 0;
    while v <= top {
        let yy = y(v);
        let _ = writeln!(
            s,
            "<line x1=\"{ml}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e9ecef\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            ml + pw,
            ml - 6.0,
            yy + 4.0
        );
        v += step;
    }
    let _ = writeln!(
        s,
        "<text transform=\"translate(12 {:.1}) rotate(-90)\" text-anchor=\"middle\">指令句</text>",
        mt + ph / 2.0
    );
    let n = buckets.len();
    let slot = pw / n as f64;
    let bw = (slot * 0.8).max(1.0);
    let multi_year = civil_from_days(buckets[0].from).0 != civil_from_days(buckets[n - 1].to).0;
    let label = |b: &Bucket| {
        let (yy, m, d) = civil_from_days(b.from);
        match unit {
            Granularity::Month => format!("{yy}-{m:02}"),
            _ if multi_year => format!("{yy}-{m:02}-{d:02}"),
            _ => format!("{m:02}-{d:02}"),
        }
    };
    let every = n.div_ceil(24).max(1);
    for (k, b) in buckets.iter().enumerate() {
        let x = ml + slot * k as f64 + (slot - bw) / 2.0;
        let range = if b.from == b.to {
            fmt_day(b.from)
        } else {
            format!("{} 至 {}", fmt_day(b.from), fmt_day(b.to))
        };
        let mut tip = format!("{range}：{} 篇文章", b.group.articles);
        for (i, l) in TOPIC_LABELS.iter().enumerate() {
            let _ = write!(tip, "，{} {}", display_name(l), b.group.directives[i]);
        }
        let _ = write!(s, "<g><title>{}</title>", escape(&tip));
        // an invisible full-height target so that empty buckets have a tooltip too
        let _ = write!(s, "<rect x=\"{x:.1}\" y=\"{mt}\" width=\"{bw:.1}\" height=\"{ph}\" fill=\"transparent\"/>");
        let mut acc = 0;
        for (i, c) in b.group.directives.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let (y1, y0) = (y(acc + c), y(acc));
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
                (y0 - y1).max(0.5),
                CATEGORY_COLOURS[i]
            );
            acc += c;
        }
        s.push_str("</g>\n");
        if k % every == 0 {
            let cx = ml + slot * (k as f64 + 0.5);
            let _ = writeln!(
                s,
                "<text transform=\"translate({cx:.1} {:.1}) rotate(-40)\" text-anchor=\"end\">{}</text>",
                mt + ph + 14.0,
                label(b)
            );
        }
    }
    let _ = writeln!(
        s,
        "<line x1=\"{ml}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#868e96\"/>\n</svg>",
        ml + pw,
        mt + ph,
        mt + ph
    );
}

// ---------------------------------------------------------------- provinces

/// Which gazetteer provinces (index into [`GAZETTEER`]) the title or the
/// text mention (longest match, left to right; see [`GAZETTEER`]).
pub fn provinces_mentioned(title: &str, text: &str) -> [bool; 34] {
    let mut found = [false; 34];
    scan_provinces(title, &mut found);
    scan_provinces(text, &mut found);
    found
}

fn scan_provinces(text: &str, found: &mut [bool; 34]) {
    // Every name with its province, longest first.
    thread_local! {
        static NAMES: Vec<(&'static str, usize)> = {
            let mut v: Vec<(&'static str, usize)> = Vec::new();
            for (i, (short, full, aliases)) in GAZETTEER.iter().enumerate() {
                v.push((short, i));
                v.push((full, i));
                for a in aliases.iter() {
                    v.push((a, i));
                }
            }
            v.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
            v
        };
    }
    NAMES.with(|names| {
        let mut i = 0;
        let b = text.as_bytes();
        while i < b.len() {
            // All names start with a CJK character (3 bytes in UTF-8).
            let hit = if b[i] >= 0xE0 {
                names.iter().find(|(n, _)| b[i..].starts_with(n.as_bytes()))
            } else {
                None
            };
            match hit {
                Some((n, p)) => {
                    found[*p] = true;
                    i += n.len();
                }
                None => {
                    i += 1;
                    while i < b.len() && (b[i] & 0xC0) == 0x80 {
                        i += 1;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{summarize, AggregateOptions, ScoredSentence};
    use crate::segment::split;

    /// Summarise `text` scoring each sentence with `score(sentence text)`.
    fn summary(a: &Article, score: impl Fn(&str) -> [f32; 5]) -> ArticleSummary {
        let scored: Vec<ScoredSentence> = split(&a.text)
            .into_iter()
            .map(|s| {
                let v = score(&s.text);
                let scores = crate::labels::ALL_LABELS
                    .iter()
                    .map(|l| l.to_string())
                    .zip(v)
                    .collect();
                ScoredSentence {
                    sentence: s,
                    scores,
                }
            })
            .collect();
        summarize(a, &scored, &AggregateOptions::new(BTreeMap::new()))
    }

    fn keyword_scores(t: &str) -> [f32; 5] {
        let on = |k: &[&str]| {
            if k.iter().any(|k| t.contains(k)) {
                0.9
            } else {
                0.1
            }
        };
        [
            on(&["入境", "输入"]),
            on(&["疫苗", "接种"]),
            on(&["院感", "医院"]),
            on(&["问责", "追责"]),
            on(&["要", "必须", "严格"]),
        ]
    }

    fn article(
        id: &str,
        title: &str,
        date: Option<&str>,
        source: Option<&str>,
        text: &str,
    ) -> Article {
        Article {
            id: id.into(),
            title: Some(title.into()),
            date: date.map(Into::into),
            source: source.map(Into::into),
            origin: "test".into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn escapes_all_special_characters() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(escape("外防输入"), "外防输入");
    }

    #[test]
    fn highlights_use_char_offsets_on_multibyte_text() {
        let text = "𠮷会议指出，形势严峻。要严格落实入境人员隔离措施！<b>注意</b>做好疫苗接种。";
        let a = article("a1", "标题", None, None, text);
        let s = summary(&a, keyword_scores);
        let spans = highlight_spans(text, &s);
        let marked: Vec<(&str, &str)> = spans
            .iter()
            .map(|sp| (&text[sp.start..sp.end], sp.class))
            .collect();
        assert_eq!(marked, [("要严格落实入境人员隔离措施！", "ic")]);
        let mut out = String::new();
        render_text(&mut out, text, &spans);
        assert!(out.starts_with("𠮷会议指出，形势严峻。<mark class=\"ic\" title=\"外防输入 0.81（0.90×0.90）\">要严格落实入境人员隔离措施！</mark>"), "{out}");
        assert!(
            out.ends_with("&lt;b&gt;注意&lt;/b&gt;做好疫苗接种。"),
            "{out}"
        );
    }

    #[test]
    fn highlight_lists_every_category_and_greys_other_measures() {
        let text = "必须加强入境人员疫苗接种。要落实属地责任。\n今天天气晴。";
        let a = article("a2", "t", None, None, text);
        let s = summary(&a, keyword_scores);
        let spans = highlight_spans(text, &s);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].class, "ic"); // tie on score: label order
        assert!(
            spans[0].title.contains("外防输入") && spans[0].title.contains("疫苗接种"),
            "{}",
            spans[0].title
        );
        assert_eq!(spans[1].class, "ot");
        assert_eq!(&text[spans[1].start..spans[1].end], "要落实属地责任。");
    }

    #[test]
    fn wrong_offsets_fall_back_to_text_search_or_are_skipped() {
        let text = "第一句。要严格入境管理。";
        let a = article("a3", "t", None, None, text);
        let mut s = summary(&a, keyword_scores);
        let ev = &mut s.categories.get_mut("import_control").unwrap().directives[0];
        ev.start = 0;
        ev.end = 3;
        assert_eq!(highlight_spans(text, &s)[0].start, "第一句。".len());
        let ev = &mut s.categories.get_mut("import_control").unwrap().directives[0];
        ev.text = "不存在".into();
        ev.end = 999;
        assert!(highlight_spans(text, &s).is_empty());
    }

    #[test]
    fn dates_parse_and_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2022-01-05"), Some(days_from_civil(2022, 1, 5)));
        assert_eq!(fmt_day(parse_date("2020-02-29").unwrap()), "2020-02-29");
        assert_eq!(parse_date("2021-02-29"), None);
        assert_eq!(parse_date("2022-13-01"), None);
        assert_eq!(parse_date("昨天"), None);
        assert_eq!(parse_date("2022-01-05 10:00"), parse_date("2022-01-05"));
    }

    fn days_of(dates: &[(&str, usize)]) -> BTreeMap<i64, Group> {
        let mut m = BTreeMap::new();
        for (d, n) in dates {
            let g: &mut Group = m.entry(parse_date(d).unwrap()).or_default();
            g.articles += 1;
            g.directives[0] += n;
        }
        m
    }

    #[test]
    fn timeline_is_daily_up_to_31_days() {
        let (unit, b) = bucket_timeline(&days_of(&[
            ("2022-01-01", 2),
            ("2022-01-03", 1),
            ("2022-01-31", 4),
        ]));
        assert_eq!(unit, Granularity::Day);
        assert_eq!(b.len(), 31);
        assert_eq!(fmt_day(b[0].from), "2022-01-01");
        assert_eq!(
            (
                b[0].group.directives[0],
                b[1].group.directives[0],
                b[2].group.directives[0]
            ),
            (2, 0, 1)
        );
        assert_eq!(b[30].group.directives[0], 4);
    }

    #[test]
    fn timeline_is_weekly_from_32_days_with_monday_weeks() {
        // 2022-01-01 is a Saturday; its week starts Monday 2021-12-27.
        let (unit, b) = bucket_timeline(&days_of(&[
            ("2022-01-01", 1),
            ("2022-01-02", 2),
            ("2022-01-03", 5),
            ("2022-02-01", 3),
        ]));
        assert_eq!(unit, Granularity::Week);
        assert_eq!(fmt_day(b[0].from), "2021-12-27");
        assert_eq!(fmt_day(b[0].to), "2022-01-02");
        assert_eq!(b[0].group.directives[0], 3);
        assert_eq!(b[0].group.articles, 2);
        assert_eq!(fmt_day(b[1].from), "2022-01-03");
        assert_eq!(b[1].group.directives[0], 5);
        assert_eq!(fmt_day(b.last().unwrap().from), "2022-01-31");
        assert_eq!(b.last().unwrap().group.directives[0], 3);
        assert_eq!(b.len(), 6);
        assert_eq!(b.iter().map(|x| x.group.directives[0]).sum::<usize>(), 11);
    }

    #[test]
    fn timeline_is_monthly_for_long_ranges() {
        let (unit, b) = bucket_timeline(&days_of(&[("2018-01-15", 1), ("2022-03-02", 1)]));
        assert_eq!(unit, Granularity::Month);
        assert_eq!(fmt_day(b[0].from), "2018-01-01");
        assert_eq!(b.len(), 51);
        assert_eq!(fmt_day(b[50].to), "2022-03-31");
    }

    #[test]
    fn province_counting_uses_short_and_full_names_and_longest_match() {
        let idx = |n: &str| GAZETTEER.iter().position(|g| g.0 == n).unwrap();
        let f = provinces_mentioned(
            "内蒙古自治区召开会议",
            "广西壮族自治区、河北省和北京加强防控。浙江西部、上海南站、黑龙江西部。",
        );
        let names: Vec<&str> = (0..34).filter(|i| f[*i]).map(|i| GAZETTEER[i].0).collect();
        assert_eq!(
            names,
            ["北京", "河北", "内蒙古", "黑龙江", "上海", "浙江", "广西"]
        );
        assert!(!f[idx("江西")] && !f[idx("海南")]);
        let f = provinces_mentioned("", "江西省、海南和香港特区");
        assert!(f[idx("江西")] && f[idx("海南")] && f[idx("香港")]);
        assert_eq!(
            GAZETTEER.iter().filter(|g| g.1.starts_with(g.0)).count(),
            34
        );
    }

    #[test]
    fn whole_report_is_written_escaped_and_grouped() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = HtmlReport::create(dir.path()).unwrap();
        let arts = [
            article(
                "x<1>",
                "河北<省>部署",
                Some("2022-01-05"),
                Some("河北新闻网"),
                "会议强调。要严格入境人员管理！",
            ),
            article("x2", "天气", None, None, "今天天气晴。"),
            article(
                "x3",
                "疫苗",
                Some("2022-01-09"),
                Some("新华社"),
                "必须加快疫苗接种。要追责问责。",
            ),
        ];
        let mut corpus = CorpusSummary::new(5);
        for a in &arts {
            let s = summary(a, keyword_scores);
            corpus.add(&s);
            r.add(a, &s).unwrap();
        }
        let counts = RunCounts {
            inputs: 1,
            read: 4,
            summarised: 3,
            failed: 1,
            sentences: corpus.sentences,
        };
        let path = r.finish(&corpus, &counts, "models/m<3>").unwrap();
        let html = std::fs::read_to_string(&path).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["report.html"]);
        for id in [
            "overview",
            "timeline",
            "sources",
            "provinces",
            "top-directives",
            "articles",
            "cat-import_control",
            "cat-vaccination",
            "cat-infection_control",
            "cat-accountability",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("河北&lt;省&gt;部署") && !html.contains("河北<省>"));
        assert!(html.contains("x&lt;1&gt;") && html.contains("models/m&lt;3&gt;"));
        // x<1> and x3 have categories: they come first, x2 last; link to x3 is #a-2.
        let (p0, p1, p2) = (
            html.find("id=\"a-0\"").unwrap(),
            html.find("id=\"a-1\"").unwrap(),
            html.find("id=\"a-2\"").unwrap(),
        );
        assert!(p0 < p2 && p2 < p1);
        assert!(html.contains("href=\"#a-2\""));
        assert!(html.contains("1 篇无日期"));
        assert!(html.contains(">河北新闻网</td>") && html.contains("（未注明来源）"));
        // daily timeline 01-05 … 01-09
        assert!(html.contains(">01-05</text>") && html.contains(">01-09</text>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    #[test]
    fn dropped_report_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        drop(HtmlReport::create(dir.path()).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
