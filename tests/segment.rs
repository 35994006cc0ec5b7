//! The sentence splitter on quotes, book titles, brackets and numbers.

use policy_lens::segment::{split, split_with, SplitOptions};

fn texts(s: &str) -> Vec<String> {
    split(s).into_iter().map(|s| s.text).collect()
}

#[test]
fn quote_with_inner_full_stop_stays_whole() {
    assert_eq!(
        texts("他说：“要严防死守。不能松懈。”会议随后结束。"),
        ["他说：“要严防死守。不能松懈。”", "会议随后结束。"]
    );
    // A terminator inside a quote that does not close the sentence.
    assert_eq!(
        texts("提出“两个确保。”要求落实。"),
        ["提出“两个确保。”", "要求落实。"]
    );
    assert_eq!(
        texts("坚持“外防输入、内防反弹”总策略。下一句。"),
        ["坚持“外防输入、内防反弹”总策略。", "下一句。"]
    );
}

#[test]
fn book_titles_and_brackets_are_kept_whole() {
    assert_eq!(
        texts("印发《关于做好疫情防控工作的通知。附件》，要求各地执行。"),
        ["印发《关于做好疫情防控工作的通知。附件》，要求各地执行。"]
    );
    assert_eq!(
        texts("（新华社记者 李某 摄。）下文。"),
        ["（新华社记者 李某 摄。）", "下文。"]
    );
    // A quote that closes right after its own terminator closes the sentence.
    assert_eq!(texts("「要戴口罩！」他说。"), ["「要戴口罩！」", "他说。"]);
    assert_eq!(texts("「要戴口罩」，他说。"), ["「要戴口罩」，他说。"]);
}

#[test]
fn numbers_and_decimal_points_do_not_split() {
    assert_eq!(
        texts("接种率达到89.5%，较上月提高3.2个百分点。新增病例1.2万例。"),
        [
            "接种率达到89.5%，较上月提高3.2个百分点。",
            "新增病例1.2万例。"
        ]
    );
    assert_eq!(
        texts("截至12月5日，累计报告3,456例。"),
        ["截至12月5日，累计报告3,456例。"]
    );
}

#[test]
fn line_breaks_semicolons_and_runs_of_marks() {
    assert_eq!(
        texts("一要严防；二要严控；\n标题\n真的吗？！是的。"),
        ["一要严防；", "二要严控；", "标题", "真的吗？！", "是的。"]
    );
    // Half-width marks after CJK text end sentences too.
    assert_eq!(texts("要严防!要严控;"), ["要严防!", "要严控;"]);
}

#[test]
fn offsets_are_character_offsets_into_the_text() {
    let t = "　　会议强调，要严把外防输入关口。\n  要推进疫苗接种。";
    let chars: Vec<char> = t.chars().collect();
    let ss = split(t);
    assert_eq!(ss.len(), 2);
    for s in ss {
        assert_eq!(chars[s.start..s.end].iter().collect::<String>(), s.text);
    }
}

#[test]
fn long_unpunctuated_text_is_chunked_not_truncated() {
    let t: String = "疫情防控工作".repeat(200);
    let ss = split_with(&t, SplitOptions { max_chars: 100 });
    assert!(ss.len() >= 12);
    assert!(ss.iter().all(|s| s.text.chars().count() <= 100));
    assert_eq!(ss.iter().map(|s| s.text.as_str()).collect::<String>(), t);
}

#[test]
fn unclosed_quote_does_not_swallow_the_next_line() {
    assert_eq!(
        texts("他说：“要严防。\n第二行。"),
        ["他说：“要严防。", "第二行。"]
    );
}
