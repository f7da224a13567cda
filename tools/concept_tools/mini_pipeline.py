"""Everything after SONAR training: concept data, normalizer, Base-LCM and Two-Tower pre-training and instruction
tuning (summarize, expand), pack export, held-out evaluation (model card) and reference fixtures."""
from __future__ import annotations

import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

from . import data, export_onnx
from .generate import greedy_batch
from .lcm_model import BaseLCM, BaseLCMConfig, SamplerOptions, TwoTowerConfig, TwoTowerLCM, sample_next
from .packs_build import build_lcm_pack, build_sonar_pack
from .train_sonar import lang_stats

SPACE_PREFIX = "concept-studio"
EOT = "End of text."
MARKERS = {"summarize": "Summarize:", "expand": "Expand:", "continue": None}
MAX_DOC = 40
# Per-family decoding settings written into the SONAR pack.json. Blocking repeated trigrams (decoding.no_repeat_ngram,
# fairseq2's NGramRepeatBlockProcessor) was measured on the committed mini pack and left off: held-out round-trip chrF
# 20.0 with it vs 19.5 without, xx->eng 14.6 vs 14.8 -- neutral; the cross-language loops ("de de de ...") only change
# shape. Official SONAR packs keep the reference's default (off) too. Concept reranking (decoding.rerank) is on: the
# mini decoder writes fluent text that its concept only partly steers, and of the beam's finished hypotheses the one
# whose re-encoding is nearest the concept says more of it (held-out AE chrF 32.4 -> 35.9 at beam 5, model card).
MINI_DECODING: dict = {"rerank": True}
QUICK = bool(os.environ.get("CONCEPT_QUICK"))  # smoke-test the pipeline on a sliver of the data  # concepts per training sequence
LICENSE_NOTE = ("Weights: MIT (Concept Studio). Training data: mixed licences incl. non-commercial research data "
                "(XL-Sum, WikiLingua, MLSUM: CC BY-NC-SA); see models/mini/README.md.")


# ------------------------------------------------------------------------------------------------ concepts
@torch.no_grad()
def encode(enc, tok, sents: list[str], langs: list[str], batch: int = 128) -> torch.Tensor:
    cap = enc.cfg.max_seq_len
    ids = [tok.encode_source(s, l) for s, l in zip(sents, langs)]
    # over-long sentences keep their first `cap` ids and get EOS back (tokenized once)
    ids = [x[:cap] + [3] if len(x) > cap else x for x in ids]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = torch.zeros(len(ids), enc.cfg.model_dim)
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        n = max(len(ids[i]) for i in idx)
        x = torch.zeros(len(idx), n, dtype=torch.long)
        m = torch.zeros(len(idx), n, dtype=torch.long)
        for j, i in enumerate(idx):
            x[j, :len(ids[i])] = torch.tensor(ids[i])
            m[j, :len(ids[i])] = 1
        out[idx] = enc(x, m)
    return out


