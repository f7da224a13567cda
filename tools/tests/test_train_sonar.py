"""The training-only pieces of the mini SONAR objective: word dropout, in-batch InfoNCE, length-bucketed batches."""
import random

import torch

from concept_tools import train_sonar as ts
from concept_tools.tokenizer import EOS, PAD, UNK


def test_word_dropout_spares_prefix_and_padding():
    torch.manual_seed(0)
    ids = torch.randint(10, 100, (64, 30))
    ids[:, 0], ids[:, 1] = EOS, 5000  # EOS start + language tag
    mask = torch.ones_like(ids)
    mask[:, 20:] = 0
    ids[:, 20:] = PAD
    out = ts.word_dropout(ids, mask)
    assert torch.equal(out[:, :2], ids[:, :2])
    assert torch.equal(out[:, 20:], ids[:, 20:])
    dropped = (out[:, 2:20] == UNK).float().mean().item()
    assert abs(dropped - ts.WORD_DROPOUT) < 0.05
    kept = out[:, 2:20] != UNK
    assert torch.equal(out[:, 2:20][kept], ids[:, 2:20][kept])


def _items(targets):
    return [("eng_Latn", [1], "fra_Latn", t, True) for t in targets]


def test_info_nce_prefers_aligned_pairs_and_ignores_duplicate_targets():
    torch.manual_seed(0)
    a = torch.randn(6, 16)
    sel = torch.arange(6)
    items = _items([[i] for i in range(6)])
    aligned = ts.info_nce(a, a + 0.01 * torch.randn(6, 16), items, sel)
    shuffled = ts.info_nce(a, a.roll(1, 0), items, sel)
    assert aligned.item() < 0.1 < shuffled.item()
    # rows 0 and 1 share a target text: each one's partner may equal the other's, and that is not penalised
    b = a.clone()
    b[1] = b[0]
    dup = _items([[7], [7], [2], [3], [4], [5]])
    a2 = a.clone()
    a2[1] = a2[0]
    assert ts.info_nce(a2, b, dup, sel).item() < 0.1
    assert ts.info_nce(a2, b, items, sel).item() > 0.1  # counted as negatives, identical rows would be confused


def test_pool_batches_are_length_sorted_and_cover_the_draw():
    ex = {"pairs": [("eng_Latn", [4] * n, "fra_Latn", [5] * n) for n in range(2, 40)],
          "udhr_pairs": [], "demo": [], "mono": [("eng_Latn", [6] * n) for n in range(2, 40)]}
    batches = ts.sample_pool(ex, random.Random(3), 8)
    assert len(batches) == ts.POOL and all(len(b) == 8 for b in batches)
    spans = sorted((min(max(len(it[1]), len(it[3])) for it in b), max(max(len(it[1]), len(it[3])) for it in b))
                   for b in batches)
    for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
        assert hi1 <= lo2  # batches do not overlap in length: padding stays small
