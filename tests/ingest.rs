//! Integration tests for `policy_lens::ingest`, on the public API only.

use std::fs;
use std::path::{Path, PathBuf};

use policy_lens::ingest::{discover, read_bytes, read_input, Format, IngestOptions, Input};
use policy_lens::{Article, IngestError, Record};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn opts() -> IngestOptions {
    IngestOptions::default()
}

fn articles(records: &[Record]) -> Vec<&Article> {
    records.iter().filter_map(|r| r.as_ref().ok()).collect()
}

fn errors(records: &[Record]) -> Vec<&IngestError> {
    records.iter().filter_map(|r| r.as_ref().err()).collect()
}

fn one(records: Vec<Record>) -> Article {
    assert_eq!(records.len(), 1, "expected one record, got {records:?}");
    records
        .into_iter()
        .next()
        .unwrap()
        .expect("expected an article")
}

fn read_file(p: &Path) -> Vec<Record> {
    read_input(&Input::File(p.to_path_buf()), &opts())
}

// ---------------------------------------------------------------- seed

#[test]
fn seed_article() {
    let a = one(read_file(&corpus().join("seed/hebei-2021-08-06.txt")));
    assert_eq!(a.id, "hebei-2021-08-06");
    assert_eq!(
        a.title.as_deref(),
        Some("河北省委书记、省人大常委会主任王东峰:坚持从严从实从快联防联守 以更加有力的举措全面防控新冠肺炎疫情")
    );
    assert_eq!(a.date.as_deref(), Some("2021-08-06"));
    assert_eq!(a.source.as_deref(), Some("河北新闻网"));
    assert_eq!(a.author.as_deref(), Some("王阔"));
    assert_eq!(a.meta.get("editor").map(String::as_str), Some("王阔"));
    assert_eq!(
        a.meta.get("responsible_editor").map(String::as_str),
        Some("魏文林")
    );
    assert_eq!(
        a.meta.get("original_title").map(String::as_str),
        Some("王东峰:坚持从严从实从快联防联守 以更加有力的举措全面防控新冠肺炎疫情")
    );
    let deck = a.meta.get("deck").expect("deck");
    assert!(
        deck.contains("许勤主持会议") && deck.contains(" / "),
        "{deck}"
    );
    let t = &a.text;
    assert!(
        t.starts_with("河北新闻网讯（河北日报记者四建磊、吴韬）8月4日晚，"),
        "{t}"
    );
    for bad in [
        "要闻",
        "城市远洋",
        "王东峰:坚持",
        "王东峰：坚持从严",
        "原标题",
        "许勤主持会议\n",
        "这是会议现场",
        "赵威摄",
        "国际在线",
        "版权",
        "未经书面授权",
        "已取得国广",
        "任何未与",
        "如因作品内容",
        "来源:",
        "责编",
        "王东峰在省应对新冠肺炎疫情工作领导小组会议暨视频调度会议上强调",
    ] {
        assert!(!t.contains(bad), "text contains {bad:?}");
    }
    assert_eq!(t.matches("会议强调").count(), 4);
    assert_eq!(t.matches("会议指出").count(), 1);
    assert!(t.contains("会议以视频会议形式召开"));
    assert!(t.ends_with("胡启生参加会议。"));
    assert!(!t.contains("\n\n") && !t.contains("  "));
}

// ---------------------------------------------------------------- plain text & encodings

const PLAIN: &str = "首页 | 新闻 | 政务 | 服务\n\
某市召开疫情防控工作会议\n\
2022年3月5日 来源：某市日报 作者：张三\n\n\
  3月4日,某市召开疫情防控工作会议。会议要求,各地要严格落实\u{3000}\u{3000}防控措施(包括核酸检测)。\n\n\
  会议强调,要加强重点场所管理!\n\
责任编辑：李四\n";

