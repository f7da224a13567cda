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


def _toy_examples():
    return {"pairs": [("eng_Latn", [4] * n, "fra_Latn", [5] * n) for n in range(2, 40)],
            "ntrex": [{"eng_Latn": [7] * n, "deu_Latn": [8] * n} for n in range(2, 40)],
            "udhr_pairs": [("fra_Latn", [9] * n, "eng_Latn", [10] * n) for n in range(2, 40)],
            "mono": {"tatoeba": [("eng_Latn", [6] * n) for n in range(2, 40)],
                     "brown": [("eng_Latn", [11] * n) for n in range(2, 40)],
                     "summ": [("spa_Latn", [12] * n) for n in range(2, 40)],
                     "ntrex": [("deu_Latn", [8] * n) for n in range(2, 40)],
                     "udhr": [("fra_Latn", [9] * n) for n in range(2, 40)]},
            "phrases": [("deu_Latn", [13] * n, "eng_Latn", [14] * n) for n in range(1, 6)]}


def test_pool_batches_are_length_sorted_and_cover_the_draw():
    batches = ts.sample_pool(_toy_examples(), random.Random(3), 8)
    assert len(batches) == ts.POOL and all(len(b) == 8 for b in batches)
    spans = sorted((min(max(len(it[1]), len(it[3])) for it in b), max(max(len(it[1]), len(it[3])) for it in b))
                   for b in batches)
    for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
        assert hi1 <= lo2  # batches do not overlap in length: padding stays small


def test_curriculum_items_respect_the_length_cap_and_the_auto_encoding_share():
    rng = random.Random(5)
    ex = _toy_examples()
    early = [ts.sample_item(ex, rng, max_tokens=ts.SHORT_TOKENS, ae_share=0.6) for _ in range(2000)]
    assert all(max(len(it[1]), len(it[3])) <= ts.SHORT_TOKENS for it in early)
    ae = sum(not it[4] for it in early) / len(early)
    assert 0.55 < ae < 0.65
    late = [ts.sample_item(ex, rng, ae_share=0.4) for _ in range(2000)]
    assert max(max(len(it[1]), len(it[3])) for it in late) > ts.SHORT_TOKENS
    assert 0.35 < sum(not it[4] for it in late) / len(late) < 0.45
    # auto-encoding targets equal their (possibly noised) source's language; pairs cross languages
    assert all(it[0] == it[2] for it in late if not it[4])
    assert all(it[0] != it[2] for it in late if it[4])
    # UDHR is a small share of the targets, not what the decoder mostly sees
    udhr = sum(it[3][:1] in ([9], [10]) for it in late) / len(late)
    assert udhr < 0.1


def test_phrase_share_adds_phrase_pairs_and_zero_leaves_the_draws_unchanged():
    ex = _toy_examples()
    rng = random.Random(7)
    items = [ts.sample_item(ex, rng, phrase_share=0.3) for _ in range(3000)]
    phrase = [it for it in items if {it[1][0], it[3][0]} == {13, 14}]
    assert 0.26 < len(phrase) / len(items) < 0.34
    assert all(it[4] for it in phrase)  # pairs: they serve the alignment terms
    assert {it[0] for it in phrase} == {"deu_Latn", "eng_Latn"}  # both directions
    translated = sum(not it[5] for it in phrase) / len(phrase)
    assert abs(translated - ts.PAIR_TRANSLATE) < 0.05
    # the recipe's first stage has no phrases: its draws must be exactly those of a run before phrases existed
    without = {k: v for k, v in ex.items() if k != "phrases"}
    a = [ts.sample_item(ex, random.Random(9), phrase_share=0.0) for _ in range(200)]
    b = [ts.sample_item(without, random.Random(9)) for _ in range(200)]
    assert a == b


