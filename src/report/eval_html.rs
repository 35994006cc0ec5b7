//! `report.html` of an evaluation: a single self-contained page (inline
//! CSS and SVG, no script, no network fetches) with
//!
//! - `#metrics`: per label precision, recall, F1 with its 95% bootstrap CI,
//!   PR-AUC and ECE for the model and each baseline side by side (with a
//!   small F1/CI plot per label), the topic micro/macro-F1 and the
//!   directive-category F1s;
//! - `#pr-curves`: one precision-recall chart per label, one curve per
//!   system, with the operating point at the system's threshold marked;
//! - `#reliability`: one reliability diagram per label (mean score against
//!   the rate of gold positives per score bin, dot area ∝ sentences);
//! - `#errors`: the model's first 100 false positives and first 100 false
//!   negatives with their sentence text.

use std::fmt::Write as _;

use crate::eval::{EvalReport, Interval, LabelReport};
use crate::labels::{display_name, TOPIC_LABELS};
use crate::report::html::{base_css, escape, escape_into, CATEGORY_COLOURS};

/// Colours of the systems: the model first, then the baselines.
const SYSTEM_COLOURS: [&str; 6] = [
    "#1b2a41", "#e8590c", "#0c8599", "#c2255c", "#5c940d", "#862e9c",
];
/// Error cases listed per kind.
const MAX_ERRORS: usize = 100;

fn system_colour(i: usize) -> &'static str {
    SYSTEM_COLOURS[i % SYSTEM_COLOURS.len()]
}

fn label_colour(label: &str) -> &'static str {
    TOPIC_LABELS
        .iter()
        .position(|l| *l == label)
        .map_or("#495057", |i| CATEGORY_COLOURS[i])
}

fn label_name(label: &str) -> String {
    match display_name(label) {
        "" => escape(label),
        d => format!("{d} <span class=\"m\">{}</span>", escape(label)),
    }
}

fn ci(i: &Interval) -> String {
    format!("[{:.3}, {:.3}]", i.low, i.high)
}

/// The evaluation page for `model`, with `baselines` side by side.
pub fn eval_report_html(model: &EvalReport, baselines: &[EvalReport]) -> String {
    let systems: Vec<&EvalReport> = std::iter::once(model).chain(baselines).collect();
    let mut s = String::with_capacity(1 << 16);
    s.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str("<title>policy-lens 评估报告</title>\n<style>\n");
    s.push_str(&base_css());
    s.push_str(
        ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}\n\
         .grid figure{margin:0;border:1px solid #edf0f2;border-radius:6px;padding:6px}\n\
         figcaption{font-weight:600;font-size:14px}\ntd.best{font-weight:700}\n\
         .sys{display:inline-block;width:18px;height:4px;vertical-align:middle;margin:0 4px 0 12px}\n\
         table.err td:nth-child(4){max-width:720px}\n",
    );
    s.push_str("</style>\n</head>\n<body>\n<header><h1>policy-lens 评估报告</h1>\n<div class=\"m\">系统 <code>");
    escape_into(&mut s, &model.system);
    s.push_str("</code> · 金标准 <code>");
    escape_into(&mut s, &model.gold);
    let _ = write!(
        s,
        "</code> · {} 个句子 · 95% 置信区间来自 {} 次自助重采样（种子 {}）</div></header>\n<nav>",
        model.sentences, model.bootstrap.0, model.bootstrap.1
    );
    for (id, name) in [
        ("metrics", "指标"),
        ("pr-curves", "PR 曲线"),
        ("reliability", "可靠性图"),
        ("errors", "错误样例"),
    ] {
        let _ = write!(s, "<a href=\"#{id}\">{name}</a>");
    }
    s.push_str("</nav>\n<main>\n");
    legend(&mut s, &systems);
    metrics_section(&mut s, &systems);
    pr_section(&mut s, &systems);
    reliability_section(&mut s, &systems);
    errors_section(&mut s, model);
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn legend(s: &mut String, systems: &[&EvalReport]) {
    s.push_str("<p class=\"m\">系统：");
    for (i, r) in systems.iter().enumerate() {
        let _ = write!(
            s,
            "<span class=\"sys\" style=\"background:{}\"></span>",
            system_colour(i)
        );
        escape_into(s, &r.system);
        if i == 0 {
            s.push_str("（模型）");
        }
    }
    s.push_str("</p>\n");
}

fn find<'a>(r: &'a EvalReport, label: &str) -> Option<&'a LabelReport> {
    r.labels.iter().find(|l| l.label == label)
}

