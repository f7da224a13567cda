"""A decoder-only stage after the joint SONAR training: the encoder is frozen and only the decoder learns to write
what the concepts say.

Why a separate stage: at the end of the joint run the held-out retrieval had stopped moving while the decoder still
improved with every probe (auto-encoding chrF 21.5 -> 22.5 over the last 500 steps at the floor learning rate), so
the decoder is what limits the output a user reads. With the encoder frozen a step costs one encoder forward pass
without gradients and no second encoding of the pair's target (the contrastive term needs the encoder's gradient),
so the same minutes buy about twice as many decoder updates. A frozen encoder also keeps the concepts unchanged:
the pipeline's concept cache and the LCMs trained on it stay valid (mini_pipeline.encoder_key), and the encoder's
retrieval figures cannot move.

Resumable like the joint stage, in its own checkpoint (`sonar_dec_ckpt.pt`), so the joint checkpoint is never
overwritten by this stage."""
from __future__ import annotations

import os
import random
import time

import torch

from .train_sonar import AE_SHARE, MAX_TOKENS, PRESETS, collate, probe, probe_data, sample_pool, word_dropout
from .precision import choose as choose_precision
from .vocab_loss import decoder_ce

WARMUP = 100  # a fresh optimizer: its second moments start at zero, so the first steps must be small


def train(work: str, enc, dec, tok, ex, time_budget_s: float, lr_cap: float, max_steps: int = 20000,
          seed: int = 2, device: str = "cpu", preset: str = "mini", toy: bool = False, log=print,
          precision: str = "auto", phrase_share: float = 0.0):
    """Continue `dec` (in place) for `time_budget_s` seconds with the encoder frozen. The learning rate warms up to
    `lr_cap` x the preset's peak and decays linearly to a tenth of that by the end of the budget; `phrase_share` of
    the items are CLDR phrase pairs."""
    pre = PRESETS[preset]
    batch = 8 if toy else pre.batch
    torch.set_grad_enabled(True)
    enc.eval()
    for p in enc.parameters():
        p.requires_grad_(False)
    params = [p for n, p in dec.named_parameters() if n != "final_proj.weight"]  # the projection is tied
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=pre.peak_lr * lr_cap, betas=(0.9, 0.98), weight_decay=0.01)
    amp = True if toy else choose_precision(precision, device, dec.cfg.model_dim, dec.cfg.ffn_dim, log)[0]
    amp_device = "cuda" if device.startswith("cuda") else "cpu"
    ckpt = os.path.join(work, "sonar_dec_ckpt.pt")
    step, elapsed0, rng, history = 0, 0.0, random.Random(seed), []
    if os.path.exists(ckpt):
        st = torch.load(ckpt, map_location=device)
        dec.load_state_dict(st["decoder"], strict=False)
        dec.tie()
        opt.load_state_dict(st["opt"])
        step, elapsed0, history = st["step"], st["elapsed_s"], st.get("probes", [])
        rng.setstate(st["rng"])
        torch.set_rng_state(st["torch_rng"])
        log(f"resumed the decoder stage at step {step}")
    t0 = time.time()

    def elapsed() -> float:
        return elapsed0 + time.time() - t0

    def save():
        torch.save({"decoder": dec.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed_s": elapsed(),
                    "rng": rng.getstate(), "torch_rng": torch.get_rng_state(), "probes": history}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)

    dec.train()
    probe_pairs, probe_eng = probe_data()
    pending: list[list] = []
    while step < max_steps:
        progress = elapsed() / time_budget_s
        if progress >= 1:
            log(f"decoder stage: time budget reached at step {step}")
            break
        lr = pre.peak_lr * lr_cap * min(1.0, (step + 1) / WARMUP) * max(0.1, 1 - progress)
        for g in opt.param_groups:
            g["lr"] = lr
        if not pending:
            pending = sample_pool(ex, rng, batch, max_tokens=MAX_TOKENS, ae_share=AE_SHARE["late"],
                                  phrase_share=phrase_share)
        s_ids, s_mask, _, _, d_ids, d_mask, _ = [x.to(device) for x in collate(tok, pending.pop())]
        with torch.no_grad(), torch.autocast(amp_device, dtype=torch.bfloat16, enabled=amp):
            emb = enc(s_ids, s_mask)
        with torch.autocast(amp_device, dtype=torch.bfloat16, enabled=amp):
            ce = decoder_ce(dec, word_dropout(d_ids[:, :-1], d_mask[:, :-1]), emb.detach(), d_ids, d_mask)
        opt.zero_grad(set_to_none=True)
        ce.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            log(f"decoder step {step} ce {ce.item():.3f} lr {lr:.2e} {elapsed() / 60:.1f} min")
        if step % 200 == 0:
            p = probe(enc, dec, tok, device, probe_pairs, probe_eng)
            p["step"] = step
            history.append(p)
            log("decoder probe " + " ".join(f"{k} {v:.3f}" for k, v in p.items() if k != "step"))
        if step % 100 == 0:
            save()
    save()
    dec.eval()
    return dec, {"steps": step, "minutes": elapsed() / 60, "lr_cap": lr_cap, "probes": history}