def encoder_key(enc) -> str:
    """Fingerprint of the encoder's weights. The concept cache and the LCM checkpoints carry it: after the SONAR
    stage is extended, concepts from the old encoder (and LCMs trained on them) must not be resumed silently."""
    import hashlib
    h = hashlib.sha256()
    for name, t in sorted(enc.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def build_concepts(enc, tok, work: str):
    path = os.path.join(work, "concepts.pt")
    key = encoder_key(enc)
    if os.path.exists(path):
        c = torch.load(path)
        if c.get("encoder_key") == key:
            return c
        print("concepts.pt was encoded by another encoder: re-encoding", flush=True)
    docs = []  # (lang, sentences)
    summ_tr, summ_te = data.summarization()
    for r in summ_tr:
        docs.append(("pre", r["lang"], data.split_sentences(r["document"])[:MAX_DOC]))
    br_tr, br_te = data.brown()
    for doc in br_tr:
        for k in range(0, min(len(doc), 60), 30):
            docs.append(("pre", "eng_Latn", doc[k:k + 30]))
    units, test_units = data.udhr_multiway()
    per_lang: dict[str, list[str]] = {}
    for u in units:
        for code, text in u.items():
            per_lang.setdefault(code, []).extend(data.split_sentences(text))
    for code, sents in per_lang.items():
        for k in range(0, len(sents), 30):
            docs.append(("pre", code, sents[k:k + 30]))
    if QUICK:
        docs = docs[:20] + docs[-20:]
        summ_tr, summ_te, br_te = summ_tr[:20], summ_te[:10], br_te[:3]
    # flatten, encode once
    flat, langs = [], []
    for _, lang, sents in docs:
        flat += sents
        langs += [lang] * len(sents)
    sup = []
    for split, recs in (("train", summ_tr), ("test", summ_te)):
        for r in recs:
            d = data.split_sentences(r["document"])[:MAX_DOC]
            s = data.split_sentences(r["summary"])[:8]
            if d and s:
                sup.append((split, r, d, s))
                flat += d + s
                langs += [r["lang"]] * (len(d) + len(s))
    held_docs = [("brown", "eng_Latn", doc[:30]) for doc in br_te]
    for _, lang, sents in held_docs:
        flat += sents
        langs += [lang] * len(sents)
    specials = [EOT] + [m for m in MARKERS.values() if m]
    flat += specials
    langs += ["eng_Latn"] * len(specials)
    t0 = time.time()
    vecs = encode(enc, tok, flat, langs)
    print(f"encoded {len(flat)} sentences in {time.time() - t0:.0f}s", flush=True)
    pos = 0

    def take(n):
        nonlocal pos
        v = vecs[pos:pos + n]
        pos += n
        return v

    pre = [take(len(s)) for _, _, s in docs]
    supv = []
    for split, r, d, s in sup:
        supv.append({"split": split, "id": r["id"], "lang": r["lang"], "set": r["set"], "doc_sents": d,
                     "sum_sents": s, "doc": take(len(d)), "sum": take(len(s))})
    held = [take(len(s)) for _, _, s in held_docs]
    spec = take(len(specials))
    out = {"pre": pre, "sup": supv, "held": held, "eot": spec[0], "markers": {
        k: spec[1 + i] for i, k in enumerate(k for k, m in MARKERS.items() if m)}, "encoder_key": key}
    torch.save(out, path)
    return out


# ------------------------------------------------------------------------------------------------ sequences
def sequences(c, rng: random.Random, split="train"):
    """One training sequence: (concepts [L,D] raw, index of the first target position)."""
    r = rng.random()
    sup = [s for s in c["sup"] if s["split"] == split]
    if r < 0.45 or not sup:
        v = rng.choice(c["pre"])
        return torch.cat([v, c["eot"][None]]), 0  # every position is a target (Base-LCM skips position 0)
    s = rng.choice(sup)
    if r < 0.85:
        src = torch.cat([s["doc"], c["markers"]["summarize"][None]])
        tgt = torch.cat([s["sum"], c["eot"][None]])
    else:
        src = torch.cat([s["sum"], c["markers"]["expand"][None]])
        tgt = torch.cat([s["doc"][:12], c["eot"][None]])
    return torch.cat([src, tgt]), src.shape[0]


def batchify(items, dim):
    n = max(x.shape[0] for x, _ in items)
    x = torch.zeros(len(items), n, dim)
    tmask = torch.zeros(len(items), n)
    for i, (v, start) in enumerate(items):
        x[i, :v.shape[0]] = v
        tmask[i, start:v.shape[0]] = 1  # positions that are targets
    return x, tmask


def _lr(step, steps, peak, warm=100):
    return peak * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(step / steps, 1))))