#[test]
fn plain_text_metadata_and_normalisation() {
    let a = one(read_bytes("notes/meeting.txt", PLAIN.as_bytes(), &opts()));
    assert_eq!(a.id, "meeting");
    assert_eq!(a.origin, "notes/meeting.txt");
    assert_eq!(a.title.as_deref(), Some("某市召开疫情防控工作会议"));
    assert_eq!(a.date.as_deref(), Some("2022-03-05"));
    assert_eq!(a.source.as_deref(), Some("某市日报"));
    assert_eq!(a.author.as_deref(), Some("张三"));
    assert_eq!(
        a.text,
        "3月4日，某市召开疫情防控工作会议。会议要求，各地要严格落实 防控措施（包括核酸检测）。\n会议强调，要加强重点场所管理！"
    );
}

#[test]
fn stdin_is_read_bytes_dash() {
    let a = one(read_bytes(
        "-",
        "今天天气很好，我们去公园散步。".as_bytes(),
        &opts(),
    ));
    assert_eq!(a.origin, "-");
    assert_eq!(a.title, None);
    assert_eq!(a.text, "今天天气很好，我们去公园散步。");
    // JSON Lines on stdin is sniffed from content.
    let recs = read_bytes(
        "-",
        b"{\"id\": 1, \"text\": \"\xe7\x96\xab\xe6\x83\x85\"}\n",
        &opts(),
    );
    assert_eq!(articles(&recs)[0].id, "1");
}

const ZH: &str = "疫情防控工作会议召开\n会议要求，各地要严格落实疫情防控措施，做好核酸检测和疫苗接种工作，切实保障人民群众生命安全和身体健康。";

#[test]
fn gb18030_big5_utf16_files() {
    let dir = tempfile::tempdir().unwrap();
    let (gb, _, _) = encoding_rs::GB18030.encode(ZH);
    let tw = "疫情防控工作會議召開\n會議要求，各地要嚴格落實疫情防控措施，做好核酸檢測和疫苗接種工作，切實保障人民群眾生命安全和身體健康。";
    let (big5, _, bad) = encoding_rs::BIG5.encode(tw);
    assert!(!bad);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in ZH.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    for (name, bytes, expect) in [
        ("gb.txt", gb.to_vec(), ZH),
        ("big5.txt", big5.to_vec(), tw),
        ("utf16.txt", utf16, ZH),
    ] {
        let p = dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        let a = one(read_file(&p));
        let (title, body) = expect.split_once('\n').unwrap();
        assert_eq!(a.title.as_deref(), Some(title), "{name}");
        assert_eq!(a.text, body, "{name}");
        assert!(!a.meta.contains_key("decode_warning"), "{name}");
    }
}

#[test]
fn gbk_html_with_meta_charset() {
    let html = format!("<html><head><meta charset=\"gbk\"><title>疫情防控工作会议召开_某某网</title></head><body><h1>疫情防控工作会议召开</h1><p>{}</p></body></html>", ZH.replace('\n', "</p><p>"));
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let a = one(read_bytes("page.html", &bytes, &opts()));
    assert_eq!(a.title.as_deref(), Some("疫情防控工作会议召开"));
    assert!(a.text.contains("切实保障人民群众生命安全和身体健康。"));
}

#[test]
fn invalid_utf8_is_lossy_with_warning() {
    let mut bytes = "会议要求，各地要严格落实疫情防控措施。".as_bytes().to_vec();
    bytes.insert(9, 0xFF);
    let a = one(read_bytes("x.txt", &bytes, &opts()));
    assert_eq!(
        a.meta.get("decode_warning").map(String::as_str),
        Some("invalid UTF-8 at byte 9")
    );
    assert!(a.text.contains("严格落实疫情防控措施"));
}