fn metrics_section(s: &mut String, systems: &[&EvalReport]) {
    s.push_str("<section id=\"metrics\">\n<h2>各标签指标</h2>\n<div style=\"overflow-x:auto\"><table>\n<tr><th rowspan=\"2\">标签</th><th class=\"n\" rowspan=\"2\">支持数</th>");
    for (i, r) in systems.iter().enumerate() {
        let _ = write!(
            s,
            "<th colspan=\"5\" style=\"border-bottom:3px solid {}\">",
            system_colour(i)
        );
        escape_into(s, &r.system);
        s.push_str("</th>");
    }
    s.push_str("<th rowspan=\"2\">F1 与 95% CI</th></tr>\n<tr>");
    for _ in systems {
        s.push_str("<th class=\"n\">精确率</th><th class=\"n\">召回率</th><th class=\"n\">F1 [95% CI]</th><th class=\"n\">PR-AUC</th><th class=\"n\">ECE</th>");
    }
    s.push_str("</tr>\n");
    for l in &systems[0].labels {
        let per: Vec<Option<&LabelReport>> = systems.iter().map(|r| find(r, &l.label)).collect();
        let best = per
            .iter()
            .flatten()
            .map(|x| x.f1)
            .fold(f64::NEG_INFINITY, f64::max);
        let _ = write!(
            s,
            "<tr><td style=\"border-left:4px solid {}\">{}</td><td class=\"n\">{}</td>",
            label_colour(&l.label),
            label_name(&l.label),
            l.support
        );
        for x in &per {
            match x {
                Some(x) => {
                    let b = if systems.len() > 1 && x.f1 == best {
                        " best"
                    } else {
                        ""
                    };
                    let _ = write!(
                        s,
                        "<td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td><td class=\"n{b}\" title=\"阈值 {:.3}\">{:.3} <span class=\"m\">{}</span></td><td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td>",
                        x.precision,
                        x.recall,
                        x.threshold,
                        x.f1,
                        ci(&x.f1_ci),
                        x.pr_auc,
                        x.ece
                    );
                }
                None => s.push_str("<td class=\"n\" colspan=\"5\">—</td>"),
            }
        }
        s.push_str("<td>");
        forest(s, &per);
        s.push_str("</td></tr>\n");
    }
    s.push_str("</table></div>\n<h3>汇总</h3>\n<table>\n<tr><th>指标</th>");
    for (i, r) in systems.iter().enumerate() {
        let _ = write!(
            s,
            "<th class=\"n\" style=\"border-bottom:3px solid {}\">",
            system_colour(i)
        );
        escape_into(s, &r.system);
        s.push_str("</th>");
    }
    s.push_str("</tr>\n");
    type Pick = fn(&EvalReport) -> (f64, Interval);
    let rows: [(&str, Pick); 3] = [
        ("主题 micro-F1（四类）", |r| {
            (r.micro_f1, r.micro_f1_ci)
        }),
        ("主题 macro-F1（四类）", |r| {
            (r.macro_f1, r.macro_f1_ci)
        }),
        ("指令×类别 macro-F1", |r| {
            (
                r.directive_category_macro_f1,
                r.directive_category_macro_f1_ci,
            )
        }),
    ];
    for (name, pick) in rows {
        let _ = write!(s, "<tr><td>{name}</td>");
        for r in systems {
            let (v, i) = pick(r);
            let _ = write!(
                s,
                "<td class=\"n\">{v:.3} <span class=\"m\">{}</span></td>",
                ci(&i)
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    if !systems[0].directive_category.is_empty() {
        s.push_str(
            "<h3>指令×类别（句子同时具有该类别标签且为指令）</h3>\n<table>\n<tr><th>类别</th>",
        );
        for (i, r) in systems.iter().enumerate() {
            let _ = write!(
                s,
                "<th colspan=\"3\" style=\"border-bottom:3px solid {}\">",
                system_colour(i)
            );
            escape_into(s, &r.system);
            s.push_str("</th>");
        }
        s.push_str("<th class=\"n\">支持数</th></tr>\n");
        for (label, m) in &systems[0].directive_category {
            let _ = write!(
                s,
                "<tr><td style=\"border-left:4px solid {}\">{}</td>",
                label_colour(label),
                label_name(label)
            );
            for r in systems {
                match r.directive_category.iter().find(|(l, _)| l == label) {
                    Some((_, x)) => {
                        let _ = write!(
                            s,
                            "<td class=\"n\">P {:.3}</td><td class=\"n\">R {:.3}</td><td class=\"n\">F1 {:.3}</td>",
                            x.precision, x.recall, x.f1
                        );
                    }
                    None => s.push_str("<td colspan=\"3\">—</td>"),
                }
            }
            let _ = writeln!(s, "<td class=\"n\">{}</td></tr>", m.support);
        }
        s.push_str("</table>\n");
    }
    s.push_str("</section>\n");
}

/// A small dot-and-whisker plot of F1 and its CI per system (x: 0…1).
fn forest(s: &mut String, per: &[Option<&LabelReport>]) {
    let (w, row) = (170.0, 12.0);
    let h = row * per.len() as f64 + 14.0;
    let x = |v: f64| 5.0 + (w - 10.0) * v.clamp(0.0, 1.0);
    let _ = write!(s, "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"F1 与置信区间\">");
    for t in [0.0, 0.5, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{1:.1}\" stroke=\"#dee2e6\"/><text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" font-size=\"9\">{t}</text>",
            x(t),
            h - 12.0,
            h - 2.0
        );
    }
    for (i, p) in per.iter().enumerate() {
        if let Some(p) = p {
            let y = row * i as f64 + row / 2.0;
            let c = system_colour(i);
            let _ = write!(
                s,
                "<g><title>F1 {:.3} {}</title><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{c}\" stroke-width=\"2\"/><circle cx=\"{:.1}\" cy=\"{y}\" r=\"3.5\" fill=\"{c}\"/></g>",
                p.f1,
                ci(&p.f1_ci),
                x(p.f1_ci.low),
                x(p.f1_ci.high),
                x(p.f1)
            );
        }
    }
    s.push_str("</svg>");
}

/// Plot geometry shared by the PR and reliability charts.
struct Plot {
    w: f64,
    h: f64,
    ml: f64,
    mt: f64,
    pw: f64,
    ph: f64,
}

impl Plot {
    fn new() -> Self {
        let (w, h, ml, mr, mt, mb) = (320.0, 260.0, 40.0, 10.0, 10.0, 38.0);
        Self {
            w,
            h,
            ml,
            mt,
            pw: w - ml - mr,
            ph: h - mt - mb,
        }
    }
    fn x(&self, v: f64) -> f64 {
        self.ml + self.pw * v.clamp(0.0, 1.0)
    }
    fn y(&self, v: f64) -> f64 {
        self.mt + self.ph * (1.0 - v.clamp(0.0, 1.0))
    }
    /// Open the SVG and draw the unit-square axes with their names.
    fn open(&self, s: &mut String, aria: &str, xname: &str, yname: &str) {
        let _ = write!(
            s,
            "<svg viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
            self.w,
            self.h,
            self.w,
            self.h,
            escape(aria)
        );
        for k in 0..=5 {
            let v = k as f64 / 5.0;
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#edf0f2\"/><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#edf0f2\"/>",
                self.x(0.0),
                self.x(1.0),
                self.y(v),
                self.y(v),
                self.x(v),
                self.x(v),
                self.y(0.0),
                self.y(1.0)
            );
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.1}</text>",
                self.ml - 4.0,
                self.y(v) + 4.0,
                self.x(v),
                self.mt + self.ph + 14.0
            );
        }
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#adb5bd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{xname}</text>\
             <text transform=\"translate(11 {:.1}) rotate(-90)\" text-anchor=\"middle\">{yname}</text>",
            self.ml,
            self.mt,
            self.pw,
            self.ph,
            self.ml + self.pw / 2.0,
            self.h - 4.0,
            self.mt + self.ph / 2.0
        );
    }
}

