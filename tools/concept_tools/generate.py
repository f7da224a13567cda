"""Reference SONAR decoding: fairseq2 beam search semantics (research/sonar.md §6) on the step graph's math.

Prefix [</s>, lang]: position 0 is run alone and log p(lang | </s>) starts the cumulative score; then one token per
step. Id 1 (the model's legacy pad = tokenizer <unk>) is banned; at the last allowed position only EOS is allowed.
Among the top 2*beam candidates, EOS ones ranked within the first `beam` are finished with score / t^len_penalty
(t = tokens after the leading </s>, counting lang, content and EOS); an input stops once it has `beam` finished."""
from __future__ import annotations

import torch

from .sonar_model import SonarTextDecoder

EOS, BANNED = 3, 1


def block_repeated_ngrams(lp_row: torch.Tensor, seq: list[int], n: int) -> None:
    """fairseq2's NGramRepeatBlockProcessor on one hypothesis: ban every token that would complete an n-gram already
    in `seq` (prefix included). n <= 0 is off."""
    if n <= 0 or len(seq) < n:
        return
    tail = seq[len(seq) - (n - 1):] if n > 1 else []
    for i in range(len(seq) - n + 1):
        if seq[i:i + n - 1] == tail:
            lp_row[seq[i + n - 1]] = float("-inf")


@torch.no_grad()
def beam_search(dec: SonarTextDecoder, emb: torch.Tensor, lang_id: int, beam: int = 5, max_len: int | None = None,
                len_penalty: float = 1.0, trace: list | None = None, no_repeat_ngram: int = 0):
    """emb (D,) -> list of (tokens incl. prefix and EOS, normalized score, raw score) best first."""
    max_pos = min(max_len or dec.cfg.max_seq_len, dec.cfg.max_seq_len)  # total positions incl. the 2-token prefix
    e = emb[None]
    lp0, past = dec.step(torch.tensor([[EOS]]), e, dec.empty_past(1))
    start = lp0[0, lang_id].item()
    lp, past = dec.step(torch.tensor([[lang_id]]), e, past)
    hyps = [[EOS, lang_id]]
    scores = torch.tensor([start], dtype=torch.float32)
    finished = []
    t = 2
    while True:
        lp = lp.clone()
        if t >= max_pos - 1:
            keep = lp[:, EOS].clone()
            lp.fill_(float("-inf"))
            lp[:, EOS] = keep
        else:
            lp[:, BANNED] = float("-inf")
            for b, h in enumerate(hyps):
                block_repeated_ngrams(lp[b], h, no_repeat_ngram)
        cand = (scores[:, None] + lp).reshape(-1)
        top_v, top_i = torch.topk(cand, min(2 * beam, cand.numel()))
        v = lp.shape[1]
        nxt = []
        for rank, (val, idx) in enumerate(zip(top_v.tolist(), top_i.tolist())):
            b, tok = divmod(idx, v)
            if tok == EOS:
                if rank < beam:
                    finished.append((hyps[b] + [EOS], val / (t ** len_penalty), val))
                continue
            if len(nxt) < beam:
                nxt.append((b, tok, val))
        if trace is not None:
            trace.append({"t": t, "top": [(i, float(x)) for i, x in zip(top_i.tolist(), top_v.tolist())]})
        if len(finished) >= beam or not nxt:
            break
        idx = torch.tensor([b for b, _, _ in nxt])
        past = [(k[idx], vv[idx]) for k, vv in past]
        hyps = [hyps[b] + [tok] for b, tok, _ in nxt]
        scores = torch.tensor([val for _, _, val in nxt], dtype=torch.float32)
        lp, past = dec.step(torch.tensor([[tok] for _, tok, _ in nxt]), e.expand(len(nxt), -1), past)
        t += 1
    finished.sort(key=lambda h: -h[1])
    return finished


@torch.no_grad()
def greedy_batch(dec: SonarTextDecoder, emb: torch.Tensor, lang_ids: list[int], max_len: int = 64,
                 no_repeat_ngram: int = 0) -> list[list[int]]:
    """Fast batched greedy decoding for evaluation (same bans as beam search)."""
    n = emb.shape[0]
    max_pos = min(max_len, dec.cfg.max_seq_len)
    _, past = dec.step(torch.full((n, 1), EOS), emb, dec.empty_past(n))
    lp, past = dec.step(torch.tensor(lang_ids)[:, None], emb, past)
    out = [[] for _ in range(n)]
    done = [False] * n
    for t in range(2, max_pos):
        lp[:, BANNED] = float("-inf")
        if no_repeat_ngram > 0:
            for i in range(n):
                if not done[i]:
                    block_repeated_ngrams(lp[i], [EOS, lang_ids[i]] + out[i], no_repeat_ngram)
        if t == max_pos - 1:
            tok = torch.full((n,), EOS)
        else:
            tok = lp.argmax(-1)
        for i in range(n):
            if not done[i]:
                if tok[i].item() == EOS:
                    done[i] = True
                else:
                    out[i].append(tok[i].item())
        if all(done):
            break
        lp, past = dec.step(tok[:, None], emb, past)
    return out


def chrf(hyp: str, ref: str, n: int = 6, beta: float = 2.0) -> float:
    """chrF (Popovic 2015) as sacrebleu computes it by default: char n-grams 1..6 without spaces, beta 2."""
    from collections import Counter
    h, r = hyp.replace(" ", ""), ref.replace(" ", "")
    precs, recs = [], []
    for k in range(1, n + 1):
        hc = Counter(h[i:i + k] for i in range(len(h) - k + 1))
        rc = Counter(r[i:i + k] for i in range(len(r) - k + 1))
        if not hc or not rc:
            continue
        m = sum((hc & rc).values())
        precs.append(m / sum(hc.values()))
        recs.append(m / sum(rc.values()))
    if not precs:
        return 0.0
    p, rr = sum(precs) / len(precs), sum(recs) / len(recs)
    if p + rr == 0:
        return 0.0
    return 100 * (1 + beta ** 2) * p * rr / (beta ** 2 * p + rr)