#[test]
fn binary_and_empty_inputs_are_errors() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
    let e = read_bytes("img.txt", png, &opts());
    assert!(errors(&e)[0].reason.starts_with("binary file ("), "{e:?}");
    let gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00";
    assert!(errors(&read_bytes("a.gz", gz, &opts()))[0]
        .reason
        .contains("gzip"));
    let nul = b"abc\x00\x00\x00\x00def\x00\x00";
    assert!(errors(&read_bytes("a.dat", nul, &opts()))[0]
        .reason
        .starts_with("binary file"));
    let empty = read_bytes("e.txt", b"", &opts());
    assert!(errors(&empty)[0].reason.contains("empty article"));
    let blank = read_bytes("e.txt", b"  \n\n ", &opts());
    assert!(errors(&blank)[0].reason.contains("empty article"));
    // Only boilerplate: empty after cleaning.
    let nav = read_bytes(
        "nav.txt",
        "首页 | 新闻 | 政务 | 服务\n分享到：\n".as_bytes(),
        &opts(),
    );
    assert_eq!(errors(&nav)[0].reason, "empty article");
}

// ---------------------------------------------------------------- HTML

fn html_page(name: &str) -> Article {
    one(read_file(&corpus().join("html-news").join(name)))
}

#[test]
fn html_xinhuanet() {
    let a = html_page("xinhuanet-1.html");
    assert_eq!(a.title.as_deref(), Some("法国全国大罢工再次严重影响交通"));
    assert_eq!(a.date.as_deref(), Some("2019-12-10"));
    assert_eq!(a.source.as_deref(), Some("新华网"));
    assert!(a
        .text
        .starts_with("新华社巴黎12月9日电（记者唐霁）法国9日再次爆发全国跨行业大罢工"));
    assert!(a
        .text
        .contains("总理菲利普将于11日宣布退休制度改革的总体架构。"));
    for bad in [
        "新华社简介",
        "联系我们",
        "版权声明",
        "关注新华网",
        "雄安等13地区试点",
        "下一篇",
    ] {
        assert!(!a.text.contains(bad), "{bad}");
    }
}

#[test]
fn html_people() {
    let a = html_page("people-1.html");
    assert_eq!(
        a.title.as_deref(),
        Some("女儿出嫁，郑板桥画了几笔兰花当嫁妆")
    );
    assert_eq!(a.date.as_deref(), Some("2019-06-15"));
    assert!(a.text.starts_with("父亲的教诲像一盏灯"));
    assert!(a
        .text
        .contains("《冬夜读书示子聿》是陆游写给自己小儿子陆聿的一首诗。"));
    for bad in [
        "网站首页",
        "热点排行",
        "版 权 所 有",
        "Copyright",
        "四川卧龙",
    ] {
        assert!(!a.text.contains(bad), "{bad}");
    }
}

#[test]
fn html_163() {
    let a = html_page("163-8.html");
    assert_eq!(
        a.title.as_deref(),
        Some("国务院联防联控机制:湖北和武汉要严格管控防输出")
    );
    assert_eq!(a.date.as_deref(), Some("2020-02-29"));
    assert_eq!(a.source.as_deref(), Some("新华社"));
    assert!(a
        .text
        .starts_with("新华社北京2月29日电 2月28日，国务院联防联控机制印发"));
    assert!(a.text.contains("继续实行严格的离汉离鄂通道管控措施"));
    for bad in [
        "网易首页",
        "快速导航",
        "隐私政策",
        "不良信息举报",
        "本文来源",
        "责任编辑",
    ] {
        assert!(!a.text.contains(bad), "{bad}");
    }
}

#[test]
fn html_thepaper() {
    let a = html_page("thepaper-5.html");
    assert_eq!(
        a.title.as_deref(),
        Some("柳叶刀：味觉嗅觉丧失是新冠感染最强预测指标，优于发烧咳嗽")
    );
    assert!(a
        .text
        .starts_with("此前，发烧、咳嗽被认为是新冠病毒感染的最主要症状。"));
    assert!(a.text.contains("嗅觉和味觉丧失是COVID-19的常见症状"));
    for bad in [
        "下载APP",
        "关于澎湃",
        "Copyright",
        "沪ICP备",
        "本文来自澎湃新闻",
    ] {
        assert!(!a.text.contains(bad), "{bad}");
    }
}

