"""The held-out figures the packs carry in their pack.json, written from the evaluation in metrics.json:
- the SONAR pack's `decoding_quality`, so the app can tell a user before a run whether the decoder's output in the
  chosen direction will mean anything (main/engine/packs/decoding-quality.ts reads it and sets the tiers): the round
  trip per language and the translations measured per pair, each next to the decoder given another sentence's
  concept in the same run;
- every pack's headline `metrics`, each with its same-run baseline (main/engine/packs/quality.ts; Models & settings
  shows them), and the label `demo`: these presets are demonstrations, whatever they measure."""
import json
import os

ENG = "eng_Latn"


def _entry(chrf: float, baseline: float, n: int | None, copy: float | None = None) -> dict:
    e = {"chrf": round(float(chrf), 2), "baseline": round(float(baseline), 2)}
    if n:
        e["n"] = int(n)
    if copy is not None:
        e["copy"] = round(float(copy), 2)
    return e


def _eng_roundtrip(sonar: dict) -> dict:
    """The English round trip with the app's own decoding (beam + concept reranking) where measured, else beam, else
    greedy: what a user of the app gets. `n` comes from the beam run when the reranked figures do not state it."""
    beam = sonar.get("autoencoding_eng_short_beam") or {}
    eng = beam.get("rerank") or beam or sonar.get("autoencoding_eng_short") or {}
    return {**eng, "n": eng.get("n") or beam.get("n")} if eng else {}


def from_metrics(sonar: dict) -> dict:
    """The table from metrics.json's `sonar` section; languages or pairs the evaluation did not measure are absent."""
    same: dict = {}
    for lang, r in sorted((sonar.get("autoencoding") or {}).items()):
        if "chrf" in r and "baseline_chrf" in r:
            same[lang] = _entry(r["chrf"], r["baseline_chrf"], r.get("n"))
    eng = _eng_roundtrip(sonar)
    if "chrf" in eng and "baseline_chrf" in eng:
        same[ENG] = _entry(eng["chrf"], eng["baseline_chrf"], eng.get("n"))
    pairs: dict = {}
    for lang, r in sorted((sonar.get("translation") or {}).items()):
        if "chrf" in r and "other_concept_chrf" in r:
            pairs[f"{lang}>{ENG}"] = _entry(r["chrf"], r["other_concept_chrf"], r.get("n"), r.get("copy_chrf"))
    for lang, sets in sorted((sonar.get("translation_from_eng") or {}).items()):
        # news first: the documents people summarize look like it more than the short everyday sentences do
        r = sets.get("ntrex") or sets.get("tatoeba_short")
        if r and "chrf" in r and "other_concept_chrf" in r:
            pairs[f"{ENG}>{lang}"] = _entry(r["chrf"], r["other_concept_chrf"], r.get("n"), r.get("copy_chrf"))
    return {"same_language": same, "pairs": pairs}


def _metric(value, baseline, scale: float = 1.0) -> dict | None:
    if value is None or baseline is None:
        return None
    return {"value": round(float(value) * scale, 2), "baseline": round(float(baseline) * scale, 2)}


def sonar_headline(sonar: dict) -> dict:
    """The SONAR pack's headline figures (chrF and retrieval in percent), each with its trivial baseline."""
    eng = _eng_roundtrip(sonar)
    ae, ret = sonar.get("autoencoding_mean") or {}, sonar.get("retrieval_mean") or {}
    tr = sonar.get("translation_mean") or {}
    out_eng = [s.get("ntrex") for s in (sonar.get("translation_from_eng") or {}).values() if s.get("ntrex")]
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    m = {
        "roundtrip_eng_chrf": _metric(eng.get("chrf"), eng.get("baseline_chrf")),
        "roundtrip_languages_chrf": _metric(ae.get("chrf"), ae.get("baseline_chrf")),
        "retrieval_xx_eng_top1": _metric(ret.get("accuracy"), ret.get("trigram_accuracy"), 100),
        "translation_xx_eng_chrf": _metric(tr.get("chrf"), tr.get("other_concept_chrf")),
        "translation_eng_xx_chrf": _metric(mean([r["chrf"] for r in out_eng]),
                                           mean([r["other_concept_chrf"] for r in out_eng])),
    }
    return {k: v for k, v in m.items() if v}


def lcm_headline(lcm: dict, key: str) -> dict:
    """An LCM pack's held-out summary ROUGE-L (percent) next to lead-1: copying the document's first sentence."""
    r = (lcm.get("summaries") or {}).get("rougeL_mean") or {}
    m = _metric(r.get(key), r.get("lead1"), 100)
    return {"summary_rougeL": m} if m else {}


def _update(path: str, fields: dict) -> None:
    with open(path) as f:
        pack = json.load(f)
    pack.update(fields)
    with open(path, "w") as f:
        json.dump(pack, f, indent=2, ensure_ascii=False)
        f.write("\n")


def stamp(out: str) -> dict | None:
    """Write the figures of `out`/metrics.json into the pack.json files under `out` (their files lists cover the
    graphs and data files, not pack.json, so the packs stay verified). Returns the SONAR table, or None when there is
    nothing to write."""
    metrics_path, pack_path = os.path.join(out, "metrics.json"), os.path.join(out, "sonar", "pack.json")
    if not (os.path.exists(metrics_path) and os.path.exists(pack_path)):
        return None
    with open(metrics_path) as f:
        metrics = json.load(f)
    table = from_metrics(metrics.get("sonar") or {})
    if not table["same_language"] and not table["pairs"]:
        return None
    _update(pack_path, {"quality": "demo", "metrics": sonar_headline(metrics["sonar"]), "decoding_quality": table})
    for folder, key in (("base-lcm", "base_lcm"), ("two-tower-lcm", "two_tower")):
        lcm_path = os.path.join(out, folder, "pack.json")
        head = lcm_headline(metrics.get("lcm") or {}, key)
        if os.path.exists(lcm_path) and head:
            _update(lcm_path, {"quality": "demo", "metrics": head})
    return table