def _ckpt_loop(name, model, steps, work, step_fn, peak, log=print, budget_s: float | None = None,
               concepts_key: str | None = None):
    """Resumable AdamW loop with warm-up + cosine decay. With `budget_s`, the total step count is fitted to the
    budget after 20 timed steps (so the schedule still decays fully); without it, `steps` is fixed."""
    path = os.path.join(work, f"{name}_ckpt.pt")
    torch.set_grad_enabled(True)  # callers (evaluation code, tests in one process) may have switched it off
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=peak, betas=(0.9, 0.95),
                            weight_decay=0.01)
    step, rng, elapsed0 = 0, random.Random(7), 0.0
    st = torch.load(path) if os.path.exists(path) else None
    if st is not None and st.get("concepts") != concepts_key:
        log(f"{name}: its checkpoint was trained on another encoder's concepts: starting over")
        st = None
    if st is not None:
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
        elapsed0 = st.get("elapsed_s", 0.0)
        # the step count fitted to the budget when the run began: resuming must finish that schedule, not stretch
        # a finished model over a fresh budget (which would also retrain LCMs that a rerun meant to reuse)
        steps = st.get("target", steps)
        budget_s = None if "target" in st else budget_s
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
    model.train()
    t0 = time.time()
    start_step = step
    while step < steps:
        if budget_s and step - start_step == 20:
            per_step = (time.time() - t0) / 20
            fitted = start_step + int(budget_s / per_step)
            if fitted < steps:
                log(f"{name}: {per_step:.2f} s/step, fitting {steps} steps into the budget -> {fitted}")
                steps = max(fitted, step + 1)
        for g in opt.param_groups:
            g["lr"] = _lr(step, steps, peak)
        loss = step_fn(rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        if step % 100 == 0 or step == steps:
            log(f"{name} step {step}/{steps} loss {loss.item():.4f} {(time.time() - t0) / 60:.1f} min")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "rng": rng.getstate(),
                        "torch_rng": torch.get_rng_state(), "concepts": concepts_key, "target": steps,
                        "elapsed_s": elapsed0 + time.time() - t0},
                       path + ".tmp")
            os.replace(path + ".tmp", path)
    model.eval()
    model.trained_steps = step
    model.trained_minutes = (elapsed0 + time.time() - t0) / 60  # across resumes, like the SONAR stage
    return model


def train_base(c, work, steps, dim, batch=32, budget_s=None):
    torch.manual_seed(11)
    cfg = BaseLCMConfig(sonar_dim=dim, model_dim=256, num_heads=4, ffn_dim=1024, layers=4, dropout=0.1,
                        max_seq_len=256)
    m = BaseLCM(cfg)
    m.normalizer.fit(torch.cat(c["pre"]))

    def step_fn(rng):
        x, tmask = batchify([sequences(c, rng) for _ in range(batch)], dim)
        xn = m.normalizer.normalize(x)
        pred = m(xn[:, :-1])
        err = ((pred - xn[:, 1:]) ** 2).sum(-1)  # channel sum (lcm.md §3 loss)
        w = tmask[:, 1:]
        return (err * w).sum() / w.sum().clamp_min(1) / dim

    return _ckpt_loop("base_lcm", m, steps, work, step_fn, 1e-3, budget_s=budget_s, concepts_key=c.get("encoder_key"))


def train_two_tower(c, work, steps, dim, batch=32, budget_s=None):
    torch.manual_seed(12)
    cfg = TwoTowerConfig(sonar_dim=dim, model_dim=256, num_heads=4, ffn_dim=1024, context_layers=3,
                         denoiser_layers=3, dropout=0.1, max_seq_len=256)
    m = TwoTowerLCM(cfg)
    m.normalizer.fit(torch.cat(c["pre"]))
    ab = m.alphas_cumprod

    def step_fn(rng):
        x, tmask = batchify([sequences(c, rng) for _ in range(batch)], dim)
        b, l, _ = x.shape
        xn = m.normalizer.normalize(x)
        ctx = m.contextualizer(xn)
        t = torch.randint(0, cfg.num_train_steps, (b, l))
        a = ab[t][..., None]
        x_t = a.sqrt() * xn + (1 - a).sqrt() * torch.randn_like(xn)
        keep = torch.ones(l, l).tril(-1)[None].repeat(b, 1, 1)  # row i sees context 0..i-1 (+ the zero row)
        n_drop = int((l - 1) * cfg.cfg_dropout)
        if n_drop:
            rows = torch.tensor(rng.sample(range(1, l), n_drop))
            keep[:, rows, :] = 0  # classifier-free guidance: these rows see only the zero vector
        pred = m.denoiser(x_t, t, ctx, keep)
        err = ((pred - xn) ** 2).sum(-1)
        w = tmask  # target positions (zero on padding)
        return (err * w).sum() / w.sum().clamp_min(1) / dim

    return _ckpt_loop("two_tower", m, steps, work, step_fn, 1e-3, budget_s=budget_s, concepts_key=c.get("encoder_key"))


# ------------------------------------------------------------------------------------------------ generation
def cos(a, b):
    return F.cosine_similarity(a, b, dim=-1)


