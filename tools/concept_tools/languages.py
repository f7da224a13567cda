"""SONAR's 202 language codes (official NLLB order) and mapping of BCP-47 / ISO 639-1 / 639-3 tags onto them."""
from __future__ import annotations

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TSV = os.path.join(HERE, "..", "..", "models", "sonar-languages.tsv")


def sonar_languages() -> list[tuple[str, str]]:
    """[(code, english name)] in token-id order: line n (1-based) has id sp_size + n."""
    out = []
    with open(TSV, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                code, name = line.split("\t")
                out.append((code, name))
    assert len(out) == 202, len(out)
    return out


CODES = [c for c, _ in sonar_languages()]

# ISO 639-1 -> 639-3 for the languages our data uses (others resolve through the 639-3 code directly)
ISO1 = {
    "af": "afr", "am": "amh", "ar": "arb", "az": "azj", "be": "bel", "bg": "bul", "bn": "ben", "bs": "bos",
    "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "eo": "epo",
    "es": "spa", "et": "est", "eu": "eus", "fa": "pes", "fi": "fin", "fj": "fij", "fo": "fao", "fr": "fra",
    "ga": "gle", "gd": "gla", "gl": "glg", "gn": "grn", "gu": "guj", "ha": "hau", "he": "heb", "hi": "hin",
    "hr": "hrv", "hu": "hun", "hy": "hye", "id": "ind", "ig": "ibo", "is": "isl", "it": "ita", "ja": "jpn",
    "jv": "jav", "ka": "kat", "kk": "kaz", "km": "khm", "kn": "kan", "ko": "kor", "ky": "kir", "lt": "lit",
    "lv": "lvs", "mi": "mri", "mk": "mkd", "ml": "mal", "mn": "khk", "mr": "mar", "ms": "zsm", "mt": "mlt",
    "my": "mya", "nb": "nob", "ne": "npi", "nl": "nld", "nn": "nno", "no": "nob", "om": "gaz", "pa": "pan",
    "pl": "pol", "ps": "pbt", "pt": "por", "qu": "quy", "rn": "run", "ro": "ron", "ru": "rus", "si": "sin",
    "sk": "slk", "sl": "slv", "sm": "smo", "so": "som", "sq": "als", "sr": "srp", "sv": "swe", "sw": "swh",
    "ta": "tam", "te": "tel", "tg": "tgk", "th": "tha", "ti": "tir", "tk": "tuk", "tl": "tgl", "tr": "tur",
    "tt": "tat", "ug": "uig", "uk": "ukr", "ur": "urd", "uz": "uzn", "vi": "vie", "xh": "xho", "yi": "ydd",
    "yo": "yor", "zh": "zho", "zu": "zul", "lo": "lao", "ln": "lin", "lb": "ltz", "oc": "oci", "sa": "san",
    "sd": "snd", "sn": "sna", "st": "sot", "tn": "tsn", "ts": "tso", "wo": "wol", "rw": "kin", "mg": "plt",
    "ny": "nya", "or": "ory", "as": "asm", "ku": "kmr", "ckb": "ckb", "ast": "ast", "br": "bre",
}
# ISO 639-3 individual/macro codes whose SONAR code uses another 639-3 code
ALIASES = {
    "ara": "arb", "cmn": "zho", "fas": "pes", "prs": "prs", "msa": "zsm", "zlm": "zsm", "uzb": "uzn",
    "aze": "azj", "swa": "swh", "lav": "lvs", "kur": "kmr", "mon": "khk", "orm": "gaz", "nor": "nob",
    "est": "est", "sqi": "als", "pus": "pbt", "yid": "ydd", "grn": "grn", "que": "quy", "fil": "tgl",
    "nep": "npi", "mlg": "plt", "ori": "ory",
}
DEFAULT_SCRIPT = {}
for _c in CODES:
    DEFAULT_SCRIPT.setdefault(_c[:3], _c[4:])
DEFAULT_SCRIPT["zho"] = "Hans"
DEFAULT_SCRIPT["arb"] = "Arab"

SCRIPT_ALIASES = {"hans": "Hans", "hant": "Hant", "latn": "Latn", "cyrl": "Cyrl", "arab": "Arab"}


def to_sonar(tag: str) -> str | None:
    """Map 'fr', 'fra', 'fr-FR', 'zh-Hant', 'sr-Cyrl', 'uz-Latn', 'eng_Latn' ... to a SONAR code, or None."""
    if tag in CODES:
        return tag
    parts = re.split(r"[-_]", tag)
    lang = parts[0].lower()
    script = None
    region = None
    for p in parts[1:]:
        if len(p) == 4 and p.isalpha():
            script = p.capitalize()
        elif len(p) in (2, 3):
            region = p.upper()
    iso3 = ISO1.get(lang, lang)
    iso3 = ALIASES.get(iso3, iso3)
    if iso3 == "zho" and script is None and region in ("TW", "HK", "MO"):
        script = "Hant"
    if script is None:
        script = DEFAULT_SCRIPT.get(iso3)
    code = f"{iso3}_{script}"
    return code if code in CODES else None
