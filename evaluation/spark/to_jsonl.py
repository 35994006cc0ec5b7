#!/usr/bin/env python3
"""Convert 新闻联播 daily transcripts (cctv-2022/*.md) to one JSON Lines corpus.

Each output line is one article, ``{"id","title","date","source","url","text"}``,
with exactly the ids, titles, dates, sources, urls and (pre-normalisation) body
lines that policy-lens's own ingest (``src/ingest/cctv.rs``) produces when it
reads the same files, so that ``policy-lens analyze --stream`` on the JSONL
gives the same records as ``policy-lens analyze FOLDER --out DIR``:

* the first non-blank line must be ``# 《新闻联播》（YYYYMMDD）`` (else the
  file is rejected -- policy-lens would not read it as a transcript either);
* every ``### heading`` starts item NN (01, 02, ... in order of the headings),
  id ``cctv-YYYYMMDD-NN``; ``## `` / ``# `` headings and ``---`` end an item,
  so the ``## 新闻摘要`` list is not an article;
* item lines are cleaned like policy-lens does (``**``/``__`` removed, HTML
  comments removed, trimmed); a ``[查看原文](URL)`` line gives the url and is
  not body text; blank lines are dropped; text = the remaining lines joined
  by ``\\n`` (policy-lens's JSONL reader applies the same per-line
  normalisation as its transcript reader, so the article text is identical);
* items whose body is empty are KEPT with ``"text": ""`` so that policy-lens
  reports them as error records ("empty article"), as file mode does.

Usage:
    to_jsonl.py INPUT... --out corpus.jsonl [--limit-days N]

INPUT is a folder (its ``*.md`` files, sorted by name, like policy-lens's
folder discovery) or a single ``.md`` file.  Prints counts on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# Rust's char::is_whitespace (Unicode White_Space), which str::trim uses.
# Python's str.strip() would also strip U+001C..U+001F, which Rust keeps.
_RUST_WS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def rtrim(s: str) -> str:
    """Rust's ``str::trim``."""
    return s.strip(_RUST_WS)


def rust_lines(text: str) -> list[str]:
    """Rust's ``str::lines``: split on ``\\n``, drop one trailing ``\\r`` per
    line, no final empty line after a trailing newline."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def header_date(text: str) -> str | None:
    """The ``YYYYMMDD`` of the ``# 《新闻联播》（YYYYMMDD）`` first line."""
    first = next((l for l in rust_lines(text.lstrip("\ufeff")) if rtrim(l)), None)
    if first is None:
        return None
    rest = rtrim(first)
    if not rest.startswith("#"):
        return None
    rest = rest[1:].lstrip(_RUST_WS)
    if not rest.startswith("《新闻联播》"):
        return None
    rest = rest[len("《新闻联播》"):].lstrip(_RUST_WS)
    if not rest or rest[0] not in "（(":
        return None
    rest = rest[1:]
    digits = ""
    for c in rest:
        if "0" <= c <= "9":
            digits += c
        else:
            break
    after = rest[len(digits):]
    if len(digits) == 8 and after[:1] in ("）", ")") and after:
        return digits
    return None


def clean_line(line: str) -> str:
    """Strips Markdown emphasis and HTML comments (cctv.rs ``clean_line``)."""
    s = rtrim(line).replace("**", "").replace("__", "")
    while True:
        start = s.find("<!--")
        if start < 0:
            break
        end = s.find("-->", start)
        if end >= 0:
            s = s[:start] + s[end + 3:]
        else:
            s = s[:start]
    return rtrim(s)


def find_url(s: str) -> str | None:
    """First http(s) URL in ``s`` (meta.rs ``find_url``)."""
    start = s.find("http://")
    if start < 0:
        start = s.find("https://")
    if start < 0:
        return None
    url = []
    for c in s[start:]:
        if "\x21" <= c <= "\x7e" and c not in "\"'<>)]":
            url.append(c)
        else:
            break
    u = "".join(url)
    return u if len(u) > 10 else None


def parse_transcript(text: str, path: str) -> list[dict]:
    """One day's transcript -> its items, as JSONL article dicts."""
    if text.startswith("\ufeff"):
        text = text[1:]
    day = header_date(text)
    if day is None:
        raise ValueError(
            f"{path}: not a 新闻联播 transcript "
            "(missing `# 《新闻联播》（YYYYMMDD）` header)"
        )
    date = f"{day[0:4]}-{day[4:6]}-{day[6:8]}"
    items: list[tuple[str, list[str]]] = []
    in_item = False
    for line in rust_lines(text):
        t = rtrim(line)
        if t.startswith("### "):
            items.append((clean_line(t[4:]), []))
            in_item = True
        elif t.startswith("## ") or t.startswith("# ") or t == "---":
            in_item = False
        elif in_item and items:
            items[-1][1].append(line)
    out = []
    for i, (heading, lines) in enumerate(items):
        url = None
        paras = []
        for l in lines:
            c = clean_line(l)
            if c.startswith("[查看原文]("):
                url = url or find_url(c)
            elif c:
                paras.append(c)
        rec = {"id": f"cctv-{day}-{i + 1:02d}"}
        if heading:
            rec["title"] = heading
        rec["date"] = date
        rec["source"] = "新闻联播"
        if url:
            rec["url"] = url
        rec["text"] = "\n".join(paras)
        out.append(rec)
    if not out:
        raise ValueError(f"{path}: empty article (no `###` items in transcript)")
    return out


def discover(inputs: list[str]) -> list[str]:
    files = []
    for p in inputs:
        if os.path.isdir(p):
            files.extend(
                os.path.join(p, f)
                for f in sorted(os.listdir(p))
                if f.endswith(".md") and os.path.isfile(os.path.join(p, f))
            )
        else:
            files.append(p)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="cctv-2022 folder or .md files")
    ap.add_argument("--out", "-o", required=True, help="output JSONL ('-' for stdout)")
    ap.add_argument("--limit-days", type=int, default=None,
                    help="only the first N files (development)")
    args = ap.parse_args(argv)

    files = discover(args.inputs)
    if args.limit_days is not None:
        files = files[: args.limit_days]
    if not files:
        print("to_jsonl.py: no .md files found", file=sys.stderr)
        return 2
    n = empty = 0
    out = sys.stdout if args.out == "-" else open(args.out + ".tmp", "w", encoding="utf-8", newline="\n")
    try:
        for f in files:
            with open(f, "rb") as fh:
                raw = fh.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                # policy-lens would detect GB18030/Big5/UTF-16; this corpus is UTF-8.
                raise SystemExit(f"to_jsonl.py: {f}: not UTF-8 ({e}); convert it first")
            try:
                recs = parse_transcript(text, f)
            except ValueError as e:
                raise SystemExit(f"to_jsonl.py: {e}")
            for rec in recs:
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
                empty += not rec["text"]
    except BaseException:
        if out is not sys.stdout:
            out.close()
            os.unlink(args.out + ".tmp")
        raise
    if out is not sys.stdout:
        out.close()
        os.replace(args.out + ".tmp", args.out)
    print(
        f"to_jsonl.py: {len(files)} files -> {n} articles"
        f" ({empty} with empty text, kept: policy-lens reports them as errors)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