def test_cldr_phrases_pair_each_base_locale_with_english():
    from concept_tools import data
    pairs = data.cldr()
    by = {(a, t): e for a, t, _, e in pairs}
    assert by[("fra_Latn", "dimanche")] == "Sunday" and by[("deu_Latn", "Sonntag")] == "Sunday"
    assert by[("fra_Latn", "Allemagne")] == "Germany"
    assert all(b == "eng_Latn" and a != "eng_Latn" for a, _, b, _ in pairs)
    assert len(pairs) == len(set(pairs))
    langs = {a for a, *_ in pairs}
    assert {"fra_Latn", "deu_Latn", "zho_Hans", "zho_Hant", "rus_Cyrl", "srp_Cyrl"} <= langs and len(langs) > 100
    # "in {0} days" is instantiated with the same number on both sides
    days = [(t, e) for a, t, _, e in pairs if a == "fra_Latn" and e.startswith("in ") and e.endswith(" days")]
    assert days and all(e.split()[1] in t for t, e in days)
    # held-out English sentences are never trained on, not even as a phrase
    assert not any(e == "Sunday" for *_, e in data.cldr({"Sunday"}))


def test_gpu_recipe_runs_at_toy_size_on_the_cpu_and_resumes(tmp_path, monkeypatch):
    """The `small` preset (bf16 autocast, its own batch and schedule) exercised on the CPU at toy size: the code
    path `--device cuda` takes, minus the device."""
    import os
    import shutil
    import torch
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.setattr(ts.data, "SHARED", os.path.join(root, "test", "fixtures", "shared"))
    shutil.copy(os.path.join(root, "test", "fixtures", "sentencepiece", "test_model.model"), tmp_path / "spm.model")
    torch.save(_toy_examples(), tmp_path / "sonar_examples.pt")
    logs = []
    enc, dec, tok, cfg, _ = ts.train(str(tmp_path), steps=3, preset="small", toy=True, log=logs.append)
    st = torch.load(tmp_path / "sonar_ckpt.pt")
    assert st["step"] == 3 and st["preset"] == "small" and len(st["probes"]) >= 1
    p = st["probes"][-1]
    assert {"ce_true", "ce_shuffled", "ae_chrf", "ae_chrf_other", "retrieval"} <= set(p)
    assert all(v == v for v in p.values())  # no NaN under autocast
    enc2, *_ = ts.train(str(tmp_path), steps=5, preset="small", toy=True, log=logs.append)
    assert any("resumed sonar at step 3" in line for line in logs)
    assert torch.load(tmp_path / "sonar_ckpt.pt")["step"] == 5
    assert enc2.train_info["preset"] == "small"


def test_decoder_stage_leaves_the_encoder_bit_identical_and_resumes(tmp_path, monkeypatch):
    """The decoder-only stage must not move the encoder (the concept cache and the LCMs trained on it depend on that)
    while it does change the decoder, and a second call resumes its own checkpoint."""
    import os
    import shutil
    from concept_tools import train_decoder as td
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.setattr(ts.data, "SHARED", os.path.join(root, "test", "fixtures", "shared"))
    shutil.copy(os.path.join(root, "test", "fixtures", "sentencepiece", "test_model.model"), tmp_path / "spm.model")
    torch.save(_toy_examples(), tmp_path / "sonar_examples.pt")
    logs = []
    enc, dec, tok, _, ex = ts.train(str(tmp_path), steps=2, toy=True, log=logs.append)
    enc_before = {k: v.clone() for k, v in enc.state_dict().items()}
    dec_before = {k: v.clone() for k, v in dec.state_dict().items()}
    dec, info = td.train(str(tmp_path), enc, dec, tok, ex, time_budget_s=600, lr_cap=0.5, max_steps=3, toy=True,
                         log=logs.append)
    assert info["steps"] == 3
    assert all(torch.equal(v, enc.state_dict()[k]) for k, v in enc_before.items())
    assert any(not torch.equal(v, dec.state_dict()[k]) for k, v in dec_before.items())
    assert dec.final_proj.weight is dec.decoder_frontend.embed.weight  # still tied
    assert torch.load(tmp_path / "sonar_ckpt.pt")["step"] == 2  # the joint checkpoint is not touched
    _, info2 = td.train(str(tmp_path), enc, dec, tok, ex, time_budget_s=600, lr_cap=0.5, max_steps=4, toy=True,
                        log=logs.append)
    assert any("resumed the decoder stage at step 3" in line for line in logs) and info2["steps"] == 4
    # a spent budget stops at once, without a step
    _, info3 = td.train(str(tmp_path), enc, dec, tok, ex, time_budget_s=1e-3, lr_cap=0.5, max_steps=9, toy=True,
                        log=logs.append)
    assert info3["steps"] == 4