/// Step path of a PR curve: precision p_i holds over (r_{i-1}, r_i].
fn pr_path(p: &Plot, pts: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let mut prev_r = 0.0;
    for (i, (r, prec)) in pts.iter().enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        let _ = write!(
            d,
            "{cmd}{:.1} {:.1}L{:.1} {:.1}",
            p.x(prev_r),
            p.y(*prec),
            p.x(*r),
            p.y(*prec)
        );
        prev_r = *r;
    }
    d
}

fn pr_section(s: &mut String, systems: &[&EvalReport]) {
    s.push_str("<section id=\"pr-curves\">\n<h2>精确率-召回率曲线</h2>\n<p class=\"m\">每个系统一条曲线；圆点为所用阈值下的工作点。</p>\n<div class=\"grid\">\n");
    let p = Plot::new();
    for l in &systems[0].labels {
        let _ = write!(
            s,
            "<figure><figcaption style=\"color:{}\">{}</figcaption>",
            label_colour(&l.label),
            label_name(&l.label)
        );
        p.open(
            s,
            &format!("{} PR 曲线", l.label),
            "召回率 recall",
            "精确率 precision",
        );
        for (i, r) in systems.iter().enumerate() {
            let Some(x) = find(r, &l.label) else { continue };
            let c = system_colour(i);
            if !x.pr_curve.is_empty() {
                let _ = write!(
                    s,
                    "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.8\"><title>{} PR-AUC {:.3}</title></path>",
                    pr_path(&p, &x.pr_curve),
                    escape(&r.system),
                    x.pr_auc
                );
            }
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{c}\" stroke=\"#fff\"><title>{} 阈值 {:.3}: P {:.3} R {:.3}</title></circle>",
                p.x(x.recall),
                p.y(x.precision),
                escape(&r.system),
                x.threshold,
                x.precision,
                x.recall
            );
        }
        s.push_str("</svg><div class=\"m\">PR-AUC ");
        let aucs: Vec<String> = systems
            .iter()
            .filter_map(|r| find(r, &l.label))
            .map(|x| format!("{:.3}", x.pr_auc))
            .collect();
        s.push_str(&aucs.join(" / "));
        s.push_str("</div></figure>\n");
    }
    s.push_str("</div>\n</section>\n");
}