#[test]
fn html_all_pages_give_articles() {
    let dir = corpus().join("html-news");
    let (inputs, errs) = discover(&[dir]);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(inputs.len(), 62);
    for input in &inputs {
        let a = one(read_input(input, &opts()));
        assert!(
            a.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{}",
            a.id
        );
        assert!(a.text.chars().count() >= 80, "{} too short", a.id);
        assert!(
            !a.text.contains("Copyright") && !a.text.contains("版权所有"),
            "{}",
            a.id
        );
    }
}

#[test]
fn html_broken_markup_without_body() {
    let html = "<title>疫情通报 - 某市卫健委</title><div class=nav><a href=/>首页</a> | <a href=/a>通知</a></div>\
        <h1>疫情通报<div class=content><p>3月5日0-24时，全市新增本土确诊病例2例，均为隔离管控人员。<p>目前全市共有中风险地区1个，其余地区均为低风险地区。\
        <div class=footer>版权所有 某市卫健委</div>";
    let a = one(read_bytes("broken.htm", html.as_bytes(), &opts()));
    assert_eq!(a.title.as_deref(), Some("疫情通报"));
    assert_eq!(
        a.text,
        "3月5日0-24时，全市新增本土确诊病例2例，均为隔离管控人员。\n目前全市共有中风险地区1个，其余地区均为低风险地区。"
    );
}

// ---------------------------------------------------------------- JSON Lines

#[test]
fn jsonl_good_and_bad_lines() {
    let data = concat!(
        "{\"id\": \"a\", \"text\": \"第一条,内容\", \"title\": \"标题\", \"date\": \"2021年8月6日\", \"province\": \"河北\"}\n",
        "\n",
        "{\"id\": 7, \"text\": \"第二条\"}\n",
        "{not json}\n",
        "{\"id\": \"b\"}\n",
        "{\"id\": \"c\", \"text\": 5}\n",
        "{\"id\": \"a\", \"text\": \"重复\"}\n",
        "{\"text\": \"没有id\"}\n",
    );
    let recs = read_bytes("dir/data.jsonl", data.as_bytes(), &opts());
    assert_eq!(recs.len(), 7);
    let ok = articles(&recs);
    assert_eq!(
        ok.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["a", "7", "data:8"]
    );
    assert_eq!(ok[0].text, "第一条，内容");
    assert_eq!(ok[0].date.as_deref(), Some("2021-08-06"));
    assert_eq!(ok[0].meta.get("province").map(String::as_str), Some("河北"));
    assert_eq!(ok[0].origin, "dir/data.jsonl:1");
    let errs = errors(&recs);
    let lines: Vec<Option<u64>> = errs.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(4), Some(5), Some(6), Some(7)]);
    assert!(errs[0].reason.contains("bad JSON"));
    assert!(errs[1].reason.contains("missing `text`"));
    assert!(errs[2].reason.contains("must be a string"));
    assert!(errs[3].reason.contains("duplicate id"));
    assert!(errs.iter().all(|e| e.path == "dir/data.jsonl"));
    assert_eq!(errs[3].to_string(), "dir/data.jsonl:7: duplicate id `a`");
}

// ---------------------------------------------------------------- CSV / TSV

#[test]
fn csv_quoted_newline_and_ragged_row() {
    let data = "id,title,text,date,province\n\
        1,标题一,\"第一段,内容。\n第二段。\",2020-01-02 10:00:00,湖北\n\
        2,标题二\n\
        3,标题三,正文三,1580000000000,\n";
    let recs = read_bytes("t.csv", data.as_bytes(), &opts());
    assert_eq!(recs.len(), 3);
    let a = recs[0].as_ref().unwrap();
    assert_eq!(a.id, "1");
    assert_eq!(a.title.as_deref(), Some("标题一"));
    assert_eq!(a.text, "第一段，内容。\n第二段。");
    assert_eq!(a.date.as_deref(), Some("2020-01-02"));
    assert_eq!(a.meta.get("province").map(String::as_str), Some("湖北"));
    let e = recs[1].as_ref().unwrap_err();
    assert_eq!(e.line, Some(4));
    assert!(e.reason.contains("ragged"));
    let c = recs[2].as_ref().unwrap();
    assert_eq!(c.date.as_deref(), Some("2020-01-26"));
    assert_eq!(c.origin, "t.csv:5");
}