@torch.no_grad()
def generate(model, variant, prompt: torch.Tensor, eot, max_new=6, seed=0, opts: SamplerOptions | None = None):
    """Raw-space prompt (L,D) -> generated raw concepts (without EOT)."""
    g = torch.Generator().manual_seed(seed)
    seq = prompt.clone()
    out = []
    for _ in range(max_new):
        xn = model.normalizer.normalize(seq)[None]
        if variant == "base":
            nxt = model(xn)[0, -1]
        else:
            ctx = model.contextualizer(xn)
            z = torch.randn(1, 1, xn.shape[-1], generator=g) * (opts or SamplerOptions()).initial_noise_scale
            nxt = sample_next(model, ctx, z, opts or SamplerOptions())[0, 0]
        raw = model.normalizer.denormalize(nxt)
        if out:  # stop checks start after min_gen_len = 1 concept (research/lcm.md §6)
            if cos(raw, eot) >= 0.9 or cos(raw, out[-1]) >= 0.9:
                break
        out.append(raw)
        seq = torch.cat([seq, raw[None]])
    return out


# ------------------------------------------------------------------------------------------------ metrics
def tokens_ml(text: str) -> list[str]:
    import re
    toks = []
    for w in re.findall(r"\w+", text.lower()):
        if re.search(r"[\u3040-\u30ff\u3400-\u9fff\u0e00-\u0e7f]", w):
            toks += list(w)
        else:
            toks.append(w)
    return toks


def rouge_l(ref: str, hyp: str) -> float:
    a, b = tokens_ml(ref), tokens_ml(hyp)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(b), lcs / len(a)
    return 2 * p * r / (p + r)


def evaluate_sonar(enc, dec, tok, log=print, trained_langs=None):
    """Held-out SONAR metrics: see eval_sonar (kept here for callers of the old name)."""
    from .eval_sonar import evaluate_sonar as ev
    return ev(enc, dec, tok, log=log, trained_langs=trained_langs)


@torch.no_grad()
def evaluate_lcm(models, c, dec, tok, log=print):
    res = {}
    # next-concept l2 (raw space) on held-out documents vs copy-the-last
    held = c["held"] + [s["doc"] for s in c["sup"] if s["split"] == "test"]
    for name, (m, variant) in models.items():
        l2, l2_copy, n = 0.0, 0.0, 0
        for v in held[:3 if QUICK else (60 if variant == "base" else 20)]:
            if v.shape[0] < 3:
                continue
            xn = m.normalizer.normalize(v)[None]
            if variant == "base":
                pred = m.normalizer.denormalize(m(xn[:, :-1])[0])
            else:
                preds = []
                g = torch.Generator().manual_seed(1)
                ctx = m.contextualizer(xn[:, :-1])
                for i in range(0, v.shape[0] - 1):
                    z = torch.randn(1, 1, v.shape[1], generator=g) * 0.6
                    preds.append(sample_next(m, ctx[:, :i + 1], z, SamplerOptions(steps=10))[0, 0])
                pred = m.normalizer.denormalize(torch.stack(preds))
            tgt = v[1:]
            l2 += (pred[:len(tgt)] - tgt).norm(dim=-1).sum().item()
            l2_copy += (v[:-1] - tgt).norm(dim=-1).sum().item()
            n += tgt.shape[0]
        res[name] = {"next_concept_l2": l2 / n, "copy_last_l2": l2_copy / n, "positions": n}
        log(f"{name}: next-concept l2 {l2 / n:.4f} vs copy-last {l2_copy / n:.4f}")
    # summaries on held-out pairs, decoded greedily in the document's language
    tests = [s for s in c["sup"] if s["split"] == "test"][:4 if QUICK else 40]
    rows = []
    for s in tests:
        ref = " ".join(s["sum_sents"])
        row = {"id": s["id"], "lang": s["lang"], "lead1": rouge_l(ref, s["doc_sents"][0]),
               "lead3": rouge_l(ref, " ".join(s["doc_sents"][:3]))}
        # a ceiling for any summary written through this decoder: the lead sentence's own concept, decoded. An LCM
        # that predicted that concept exactly would score this, not lead-1 — the gap is the decoder's loss.
        lead_ae = greedy_batch(dec, s["doc"][:1], [tok.lang_id(s["lang"])], max_len=64)
        row["lead1_decoded"] = rouge_l(ref, tok.decode(lead_ae[0]))
        for name, (m, variant) in models.items():
            prompt = torch.cat([s["doc"], c["markers"]["summarize"][None]])
            gen = generate(m, variant, prompt, c["eot"], max_new=3, opts=SamplerOptions(steps=20))
            if gen:
                outs = greedy_batch(dec, torch.stack(gen), [tok.lang_id(s["lang"])] * len(gen), max_len=64)
                hyp = " ".join(tok.decode(o) for o in outs)
            else:
                hyp = ""
            row[name] = rouge_l(ref, hyp)
            row[name + "_text"] = hyp
        rows.append(row)
    summary = {k: sum(r[k] for r in rows) / len(rows) for k in ["lead1", "lead3", "lead1_decoded", *models]}
    res["summaries"] = {"n": len(rows), "rougeL_mean": summary, "examples": rows[:5]}
    log(f"summary ROUGE-L: {summary}")
    return res