fn reliability_section(s: &mut String, systems: &[&EvalReport]) {
    s.push_str("<section id=\"reliability\">\n<h2>可靠性图（校准）</h2>\n<p class=\"m\">10 个等宽得分区间：横轴为区间平均得分，纵轴为金标准正例比例；点面积与句子数成正比；虚线为完美校准。</p>\n<div class=\"grid\">\n");
    let p = Plot::new();
    for l in &systems[0].labels {
        let _ = write!(
            s,
            "<figure><figcaption style=\"color:{}\">{}</figcaption>",
            label_colour(&l.label),
            label_name(&l.label)
        );
        p.open(s, &format!("{} 可靠性图", l.label), "平均得分", "正例比例");
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#868e96\" stroke-dasharray=\"4 3\"/>",
            p.x(0.0),
            p.y(0.0),
            p.x(1.0),
            p.y(1.0)
        );
        for (i, r) in systems.iter().enumerate() {
            let Some(x) = find(r, &l.label) else { continue };
            let c = system_colour(i);
            let bins: Vec<_> = x.reliability.iter().filter(|b| b.count > 0).collect();
            let max = bins.iter().map(|b| b.count).max().unwrap_or(1) as f64;
            let pts: Vec<String> = bins
                .iter()
                .map(|b| format!("{:.1},{:.1}", p.x(b.mean_score), p.y(b.positive_rate)))
                .collect();
            if pts.len() > 1 {
                let _ = write!(s, "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" opacity=\"0.8\"/>", pts.join(" "));
            }
            for b in &bins {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"{c}\" fill-opacity=\"0.55\" stroke=\"{c}\"><title>{} {:.1}–{:.1}: n={} 平均得分 {:.3} 正例比例 {:.3}</title></circle>",
                    p.x(b.mean_score),
                    p.y(b.positive_rate),
                    2.0 + 7.0 * (b.count as f64 / max).sqrt(),
                    escape(&r.system),
                    b.from,
                    b.to,
                    b.count,
                    b.mean_score,
                    b.positive_rate
                );
            }
        }
        s.push_str("</svg><div class=\"m\">ECE ");
        let eces: Vec<String> = systems
            .iter()
            .filter_map(|r| find(r, &l.label))
            .map(|x| format!("{:.3}", x.ece))
            .collect();
        s.push_str(&eces.join(" / "));
        s.push_str("</div></figure>\n");
    }
    s.push_str("</div>\n</section>\n");
}