#[test]
fn csv_column_overrides() {
    let data = "key,body,note\nk1,甲乙丙,备注\n";
    let o = IngestOptions {
        text_column: Some("note".into()),
        id_column: Some("key".into()),
        ..opts()
    };
    let a = one(read_bytes("o.csv", data.as_bytes(), &o));
    assert_eq!((a.id.as_str(), a.text.as_str()), ("k1", "备注"));
    let bad = IngestOptions {
        text_column: Some("nope".into()),
        ..opts()
    };
    assert!(errors(&read_bytes("o.csv", data.as_bytes(), &bad))[0]
        .reason
        .contains("not found"));
}

#[test]
fn dxy_csv() {
    let recs = read_file(&corpus().join("dxy-news-2020.csv"));
    assert_eq!(recs.len(), 3712);
    let ok = articles(&recs);
    assert_eq!(ok.len() + errors(&recs).len(), 3712);
    assert!(ok.len() > 3600);
    let a = ok[0];
    assert_eq!(
        a.title.as_deref(),
        Some("民航局：国际航线收紧 每天入境降至约5千人")
    );
    assert!(a
        .text
        .starts_with("民航局介绍，由于境外输入病例已连续多天保持两位数"));
    assert_eq!(a.date.as_deref(), Some("2020-03-27"));
    assert_eq!(a.source.as_deref(), Some("央视新闻app"));
    assert!(a.url.as_deref().is_some_and(|u| u.starts_with("http")));
    assert!(ok.iter().any(|a| a.meta.contains_key("province")));
    let ids: std::collections::HashSet<&str> = ok.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), ok.len(), "ids unique");
}

#[test]
fn ncp_tsv() {
    let recs = read_file(&corpus().join("ncp-policies-qa-2020.tsv"));
    assert_eq!(recs.len(), 5000);
    let ok = articles(&recs);
    assert_eq!(ok.len(), 5000);
    assert_eq!(
        ok[0].title.as_deref(),
        Some("工业和信息化部到哪家企业进行督导检查？")
    );
    assert_eq!(ok[0].text, "北京北铃专用汽车有限公司");
    assert_eq!(ok[0].id, "47a41a03966431739257ef215cdc1caa");
}

// ---------------------------------------------------------------- 新闻联播

#[test]
fn cctv_day() {
    let recs = read_file(&corpus().join("cctv-2022/20220101.md"));
    let ok = articles(&recs);
    assert_eq!(recs.len(), 17);
    assert_eq!(ok.len(), 17);
    let ids: Vec<String> = (1..=17).map(|i| format!("cctv-20220101-{i:02}")).collect();
    assert_eq!(ok.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), ids);
    assert!(ok.iter().all(
        |a| a.date.as_deref() == Some("2022-01-01") && a.source.as_deref() == Some("新闻联播")
    ));
    assert_eq!(
        ok[0].title.as_deref(),
        Some("《求是》杂志发表习近平总书记重要讲话《以史为鉴、开创未来 埋头苦干、勇毅前行》")
    );
    assert!(ok[0]
        .text
        .starts_with("央视网消息（新闻联播）：2022年1月1日出版的今年第1期《求是》杂志"));
    assert!(ok.iter().all(|a| !a.text.contains("本期节目主要内容")
        && !a.text.contains("查看原文")
        && !a.text.contains("**")));
    assert!(ok[16]
        .url
        .as_deref()
        .is_some_and(|u| u.contains("cctv.com")));
    assert!(!ok[16].text.contains("更新时间"));
    assert_eq!(
        ok[16].origin,
        format!("{}#17", corpus().join("cctv-2022/20220101.md").display())
    );
}

// ---------------------------------------------------------------- discovery

