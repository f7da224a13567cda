#!/usr/bin/env python3
"""Training throughput of a SONAR preset on this machine: seconds per step of the joint objective (encoder +
decoder + contrastive term) and of the decoder-only stage, on the same batches and weights in interleaved rounds, for
  reference  the loss path before 2026-12 (full projection, PyTorch's label-smoothed cross-entropy, glibc's
             default allocator), fp32;
  fused      the path training uses (concept_tools/vocab_loss.py, concept_tools/allocator.py), fp32;
  bf16       the same under bf16 autocast, which `--precision auto` picks where it measures faster
             (concept_tools/precision.py).

    /usr/bin/python3 tools/bench_train.py                 # mini preset, 2 threads, 3 rounds of 8 steps per variant
    /usr/bin/python3 tools/bench_train.py --json out.json

Batches are random pieces with the lengths of real length-bucketed batches (64 rows, 11-42 pieces, the mix the
mini recipe draws), so the bench needs no training data. Prints the medians and the ratio per stage; the figure to
compare with the recipe's step counts (models/mini/README.md) is the seconds per step of the variant training
picks."""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from concept_tools import allocator  # noqa: E402
from concept_tools import train_sonar as ts  # noqa: E402
from concept_tools.sonar_model import SonarTextDecoder, SonarTextEncoder  # noqa: E402
from concept_tools.tokenizer import EOS  # noqa: E402
from concept_tools.vocab_loss import decoder_ce  # noqa: E402

# longest pieces per row of real batches drawn by sample_pool (mini recipe, after the curriculum): one pool of ten
LENGTHS = [11, 40, 17, 42, 37, 33, 14, 38, 34, 17]
VOCAB = 8206  # 8,000 SentencePiece pieces + 202 language tags + specials (the mini tokenizer)
LANG_BASE = 8004


def make_batch(rows: int, longest: int, rng: random.Random, vocab: int):
    def seqs():
        out = []
        for _ in range(rows):
            n = rng.randint(max(2, longest // 2), longest)
            out.append([LANG_BASE % vocab] + [rng.randrange(3, min(vocab, LANG_BASE)) for _ in range(n)] + [EOS])
        return out
    s_ids, s_mask = ts.pad(seqs())
    t_ids, t_mask = ts.pad(seqs())
    d_ids, d_mask = ts.pad([[EOS] + s for s in seqs()])
    items = [("eng_Latn", [], "fra_Latn", [i], True) for i in range(rows)]  # distinct targets for InfoNCE
    return s_ids, s_mask, t_ids, t_mask, d_ids, d_mask, items


def step_fn(enc, dec, opt, params, batch, fused: bool, joint: bool, bf16: bool = False):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = _loss(enc, dec, batch, fused, joint)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()


def _loss(enc, dec, batch, fused: bool, joint: bool):
    s_ids, s_mask, t_ids, t_mask, d_ids, d_mask, items = batch
    dec_in = ts.word_dropout(d_ids[:, :-1], d_mask[:, :-1])
    if joint:
        emb = enc(s_ids, s_mask)
    else:
        with torch.no_grad():
            emb = enc(s_ids, s_mask)
    if fused:
        loss = decoder_ce(dec, dec_in, emb, d_ids, d_mask)
    else:
        loss = ts.teacher_forced_ce(dec(dec_in, emb), d_ids, d_mask)
    if joint:
        sel = torch.arange(len(items))
        loss = loss + ts.info_nce(emb.float(), enc(t_ids, t_mask).float(), items, sel)
    return loss


def run(preset: str = "mini", threads: int = 2, rounds: int = 3, steps: int = 8, toy: bool = False,
        log=print) -> dict:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = random.Random(0)
    vocab = 64 if toy else VOCAB
    cfg = ts.model_config(vocab, ts.PRESETS[preset])
    rows, lengths = (4, [6, 9]) if toy else (ts.PRESETS[preset].batch, LENGTHS)
    if toy:
        cfg.model_dim, cfg.num_heads, cfg.ffn_dim, cfg.encoder_layers, cfg.decoder_layers = 32, 2, 64, 1, 1
    enc, dec = SonarTextEncoder(cfg), SonarTextDecoder(cfg)
    dec.tie()
    params = list(enc.parameters()) + [p for n, p in dec.named_parameters() if n != "final_proj.weight"]
    # lr 0: every variant sees the same weights in every round (AdamW's weight decay is scaled by the lr too)
    opt = torch.optim.AdamW(params, lr=0.0)
    batches = [make_batch(rows, n, rng, vocab) for n in lengths]
    variants = {"reference": (False, False), "fused": (True, False), "bf16": (True, True)}
    samples: dict = {(stage, v): [] for stage in ("joint", "decoder") for v in variants}
    for r in range(rounds):
        for stage in ("joint", "decoder"):
            order = list(variants) if r % 2 == 0 else list(reversed(variants))  # interleaved, alternating first
            for v in order:
                fused, bf16 = variants[v]
                if fused:
                    allocator.keep_freed_memory()
                else:
                    allocator.glibc_defaults()
                step_fn(enc, dec, opt, params, batches[0], fused, stage == "joint", bf16)  # warm-up
                t0 = time.perf_counter()
                for i in range(steps):
                    step_fn(enc, dec, opt, params, batches[i % len(batches)], fused, stage == "joint", bf16)
                samples[(stage, v)].append((time.perf_counter() - t0) / steps)
        log(f"round {r + 1}/{rounds} done")
    out = {"preset": preset, "toy": toy, "threads": threads, "steps_per_sample": steps, "rows": rows,
           "load_avg": os.getloadavg()[0], "stages": {}}
    from concept_tools.precision import MIN_GAIN, cpu_bf16_gain
    gain = cpu_bf16_gain(cfg.model_dim, cfg.ffn_dim)
    out["bf16_matmul_gain"] = gain
    out["auto_picks"] = "bf16" if gain >= MIN_GAIN else "fused"
    for stage in ("joint", "decoder"):
        med = {v: statistics.median(samples[(stage, v)]) for v in variants}
        out["stages"][stage] = {**{f"{v}_s_per_step": med[v] for v in variants},
                                **{f"{v}_speedup": med["reference"] / med[v] for v in variants if v != "reference"},
                                "samples": {v: samples[(stage, v)] for v in variants}}
        log(f"{stage:8s} " + ", ".join(f"{v} {med[v]:.3f} s/step" for v in variants) + " | "
            + ", ".join(f"{v} {med['reference'] / med[v]:.2f}x" for v in variants if v != "reference"))
    log(f"bf16 matrix products {gain:.1f}x fp32 here: `--precision auto` trains with {out['auto_picks']}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(ts.PRESETS), default="mini")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--toy", action="store_true", help="tiny model: checks the bench's code path in seconds")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    out = run(args.preset, args.threads, args.rounds, args.steps, args.toy)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