fn errors_section(s: &mut String, model: &EvalReport) {
    s.push_str("<section id=\"errors\">\n<h2>错误样例（模型）</h2>\n");
    for (title, note, list) in [
        (
            "假阳性 false positives",
            "得分最高者在前",
            &model.false_positives,
        ),
        (
            "假阴性 false negatives",
            "得分最低者在前",
            &model.false_negatives,
        ),
    ] {
        let _ = writeln!(
            s,
            "<h3>{title}（共 {}，显示前 {}）</h3>\n<p class=\"m\">{note}。</p>",
            list.len(),
            list.len().min(MAX_ERRORS)
        );
        if list.is_empty() {
            s.push_str("<p class=\"m\">无。</p>\n");
            continue;
        }
        s.push_str("<table class=\"err\">\n<tr><th>句子 id</th><th>标签</th><th class=\"n\">得分</th><th>句子</th></tr>\n");
        for e in list.iter().take(MAX_ERRORS) {
            s.push_str("<tr><td class=\"m\">");
            escape_into(s, &e.id);
            let _ = write!(
                s,
                "</td><td style=\"color:{}\">{}</td><td class=\"n\">{:.3}</td><td>",
                label_colour(&e.label),
                label_name(&e.label),
                e.score
            );
            escape_into(s, &e.text);
            s.push_str("</td></tr>\n");
        }
        s.push_str("</table>\n");
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::evaluate;
    use crate::gold::LabelledSentence;
    use crate::labels::ALL_LABELS;

    fn gold() -> (Vec<LabelledSentence>, Vec<Vec<f32>>) {
        let rows: [(&str, &[&str], bool, [f32; 5]); 4] = [
            (
                "要严格入境<人员>管理。",
                &["import_control"],
                true,
                [0.9, 0.1, 0.1, 0.1, 0.3],
            ),
            (
                "加快疫苗接种。",
                &["vaccination"],
                true,
                [0.2, 0.4, 0.1, 0.1, 0.7],
            ),
            ("今天天气晴。", &[], false, [0.7, 0.1, 0.1, 0.1, 0.2]),
            (
                "对失职人员严肃问责。",
                &["accountability"],
                true,
                [0.1, 0.1, 0.1, 0.95, 0.9],
            ),
        ];
        let g = rows
            .iter()
            .enumerate()
            .map(|(i, (t, l, d, _))| LabelledSentence {
                id: format!("s{i}"),
                text: t.to_string(),
                labels: l.iter().map(|x| x.to_string()).collect(),
                directive: *d,
                source: "test".into(),
                silver: false,
                article: None,
                stratum: None,
                soft: None,
            })
            .collect();
        (g, rows.iter().map(|r| r.3.to_vec()).collect())
    }

    fn report(system: &str, shift: f32) -> EvalReport {
        let (g, mut scores) = gold();
        for r in &mut scores {
            for v in r.iter_mut() {
                *v = (*v + shift).clamp(0.0, 1.0);
            }
        }
        let labels: Vec<String> = ALL_LABELS.iter().map(|s| s.to_string()).collect();
        evaluate(
            system,
            "gold/test.jsonl",
            &g,
            &scores,
            &labels,
            &[0.5; 5],
            crate::eval::Bootstrap {
                resamples: 50,
                seed: 7,
            },
        )
    }

    #[test]
    fn page_has_sections_tables_charts_and_escaped_errors() {
        let html = eval_report_html(
            &report("models/<m>", 0.0),
            &[report("keyword baseline", -0.15)],
        );
        for id in ["metrics", "pr-curves", "reliability", "errors"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("models/&lt;m&gt;") && !html.contains("models/<m>"));
        // the false positive "今天天气晴。" (import_control 0.7) and the false negative 疫苗接种 (0.4)
        assert!(html.contains("今天天气晴。") && html.contains("加快疫苗接种。"));
        assert!(html.contains("要严格入境&lt;人员&gt;管理。"));
        // 5 labels × (PR + reliability) charts, plus 5 forest plots
        assert_eq!(html.matches("<figure>").count(), 10);
        assert_eq!(html.matches("<svg").count(), 15);
        assert!(html.contains("keyword baseline"));
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("<script")
        );
    }

    #[test]
    fn pr_path_is_a_step_function_in_the_plot_box() {
        let p = Plot::new();
        let d = pr_path(&p, &[(0.5, 1.0), (1.0, 0.5)]);
        assert_eq!(
            d,
            format!(
                "M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}",
                p.x(0.0),
                p.y(1.0),
                p.x(0.5),
                p.y(1.0),
                p.x(0.5),
                p.y(0.5),
                p.x(1.0),
                p.y(0.5)
            )
        );
    }

    #[test]
    fn error_lists_are_capped() {
        let mut r = report("m", 0.0);
        let fp = r.false_positives[0].clone();
        r.false_positives = vec![fp; 250];
        let html = eval_report_html(&r, &[]);
        assert!(html.contains("共 250，显示前 100"));
        let fp_table = &html[html.find("假阳性").unwrap()..html.find("假阴性").unwrap()];
        assert_eq!(fp_table.matches("<tr><td class=\"m\">").count(), 100);
    }
}