#[test]
fn folder_discovery_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    fs::create_dir_all(root.join("b/c")).unwrap();
    fs::write(root.join("a.txt"), ZH).unwrap();
    fs::write(root.join("b/c/d.txt"), ZH).unwrap();
    fs::write(root.join("b/a.txt"), ZH).unwrap();
    fs::write(root.join(".hidden.txt"), ZH).unwrap();
    fs::write(
        root.join("img.png"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
    )
    .unwrap();
    fs::write(root.join("empty.txt"), b"").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("loop2"), root.join("loop1")).unwrap();
        std::os::unix::fs::symlink(root.join("loop1"), root.join("loop2")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("b/up")).unwrap();
    }
    let (inputs, errs) = discover(&[root.clone(), dir.path().join("missing.txt")]);
    let mut ids = Vec::new();
    let mut err_reasons = Vec::new();
    for input in &inputs {
        for r in read_input(input, &opts()) {
            match r {
                Ok(a) => ids.push(a.id),
                Err(e) => err_reasons.push(e.reason),
            }
        }
    }
    assert_eq!(ids, ["a", "b/a", "b/c/d"]);
    assert_eq!(err_reasons.len(), 2, "{err_reasons:?}");
    assert!(err_reasons.iter().any(|r| r.contains("empty article")));
    assert!(err_reasons
        .iter()
        .any(|r| r.starts_with("binary file (PNG")));
    // discovery errors: the missing path, and (on unix) the two looping links and the folder loop
    assert!(errs
        .iter()
        .any(|e| e.path.ends_with("missing.txt") && e.reason.contains("cannot access")));
    #[cfg(unix)]
    {
        assert_eq!(
            errs.iter()
                .filter(|e| e.reason.contains("symlink loop"))
                .count(),
            3,
            "{errs:?}"
        );
    }
    // origins do not show the root marker
    let first = read_input(&inputs[0], &opts());
    let a = first[0].as_ref().unwrap();
    assert_eq!(a.origin, root.join("a.txt").display().to_string());
    // stdin and single files
    let (inputs, errs) = discover(&[PathBuf::from("-"), root.join("b/a.txt")]);
    assert!(errs.is_empty());
    assert_eq!(inputs[0], Input::Stdin);
    assert_eq!(one(read_input(&inputs[1], &opts())).id, "a");
}

#[test]
fn unreadable_file_is_an_error() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.txt");
        fs::write(&p, ZH).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
        if fs::File::open(&p).is_ok() {
            eprintln!("running as root: unreadable-file check skipped");
            return;
        }
        let (inputs, errs) = discover(std::slice::from_ref(&p));
        assert!(inputs.is_empty());
        assert!(errs[0].reason.contains("cannot read"));
        let recs = read_input(&Input::File(p), &opts());
        assert!(errors(&recs)[0].reason.contains("cannot read"));
    }
}

#[test]
fn format_override_and_sniffing() {
    let html = "<!DOCTYPE html><html><body><div>\n<p>一个没有扩展名的网页，内容用于测试格式探测功能。</p></div></body></html>";
    let a = one(read_bytes("noext", html.as_bytes(), &opts()));
    assert_eq!(a.meta.get("format").map(String::as_str), Some("html"));
    let jsonl =
        "{\"id\": \"x\", \"text\": \"疫情防控\"}\n{\"id\": \"y\", \"text\": \"核酸检测\"}\n";
    let by_ext = one(read_bytes("data.txt", jsonl.as_bytes(), &opts()));
    assert_eq!(by_ext.meta.get("format").map(String::as_str), Some("text"));
    let forced = IngestOptions {
        format: Format::Jsonl,
        ..opts()
    };
    let recs = read_bytes("data.txt", jsonl.as_bytes(), &forced);
    assert_eq!(
        articles(&recs)
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        ["x", "y"]
    );
    let md = "# 《新闻联播》（20220102）\n\n### 标题\n\n正文内容。\n";
    let recs = read_bytes("x.md", md.as_bytes(), &opts());
    assert_eq!(articles(&recs)[0].id, "cctv-20220102-01");
}
