"""PyTorch reference outputs for fixed inputs, written as JSON next to the graphs they describe, so the TypeScript
runtime can prove parity: embeddings, decoder log-probs for fixed prefixes, greedy and beam-5 decodes, Base-LCM
predictions, Two-Tower contextualizer/denoiser outputs and full denoising trajectories for fixed noise."""
from __future__ import annotations

import json
import os

import torch

from .generate import beam_search, greedy_batch
from .lcm_model import (BaseLCM, BaseLCMConfig, SamplerOptions, TwoTowerConfig, TwoTowerLCM, sample_next)
from .packs_build import build_lcm_pack, build_sonar_pack
from .sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder
from .tokenizer import SonarTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SENTENCES = [
    ("All human beings are born free and equal in dignity and rights.", "eng_Latn"),
    ("Tous les êtres humains naissent libres et égaux en dignité et en droits.", "fra_Latn"),
    ("Alle Menschen sind frei und gleich an Würde und Rechten geboren.", "deu_Latn"),
    ("人人生而自由，在尊严和权利上一律平等。", "zho_Hans"),
    ("I have two cats.", "eng_Latn"),
    ("Hello!", "eng_Latn"),
]


def _r(t: torch.Tensor):
    """float32 values with 9 significant digits: enough to round-trip every float32 exactly."""
    return [float(f"{x:.9g}") for x in t.reshape(-1).tolist()]


def _dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)


