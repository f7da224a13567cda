"""The held-out decoding figures a SONAR pack carries in pack.json (`decoding_quality`), so the app can tell a user
before a run whether the decoder's output in the chosen language will mean anything (main/engine/packs/
decoding-quality.ts reads them and sets the tiers). Taken from the evaluation in metrics.json (eval_sonar): the round
trip per language and the translations measured per pair, each next to the decoder given another sentence's concept
in the same run."""
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


def from_metrics(sonar: dict) -> dict:
    """The table from metrics.json's `sonar` section; languages or pairs the evaluation did not measure are absent."""
    same: dict = {}
    for lang, r in sorted((sonar.get("autoencoding") or {}).items()):
        if "chrf" in r and "baseline_chrf" in r:
            same[lang] = _entry(r["chrf"], r["baseline_chrf"], r.get("n"))
    # English with the app's own decoding (beam + concept reranking) where measured: what a user of the app gets
    beam = sonar.get("autoencoding_eng_short_beam") or {}
    eng = beam.get("rerank") or beam or sonar.get("autoencoding_eng_short")
    if eng and "chrf" in eng and "baseline_chrf" in eng:
        same[ENG] = _entry(eng["chrf"], eng["baseline_chrf"], eng.get("n") or beam.get("n"))
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


def stamp(out: str) -> dict | None:
    """Write the table of `out`/metrics.json into `out`/sonar/pack.json (the files list covers the graphs and the
    tokenizer, not pack.json, so the pack stays verified). Returns the table, or None when there is nothing to write."""
    metrics_path, pack_path = os.path.join(out, "metrics.json"), os.path.join(out, "sonar", "pack.json")
    if not (os.path.exists(metrics_path) and os.path.exists(pack_path)):
        return None
    with open(metrics_path) as f:
        table = from_metrics(json.load(f).get("sonar") or {})
    if not table["same_language"] and not table["pairs"]:
        return None
    with open(pack_path) as f:
        pack = json.load(f)
    pack["decoding_quality"] = table
    with open(pack_path, "w") as f:
        json.dump(pack, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return table
