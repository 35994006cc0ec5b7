#!/usr/bin/env python3
"""Draw the sentence sample that annotators label (gold v1).

Reads ../shared/corpus (never the seed, never reserved 2020/2021 新闻联播),
splits articles into sentences with the same rules as ANNOTATION.md
(ends at 。！？； or a line break, quotes kept whole), and draws a fixed,
seeded sample from documented strata:

  kw:<label>   sentences that hit a recall-oriented keyword list for a topic
               label (to make sure rare labels have enough positives; the
               keywords only choose what gets *read*, never the label)
  kw:directive sentences with a directive cue word (要、必须、严格……)
  epi:<src>    random sentences from epidemic-related articles (natural mix)
  rand:<src>   random sentences from any article of the source

Every record keeps its article id; the split (train/dev/test) is a hash of
the article id, so no article is in two splits.

Round 2 (--round 2) excludes every sentence of the earlier sample and draws
more of the rarest label (infection_control), hard negatives (foreign case
counts, commentary) and another natural-mix stratum.

Round 3 (--round 3) excludes rounds 1-2 and draws sentences that have both a
directive cue and a topic keyword (`kw3:<label>`), because directives *of*
a category are rare in the natural mix and their test support was small.

Round 4 (--round 4) excludes rounds 1-3 and draws only from *train and dev*
articles (the test split is left exactly as it was, so test numbers stay
comparable): broader keyword lists for the two weakest labels
(`kw4:accountability`, `kw4:infection_control`, 400 each; they include the
non-epidemic senses such as 国家考核断面 or 纪律 in general news, so they
carry hard negatives too), `kw4:vaccination` and `kw4:import_control` (200
each), directive-cue + topic-keyword sentences again (`kw4dir:<label>`,
up to 100 each) and natural-mix `epi4:cctv` (200).

Round 5 (--round 5) excludes rounds 1-4, again only train and dev articles:
a narrower infection-control list (`kw5:infection_control`, 500; round 4's
broad list found few positives), accountability in 新闻联播
(`kw5:accountability`, 300), directive-cue + import/vaccination keyword
(`kw5dir:<label>`, 100 each) and natural-mix 丁香园 / Q&A sentences
(`epi5:dxy`, `epi5:qa`, 100 each).

Round 6 is drawn by the model instead of keywords (uncertainty and
disagreement sampling, as in active learning), because the keyword pools of
the train/dev articles were used up. `--round 6pool` writes every
not-yet-sampled sentence of a train or dev article as JSONL; `policy-lens
classify` scores it with the stage-3 model; `--round 6 --scores FILE` then
draws, per topic label, sentences the model calls positive
(`al6:<label>`, score >= 0.5, 150), near misses (`al6near:<label>`,
0.05 <= score < 0.5, 100) and model-positive sentences whose directive
score is uncertain (`al6dir:<label>`, 0.2 <= directive < 0.9, 75). The
model only chooses what gets read; the labels are the readers'.

Round 7 does the same with the stage-4 model (`--round 7pool`, then
`--round 7 --scores FILE`), aimed at directives of a category: per topic
label, sentences with topic and directive scores both >= 0.3
(`al7dc:<label>`, 125), model-positive sentences with a directive score in
0.1-0.7 (`al7dir:<label>`, 75), near misses among likely directives
(`al7near:<label>`, topic 0.05-0.3 and directive >= 0.5, 50), anything with
topic >= 0.1 (`al7topic:<label>`, 75), and epidemic-article sentences with
an uncertain directive score (`al7d:directive`, 0.2-0.8, 250).

Round 8 repeats it with the stage-5 model (`--round 8pool`, then
`--round 8 --scores FILE`): per topic label, candidate directives of the
category (`al8dc:<label>`, topic and directive >= 0.3, 125), topic-positive
sentences the model calls non-directives (`al8dir:<label>`, topic >= 0.3,
directive 0.05-0.3, 60), anything with topic >= 0.05 (`al8topic:<label>`,
60), and epidemic-article sentences with an uncertain directive score
(`al8d:directive`, 0.2-0.8, 450).

Round 9 (--round 9) is a second draw for the *test* split only, with no
model involved: the strata of rounds 1-3 on test-split articles (topic
keywords `kw9:<label>`, what the broader round-4 lists add `kw9b:<label>`,
directive cue + topic keyword `kw9dir:<label>`, directive cue
`kw9:directive`, hard negatives `hard9:*`, natural mix `epi9:<src>` and
random `rand9:<src>`), excluding every earlier sample. It makes the test
split larger, so its numbers are less noisy, and the new sentences were
never used to choose anything.

Usage: python3 data/tools/sample_sentences.py SHARED_CORPUS_DIR OUT [EXCLUDE.tsv...]
           [--round 2|3|4|5|6pool|6|7pool|7|8pool|8|9] [--scores SCORES.jsonl]
"""
import argparse
import csv
import hashlib
import json
import os
import random
import re
import sys