def _tree_mb(folder: str) -> float:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs) / 1e6


def peak_ram_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB, macOS in bytes)."""
    import resource
    import sys
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1e6 if sys.platform == "darwin" else r * 1024 / 1e6


def reevaluate_sonar(out: str, log=print) -> dict:
    """Measure the SONAR pack in `out` again (its exact shipped weights, read back from the ONNX files) and replace the
    SONAR part of `out`/metrics.json, then rewrite the model card: for a change of evaluation or of the pack's
    decoding, without the checkpoints of the run that trained it. Training and LCM figures are kept."""
    import glob

    from . import decoding_quality, model_card, onnx_weights
    from .tokenizer import SonarTokenizer
    sonar_dir = os.path.join(out, "sonar")
    with open(os.path.join(sonar_dir, "pack.json")) as f:
        pack = json.load(f)
    enc, dec = onnx_weights.load_sonar_encoder(sonar_dir).eval(), onnx_weights.load_sonar_decoder(sonar_dir).eval()
    tok = SonarTokenizer(glob.glob(os.path.join(sonar_dir, "*.model"))[0])
    t0 = time.time()
    with torch.no_grad():
        sonar_metrics = evaluate_sonar(enc, dec, tok, log=log, trained_langs=set(pack.get("languages_trained") or {}))
    path = os.path.join(out, "metrics.json")
    with open(path) as f:
        metrics = json.load(f)
    metrics["sonar"] = sonar_metrics
    metrics.setdefault("train", {})["sonar_eval_minutes"] = (time.time() - t0) / 60
    with open(path, "w") as f:
        json.dump(metrics, f, indent=1, ensure_ascii=False)
    model_card.write_card(out)
    decoding_quality.stamp(out)
    return metrics


def run(args, enc, dec, tok, cfg, ex):
    work, out = args.work, args.out
    preset = getattr(args, "preset", None) or "mini"
    toy = bool(getattr(args, "toy", False))
    license_note = LICENSE_NOTE.replace("models/mini/", f"models/{preset}/")
    torch.manual_seed(3)
    for p in list(enc.parameters()) + list(dec.parameters()):
        p.requires_grad_(False)
    # the packs store weights as float16 (computed in float32): round first, so that the concepts the LCMs learn
    # from, the evaluation and the fixtures all use exactly the shipped weights
    export_onnx.round_weights_to_fp16(enc)
    export_onnx.round_weights_to_fp16(dec)
    c = build_concepts(enc, tok, work)
    # the space names the encoder that made the concepts: the app caches concepts per space, so a retrained pack
    # under an unchanged name would decode vectors of the previous encoder from a user's cache (seen after the
    # 2026-12-01 retraining: a cached document translated into another pack's nonsense)
    space = f"{SPACE_PREFIX}-{preset}-{c['encoder_key'][:12]}"
    dim = cfg.model_dim
    budget = args.lcm_minutes * 60 if args.lcm_minutes else None
    base = train_base(c, work, args.lcm_steps, dim, budget_s=budget)
    tt = train_two_tower(c, work, args.lcm_steps, dim, budget_s=budget)
    export_onnx.round_weights_to_fp16(base)
    export_onnx.round_weights_to_fp16(tt)
    export_onnx.FP16_STORAGE = True
    stats = lang_stats(tok, ex)
    sonar_dir, base_dir, tt_dir = (os.path.join(out, n) for n in ("sonar", "base-lcm", "two-tower-lcm"))
    title = preset.capitalize() + (" (toy size)" if toy else "")
    build_sonar_pack(enc, dec, os.path.join(work, "spm.model"), sonar_dir, name=f"{preset}-sonar", space=space,
                     license=license_note, sp_size=tok.sp_size, languages_trained=stats, decoding=MINI_DECODING,
                     description=f"{title} SONAR-style text encoder/decoder (d={cfg.model_dim}, "
                                 f"{cfg.encoder_layers}+{cfg.decoder_layers} layers) trained by Concept Studio; "
                                 f"held-out metrics in models/{preset}/README.md.")
    instr = {"summarize": MARKERS["summarize"], "expand": MARKERS["expand"], "continue": None}
    build_lcm_pack(base, "base", base_dir, name=f"{preset}-base-lcm", space=space, license=license_note,
                   description=f"{title} Base-LCM ({base.cfg.layers} layers, d={base.cfg.model_dim}) on "
                               f"{preset}-sonar concepts", end_of_text=EOT, instructions=instr)
    build_lcm_pack(tt, "two-tower", tt_dir, name=f"{preset}-two-tower-lcm", space=space, license=license_note,
                   description=f"{title} Two-Tower diffusion LCM ({tt.cfg.context_layers}+{tt.cfg.denoiser_layers} "
                               f"layers, d={tt.cfg.model_dim}) on {preset}-sonar concepts",
                   end_of_text=EOT, instructions=instr)
    export_onnx.FP16_STORAGE = False
    t_eval = time.time()
    sonar_metrics = evaluate_sonar(enc, dec, tok, trained_langs=set(stats))
    lcm_metrics = evaluate_lcm({"base_lcm": (base, "base"), "two_tower": (tt, "two-tower")}, c, dec, tok)
    info = getattr(enc, "train_info", {}) or {}
    models_dir = os.path.dirname(os.path.abspath(out))
    metrics = {"preset": preset, "toy": toy,
               "sonar": sonar_metrics,
               "lcm": lcm_metrics,
               "train_minutes": {"base_lcm": base.trained_minutes, "two_tower": tt.trained_minutes},
               "train": {"sonar_steps": info.get("steps"), "sonar_batch": info.get("batch"),
                         "sonar_minutes": info.get("minutes", 0),
                         "sonar_schedule": info.get("schedule"),
                         "sonar_precision": info.get("precision"),
                         "decoder_stage": info.get("decoder_stage"),
                         "phrase_share": getattr(args, "phrase_share", None) or 0.0,
                         "phrase_pairs": len(ex.get("phrases") or []),
                         "phrase_languages": len({a if a != "eng_Latn" else b for a, _, b, _ in ex.get("phrases") or []}),
                         "lcm_steps": {"base_lcm": base.trained_steps, "two_tower": tt.trained_steps},
                         "total_minutes": info.get("minutes", 0) + base.trained_minutes + tt.trained_minutes,
                         "eval_minutes": (time.time() - t_eval) / 60,
                         "device": getattr(args, "device", "cpu"), "threads": getattr(args, "threads", None),
                         # this process only: a run resumed from checkpoints reports its own peak
                         "peak_ram_mb": peak_ram_mb(),
                         "probes": info.get("probes") or []},
               "size_mb": {"packs": _tree_mb(out),
                           "models_dir": _tree_mb(models_dir) if os.path.basename(models_dir) == "models" else None}}
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1, ensure_ascii=False)
    torch.save({"base": base.state_dict(), "two_tower": tt.state_dict(), "base_cfg": base.cfg.to_dict(),
                "tt_cfg": tt.cfg.to_dict()}, os.path.join(work, "lcm_final.pt"))
    from . import decoding_quality, fixtures, model_card
    model_card.write_card(out)
    # what the app tells a user before a run into each language (main/engine/packs/decoding-quality.ts)
    decoding_quality.stamp(out)
    # the fixtures pin the bundled mini packs: a toy run (or another preset) must never overwrite them
    if args.fixtures and not toy and preset == "mini":
        fixtures.write_all(args, enc, dec, tok, base, tt, c)
        print(f"wrote packs to {out} and fixtures to {args.fixtures}", flush=True)
    else:
        why = "toy run" if toy else ("no --fixtures folder" if not args.fixtures else "they pin the mini packs only")
        print(f"wrote packs to {out}; fixtures not written ({why})", flush=True)