@torch.no_grad()
def sonar_fixture(enc, dec, tok, full_logprobs: bool, beam_langs=("eng_Latn", "fra_Latn")) -> dict:
    texts = [s for s, _ in SENTENCES]
    langs = [l for _, l in SENTENCES]
    ids = [tok.encode_source(s, l) for s, l in SENTENCES]
    n = max(len(i) for i in ids)
    x = torch.zeros(len(ids), n, dtype=torch.long)
    m = torch.zeros(len(ids), n, dtype=torch.long)
    for j, i in enumerate(ids):
        x[j, :len(i)] = torch.tensor(i)
        m[j, :len(i)] = 1
    emb = enc(x, m)
    out = {"encoder": [{"text": t, "lang": l, "ids": i, "embedding": _r(e)} for t, l, i, e in
                       zip(texts, langs, ids, emb)]}
    # decoder log-probs after the fixed prefix [eos, lang, p1, p2] fed one token at a time
    prefixes = []
    for k in (0, 1):
        lang = langs[k]
        pre = tok.target_prefix(lang) + tok.pieces(texts[k])[:2]
        past = dec.empty_past(1)
        steps = []
        for tkn in pre:
            lp, past = dec.step(torch.tensor([[tkn]]), emb[k:k + 1], past)
            top = torch.topk(lp[0], 10)
            entry = {"top_ids": top.indices.tolist(), "top_logprobs": _r(top.values),
                     "sample_ids": list(range(0, lp.shape[1], max(1, lp.shape[1] // 64)))}
            entry["sample_logprobs"] = _r(lp[0, entry["sample_ids"]])
            if full_logprobs:
                entry["logprobs"] = _r(lp[0])
            steps.append(entry)
        prefixes.append({"embedding_of": k, "tokens": pre, "steps": steps})
    out["decoder_prefixes"] = prefixes
    # the same prefix fed in one call (T=2) must give the last position's log-probs
    decodes = []
    for k in range(len(texts)):
        for lang in beam_langs:
            g = greedy_batch(dec, emb[k:k + 1], [tok.lang_id(lang)], max_len=dec.cfg.max_seq_len)[0]
            hyps = beam_search(dec, emb[k], tok.lang_id(lang), beam=5)
            decodes.append({"embedding_of": k, "lang": lang, "greedy_tokens": g, "greedy_text": tok.decode(g),
                            "beam": [{"tokens": h[0], "score": round(h[1], 6), "raw_score": round(h[2], 6),
                                      "text": tok.decode(h[0])} for h in hyps]})
    out["decodes"] = decodes
    return out


@torch.no_grad()
def lcm_fixture(base: BaseLCM, tt: TwoTowerLCM, concepts: torch.Tensor, seed: int = 5) -> dict:
    g = torch.Generator().manual_seed(seed)
    xn = base.normalizer.normalize(concepts)[None]
    out = {"input_raw": _r(concepts), "shape": list(concepts.shape)}
    out["base"] = {"normalized_input": _r(xn), "next": _r(base(xn))}
    xt = tt.normalizer.normalize(concepts)[None]
    ctx = tt.contextualizer(xt)
    out["contextualizer"] = {"normalized_input": _r(xt), "context": _r(ctx), "context_dim": ctx.shape[-1]}
    d = concepts.shape[1]
    x_t = torch.randn(2, 1, d, generator=g)
    tvec = torch.tensor([99, 17])
    mask = torch.tensor([[1.0] * ctx.shape[1], [0.0] * ctx.shape[1]])
    den = tt.denoiser(x_t, tvec[:, None], ctx.expand(2, -1, -1), mask[:, None, :])
    out["denoiser"] = {"x_t": _r(x_t), "t": tvec.tolist(), "context_mask": mask.tolist(), "x0": _r(den)}
    trajs = []
    for opts in (SamplerOptions(), SamplerOptions(steps=10, spacing="paper", guidance_scale=2.0,
                                                  guidance_rescale=0.0, epsilon_scaling=None)):
        z = torch.randn(1, 1, d, generator=g)
        traj = []
        x0 = sample_next(tt, ctx, z * opts.initial_noise_scale, opts, trajectory=traj)
        trajs.append({"options": opts.__dict__, "noise": _r(z), "steps": [
            {"t": s["t"], "x0": _r(s["x0"]), "z": _r(s["z"])} for s in traj], "x0": _r(x0),
            "denormalized": _r(tt.normalizer.denormalize(x0))})
    out["trajectories"] = trajs
    return out


def random_family(out_dir: str, seed: int = 0) -> dict:
    """Small randomly initialised SONAR + LCM packs (SONAR-shaped contract, tiny sizes) and their fixtures."""
    torch.manual_seed(seed)
    spm_path = os.path.join(ROOT, "test", "fixtures", "random", "test_model.model")
    tok = SonarTokenizer(spm_path)
    cfg = SonarConfig(vocab_size=tok.vocab_size, model_dim=32, num_heads=4, ffn_dim=64, encoder_layers=2,
                      decoder_layers=2, max_seq_len=96, dropout=0.0)
    enc, dec = SonarTextEncoder(cfg).eval(), SonarTextDecoder(cfg).eval()
    with torch.no_grad():  # a random decoder never ends: push the final state towards EOS so beams finish at
        emb = dec.decoder_frontend.embed.weight  # different lengths, and EOS handling gets tested too
        dec.decoder.layer_norm.bias.add_(4.0 * emb[3] / emb[3].norm() ** 2)
    build_sonar_pack(enc, dec, spm_path, os.path.join(out_dir, "sonar"), name="random-sonar", space="random-v1",
                     license="MIT (random weights, test only)", description="random test graphs",
                     sp_size=tok.sp_size,
                     # its decoder writes meaningless text by design: degenerate decodes are marked, runs not failed
                     extra={"random_weights": True})
    fx = {"sonar": sonar_fixture(enc, dec, tok, full_logprobs=True)}
    bcfg = BaseLCMConfig(sonar_dim=32, model_dim=32, num_heads=4, ffn_dim=64, layers=2, dropout=0.0, max_seq_len=64)
    tcfg = TwoTowerConfig(sonar_dim=32, model_dim=48, num_heads=4, ffn_dim=64, context_layers=2, denoiser_layers=2,
                          dropout=0.0, max_seq_len=64)
    base, tt = BaseLCM(bcfg).eval(), TwoTowerLCM(tcfg).eval()
    with torch.no_grad():  # AdaLN-zero makes a fresh denoiser the identity; randomise so the test can fail
        for layer in tt.denoiser.layers:
            layer.modulator.weight.normal_(std=0.05)
            layer.modulator.bias.normal_(std=0.05)
        concepts = torch.randn(5, 32) * 0.05 + 0.01
        for m in (base, tt):
            m.normalizer.fit(torch.randn(400, 32) * 0.05 + 0.01)
    build_lcm_pack(base, "base", os.path.join(out_dir, "base-lcm"), name="random-base-lcm", space="random-v1",
                   license="MIT (random weights, test only)", description="random test graphs")
    build_lcm_pack(tt, "two-tower", os.path.join(out_dir, "two-tower-lcm"), name="random-two-tower-lcm",
                   space="random-v1", license="MIT (random weights, test only)", description="random test graphs")
    fx["lcm"] = lcm_fixture(base, tt, concepts)
    _dump(os.path.join(out_dir, "fixtures.json"), fx)
    return fx


def write_all(args, enc, dec, tok, base, tt, c):
    """Fixtures for the trained mini packs (test/fixtures/mini.json) and the random family."""
    fx = {"sonar": sonar_fixture(enc, dec, tok, full_logprobs=False)}
    doc = c["sup"][0]["doc"][:5] if c["sup"] else torch.randn(5, enc.cfg.model_dim) * 0.05
    fx["lcm"] = lcm_fixture(base, tt, doc)
    _dump(os.path.join(args.fixtures, "mini.json"), fx)
    random_family(os.path.join(args.fixtures, "random"))
