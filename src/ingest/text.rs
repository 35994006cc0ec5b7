//! Plain text: one article per file, with title / date / source / byline
//! taken from the header lines of scraped pages.

use super::boilerplate::{self, is_byline, is_nav_line, is_widget_line, Extras};
use super::meta::{find_url, han_count, Byline};
use super::normalize::{collapse_spaces, normalize_body};
use super::{finish, Src};
use crate::{Article, Record};

/// True for a line that can be a headline.
pub(crate) fn is_title_like(line: &str) -> bool {
    let n = line.chars().count();
    let ends = line
        .trim_end_matches(['”', '"', '）', ')'])
        .ends_with(['。', '；', '，', '：', ':', ';', ',']);
    (4..=100).contains(&n) && han_count(line) >= 4 && !ends && !line.starts_with("原标题")
}

/// Parses a plain-text article.
pub(crate) fn parse(text: &str, src: &Src) -> Record {
    let paras: Vec<String> = text
        .lines()
        .map(collapse_spaces)
        .filter(|l| !l.is_empty())
        .collect();
    let mut byline = Byline::default();
    let mut title: Option<String> = None;
    let mut start = 0;
    for (i, p) in paras.iter().enumerate().take(15) {
        let bare_url = find_url(p)
            .is_some_and(|u| p.trim().ends_with(&u) && p.chars().count() <= u.len() + 12);
        if is_nav_line(p) || is_widget_line(p) {
        } else if is_byline(p) || bare_url {
            byline.absorb(p);
        } else if title.is_none() && is_title_like(p) {
            title = Some(p.clone());
        } else {
            start = i;
            break;
        }
        start = i + 1;
    }
    let mut extras = Extras::default();
    let body = boilerplate::clean(&paras[start..], title.as_deref(), &mut byline, &mut extras);
    let mut a = Article {
        id: src.id.clone(),
        origin: src.origin.clone(),
        title,
        text: normalize_body(&body),
        ..Article::default()
    };
    byline.apply(&mut a);
    boilerplate::apply_extras(&extras, &mut a.meta);
    a.meta.insert("format".into(), "text".into());
    finish(a, src)
}