OPEN = "“「《（(『【"
CLOSE = "”」》）)』】"
ENDS = "。！？；!?;"


def split_sentences(text):
    out, cur, depth = [], [], 0
    for ch in text:
        if ch == "\n":
            s = "".join(cur).strip()
            if s:
                out.append(s)
            cur, depth = [], 0
            continue
        cur.append(ch)
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif ch in ENDS and depth == 0:
            s = "".join(cur).strip()
            if s:
                out.append(s)
            cur = []
    s = "".join(cur).strip()
    if s:
        out.append(s)
    return out


def cctv_articles(root):
    d = os.path.join(root, "cctv-2022")
    for name in sorted(os.listdir(d)):
        if not name.startswith("2022"):
            continue
        day = name[:8]
        text = open(os.path.join(d, name), encoding="utf-8").read()
        parts = re.split(r"^### ", text, flags=re.M)
        for i, part in enumerate(parts[1:], 1):
            title, _, body = part.partition("\n")
            yield f"cctv-{day}-{i:02d}", title.strip(), body


def dxy_articles(root):
    seen = set()
    with open(os.path.join(root, "dxy-news-2020.csv"), encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            summ = (row.get("summary") or "").strip()
            if not summ or summ in seen:
                continue
            seen.add(summ)
            yield f"dxy-{row['_id']}", row["title"].strip(), row["title"].strip() + "\n" + summ


def qa_articles(root):
    with open(os.path.join(root, "ncp-policies-qa-2020.tsv"), encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(r)
        for row in r:
            if len(row) < 4:
                continue
            yield f"qa-{row[0]}", row[2].strip(), row[3]


KW = {
    "import_control": r"入境|境外输入|输入病例|口岸|冷链|进口|外防输入|国际航班|入境航班|来返|返乡|人物同防|进口物品|境外",
    "vaccination": r"疫苗|接种|加强针|加强免疫",
    "infection_control": r"院感|医院感染|交叉感染|发热门诊|预检分诊|定点医院|三区两通道|医务人员防护|医护人员.*防护|医疗废物|隔离场所|隔离点|方舱|医疗机构.*消毒|闭环转运",
    "accountability": r"问责|追责|督查|督导|考核|压实|主体责任|属地责任|失职|渎职|免职|守土有责|严肃处理|责任追究|监督检查|纪律",
}
DIRECTIVE_KW = r"要|必须|严禁|坚决|切实|确保|严格落实|实行|暂停|要求|一律|不得|应当"
EPI = r"疫情|防控|新冠|肺炎|核酸|病例|隔离|疫苗"


def sentence_id(article_id, k):
    """Id of the k-th sentence of an article, as in every sample and gold file."""
    return f"{article_id}-s{k:03d}"


def split_of(article_id):
    h = int(hashlib.sha256(article_id.encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else ("dev" if h < 85 else "test")


ROUND2_KW = {
    "infection_control": r"院感|医院感染|交叉感染|发热门诊|发热病人|预检分诊|三区两通道|医务人员.{0,8}(防护|感染)|医护人员.{0,8}(防护|感染)|医疗废物|隔离点|隔离场所|隔离酒店|方舱|闭环管理|定点医院|消毒",
    "vaccination": KW["vaccination"],
    "import_control": KW["import_control"],
    "accountability": KW["accountability"],
}
HARD_NEG = {
    "hard:foreign-counts": r"(美国|日本|韩国|英国|法国|德国|意大利|伊朗|印度|巴西|俄罗斯|世卫|世界卫生组织|全球).{0,30}(病例|确诊|死亡|感染)",
    "hard:commentary": r"评论|快评|短评|社论|评论员|表示，要|认为|指出",
}


ROUND4_KW = {
    "accountability": r"问责|追责|督查|督导|督促|考核|压实|责任|失职|渎职|免职|守土有责|严肃处理|监督|纪律|巡视|整改|八项规定|问效|通报批评|约谈|处分|查处|谁.{1,4}谁负责",
    "infection_control": ROUND2_KW["infection_control"]
    + r"|个人防护|防护用品|防护服|隔离治疗|单独隔离|医疗机构|医务人员|医护人员|终末消毒|环境消毒|院内|陪护|探视|收治",
    "vaccination": KW["vaccination"] + r"|免疫屏障|免疫接种|第一剂|全程",
    "import_control": KW["import_control"] + r"|航班|海关|边境|陆路|国门|冷冻",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", help="the shared corpus directory")
    ap.add_argument("out", help="TSV to write (JSONL for --round 6pool, 7pool or 8pool)")
    ap.add_argument("excludes", nargs="*", help="earlier sample TSVs whose texts are not drawn again")
    ap.add_argument("--round", default="1", choices=["1", "2", "3", "4", "5", "6pool", "6", "7pool", "7", "8pool", "8", "9"])
    ap.add_argument("--scores", help="rounds 6, 7 and 8: `policy-lens classify` output for that round's pool")
    args = ap.parse_intermixed_args()
    root, out_path, rnd = args.root, args.out, args.round
    rng = random.Random({"1": 20211104, "2": 20221107, "3": 20221129, "4": 20261130, "5": 20261131, "6pool": 0, "6": 20261201, "7pool": 0, "7": 20261202, "8pool": 0, "8": 20261203, "9": 20261204}[rnd])
    pools = {}
    for src, gen in (("cctv", cctv_articles), ("dxy", dxy_articles), ("qa", qa_articles)):
        for aid, title, body in gen(root):
            epi = re.search(EPI, title + body) is not None
            for k, s in enumerate(split_sentences(body)):
                if not (6 <= len(s) <= 300):
                    continue
                pools.setdefault(src, []).append((aid, k, s, epi))
    seen, chosen = set(), []
    for exclude in args.excludes:
        with open(exclude, encoding="utf-8") as f:
            next(f)
            for line in f:
                seen.add(line.rstrip("\n").split("\t")[4])

    def take(stratum, cands, n):
        rng.shuffle(cands)
        got = 0
        for aid, k, s, _ in cands:
            if got >= n:
                break
            if s in seen:
                continue
            seen.add(s)
            chosen.append((sentence_id(aid, k), aid, split_of(aid), stratum, s))
            got += 1

    def hits(cands, pattern, cue=False):
        """The candidates matching a keyword pattern (and a directive cue word)."""
        rx, cue_rx = re.compile(pattern), re.compile(DIRECTIVE_KW)
        return [c for c in cands if rx.search(c[2]) and (not cue or cue_rx.search(c[2]))]

    everything = [c for src in pools for c in pools[src]]
    if rnd in ("6pool", "7pool", "8pool"):
        # Every not-yet-sampled sentence of a train/dev article, for the model to score.
        with open(out_path, "w", encoding="utf-8") as f:
            for aid, k, s, _ in everything:
                if split_of(aid) != "test" and s not in seen:
                    seen.add(s)
                    f.write(json.dumps({"id": sentence_id(aid, k), "text": s}, ensure_ascii=False) + "\n")
        return
    if rnd in ("6", "7", "8"):
        scores = {}
        with open(args.scores, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                scores[r["id"]] = r["scores"]
        pool = [c for c in everything if sentence_id(c[0], c[1]) in scores]

        def score(c, label):
            return scores[sentence_id(c[0], c[1])][label]

        labels = ("import_control", "vaccination", "infection_control", "accountability")
    if rnd == "8":
        for label in labels:
            dc = [c for c in pool if score(c, label) >= 0.3 and score(c, "directive") >= 0.3]
            take(f"al8dc:{label}", dc, 125)
            take(f"al8dir:{label}", [c for c in pool if score(c, label) >= 0.3 and 0.05 <= score(c, "directive") < 0.3], 60)
            take(f"al8topic:{label}", [c for c in pool if score(c, label) >= 0.05], 60)
        take("al8d:directive", [c for c in pool if c[3] and 0.2 <= score(c, "directive") < 0.8], 450)
    elif rnd == "7":
        for label in labels:
            dc = [c for c in pool if score(c, label) >= 0.3 and score(c, "directive") >= 0.3]
            take(f"al7dc:{label}", dc, 125)
            take(f"al7dir:{label}", [c for c in pool if score(c, label) >= 0.5 and 0.1 <= score(c, "directive") < 0.7], 75)
            take(f"al7near:{label}", [c for c in pool if 0.05 <= score(c, label) < 0.3 and score(c, "directive") >= 0.5], 50)
        for label in labels:
            take(f"al7topic:{label}", [c for c in pool if score(c, label) >= 0.1], 75)
        take("al7d:directive", [c for c in pool if c[3] and 0.2 <= score(c, "directive") < 0.8], 250)
    elif rnd == "6":
        for label in labels:
            take(f"al6:{label}", [c for c in pool if score(c, label) >= 0.5], 150)
            take(f"al6near:{label}", [c for c in pool if 0.05 <= score(c, label) < 0.5], 100)
            take(
                f"al6dir:{label}",
                [c for c in pool if score(c, label) >= 0.5 and 0.2 <= score(c, "directive") < 0.9],
                75,
            )
    elif rnd == "3":
        for label, n in (("import_control", 250), ("vaccination", 250), ("infection_control", 150), ("accountability", 150)):
            take(f"kw3:{label}", hits(everything, ROUND2_KW[label], cue=True), n)
    elif rnd == "4":
        pool = [c for c in everything if split_of(c[0]) != "test"]
        for label, n in (("accountability", 400), ("infection_control", 400), ("vaccination", 200), ("import_control", 200)):
            take(f"kw4:{label}", hits(pool, ROUND4_KW[label]), n)
        for label in ROUND4_KW:
            take(f"kw4dir:{label}", hits(pool, ROUND4_KW[label], cue=True), 100)
        take("epi4:cctv", [c for c in pools["cctv"] if c[3] and split_of(c[0]) != "test"], 200)
    elif rnd == "5":
        pool = [c for c in everything if split_of(c[0]) != "test"]
        ic = r"院感|医院感染|交叉感染|发热门诊|发热诊室|预检分诊|三区两通道|医疗废物|医废|防护服|防护用品|个人防护|终末消毒|消毒|隔离点|隔离场所|隔离病区|隔离病房|方舱|定点医院|定点医疗机构|闭环转运|负压"
        take("kw5:infection_control", [c for c in pool if re.search(ic, c[2])], 500)
        cctv = [c for c in pool if c[0].startswith("cctv")]
        take("kw5:accountability", [c for c in cctv if re.search(ROUND4_KW["accountability"], c[2])], 300)
        for label in ("import_control", "vaccination"):
            take(f"kw5dir:{label}", hits(pool, ROUND4_KW[label], cue=True), 100)
        for src in ("dxy", "qa"):
            take(f"epi5:{src}", [c for c in pools[src] if c[3] and split_of(c[0]) != "test"], 100)
    elif rnd == "9":
        # A second draw for the test split only, from the strata of rounds 1-3
        # (topic keywords, directive cue + topic keyword, directive cue, hard
        # negatives, natural mix, random), so the test split keeps its mix.
        pool = [c for c in everything if split_of(c[0]) == "test"]
        for label, n in (("infection_control", 90), ("vaccination", 75), ("import_control", 75), ("accountability", 75)):
            take(f"kw9:{label}", hits(pool, ROUND2_KW[label]), n)
        for label in ROUND4_KW:
            take(f"kw9dir:{label}", hits(pool, ROUND4_KW[label], cue=True), 50)
        for label in ROUND4_KW:
            # The broader round-4 lists: what the narrower ones left.
            take(f"kw9b:{label}", hits(pool, ROUND4_KW[label]), 60)
        take("kw9:directive", hits(pool, DIRECTIVE_KW), 80)
        for stratum, pat in HARD_NEG.items():
            rx = re.compile(pat)
            take(stratum.replace("hard:", "hard9:"), [c for c in pool if rx.search(c[2])], 30)
        for src, n in (("cctv", 150), ("dxy", 100), ("qa", 60)):
            take(f"epi9:{src}", [c for c in pools[src] if c[3] and split_of(c[0]) == "test"], n)
        for src, n in (("cctv", 80), ("dxy", 20), ("qa", 20)):
            take(f"rand9:{src}", [c for c in pools[src] if split_of(c[0]) == "test"], n)
    elif rnd == "2":
        for label, n in (("infection_control", 450), ("vaccination", 150), ("import_control", 150), ("accountability", 150)):
            rx = re.compile(ROUND2_KW[label])
            take(f"kw2:{label}", [c for c in everything if rx.search(c[2])], n)
        for stratum, pat in HARD_NEG.items():
            rx = re.compile(pat)
            take(stratum, [c for c in everything if rx.search(c[2])], 150)
        rx = re.compile(DIRECTIVE_KW)
        take("kw2:directive", [c for c in everything if rx.search(c[2])], 200)
        for src, n in (("cctv", 250), ("dxy", 200), ("qa", 100)):
            take(f"epi2:{src}", [c for c in pools[src] if c[3]], n)
    else:
        for label, pat in KW.items():
            rx = re.compile(pat)
            take(f"kw:{label}", [c for c in everything if rx.search(c[2])], 160)
        rx = re.compile(DIRECTIVE_KW)
        take("kw:directive", [c for c in everything if rx.search(c[2])], 300)
        for src, n in (("cctv", 400), ("dxy", 300), ("qa", 180)):
            take(f"epi:{src}", [c for c in pools[src] if c[3]], n)
        for src, n in (("cctv", 400), ("dxy", 100), ("qa", 100)):
            take(f"rand:{src}", list(pools[src]), n)
    rng.shuffle(chosen)
    write(out_path, chosen)


def write(out_path, chosen):
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("id\tarticle\tsplit\tstratum\ttext\n")
        for row in chosen:
            f.write("\t".join(x.replace("\t", " ") for x in row) + "\n")
    print(f"{len(chosen)} sentences -> {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
