"""The training loss path: the fused vocabulary loss against PyTorch's generic one, the precision choice and the
allocator setting, and the training-throughput bench at toy size."""
import pytest
import torch
import torch.nn.functional as F

import bench_train
from concept_tools import allocator, precision
from concept_tools import train_sonar as ts
from concept_tools.sonar_model import SonarConfig, SonarTextDecoder
from concept_tools.tokenizer import EOS
from concept_tools.vocab_loss import SmoothedCrossEntropy, decoder_ce


def _toy_decoder(seed=0):
    torch.manual_seed(seed)
    cfg = SonarConfig(vocab_size=50, model_dim=16, num_heads=2, ffn_dim=32, encoder_layers=1, decoder_layers=2,
                      max_seq_len=32, dropout=0.0)
    dec = SonarTextDecoder(cfg)
    dec.tie()
    return dec


def _batch():
    # targets [eos, lang, pieces..., eos] of different lengths, padded
    return ts.pad([[EOS, 40, 5, 6, 7, EOS], [EOS, 41, 9, EOS], [EOS, 40, 11, 12, 13, 14, 15, EOS]])


def _grads(dec, loss):
    dec.zero_grad(set_to_none=True)
    loss.backward()
    return {n: p.grad.clone() for n, p in dec.named_parameters() if p.grad is not None}


def test_decoder_ce_matches_the_generic_loss_in_value_and_gradient():
    dec = _toy_decoder()
    ids, mask = _batch()
    concept = torch.randn(3, 16)
    ref = ts.teacher_forced_ce(dec(ids[:, :-1], concept), ids, mask)
    g_ref = _grads(dec, ref)
    fused = decoder_ce(dec, ids[:, :-1], concept, ids, mask)
    g_fused = _grads(dec, fused)
    assert fused.item() == pytest.approx(ref.item(), rel=1e-5)
    assert g_ref.keys() == g_fused.keys() and len(g_ref) > 10
    for name in g_ref:
        assert torch.allclose(g_fused[name], g_ref[name], rtol=1e-4, atol=1e-6), name


def test_padding_and_the_language_tag_are_not_scored():
    dec = _toy_decoder()
    ids, mask = _batch()
    concept = torch.randn(3, 16)
    before = decoder_ce(dec, ids[:, :-1], concept, ids, mask).item()
    noisy = ids.clone()
    noisy[mask == 0] = 7  # whatever sits in the padding
    noisy[:, 1] = 42  # another language tag: given, never predicted
    # the input still carries the original tags (they condition the rest); only the targets change
    after = decoder_ce(dec, ids[:, :-1], concept, noisy, mask).item()
    assert after == pytest.approx(before, rel=1e-6)
    changed = ids.clone()
    changed[0, 3] = 20  # a scored piece: the loss must move
    assert decoder_ce(dec, ids[:, :-1], concept, changed, mask).item() != pytest.approx(before, rel=1e-6)


def test_smoothed_cross_entropy_gradcheck_and_plain_ce_at_eps_zero():
    torch.manual_seed(1)
    logits = torch.randn(5, 7, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 3, 6, 2, 2])
    assert torch.autograd.gradcheck(lambda x: SmoothedCrossEntropy.apply(x, target, 0.1), (logits,))
    plain = SmoothedCrossEntropy.apply(logits, target, 0.0)
    assert plain.item() == pytest.approx(F.cross_entropy(logits, target).item(), rel=1e-12)
    smoothed = SmoothedCrossEntropy.apply(logits, target, 0.1)
    assert smoothed.item() == pytest.approx(F.cross_entropy(logits, target, label_smoothing=0.1).item(), rel=1e-12)


def test_bf16_autocast_path_stays_near_fp32():
    dec = _toy_decoder()
    ids, mask = _batch()
    concept = torch.randn(3, 16)
    ref = decoder_ce(dec, ids[:, :-1], concept, ids, mask).item()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = decoder_ce(dec, ids[:, :-1], concept, ids, mask)
    assert low.dtype == torch.float32
    assert low.item() == pytest.approx(ref, rel=0.02)
    low.backward()
    assert dec.decoder_frontend.embed.weight.grad.dtype == torch.float32


def test_precision_choice():
    assert precision.choose("fp32", "cpu", 16, 32) == (False, "fp32 (asked for)")
    assert precision.choose("bf16", "cpu", 16, 32)[0] is True
    assert precision.choose("auto", "cuda", 16, 32)[0] is True
    with pytest.raises(ValueError, match="auto, bf16 or fp32"):
        precision.choose("fp16", "cpu", 16, 32)
    lines = []
    use, line = precision.choose("auto", "cpu", 64, 256, log=lines.append)
    gain = float(line.split("measured ")[1].split("x")[0])
    assert use == (gain >= precision.MIN_GAIN) and lines == ["precision: " + line]


def test_precision_gain_ignores_a_stalled_trial_and_is_measured_once(monkeypatch):
    times = iter([1.0, 2.0, 1.0, 0.25, 1.0, 0.3])  # fp32, bf16 per trial: the first bf16 run stalled
    calls = []

    def fake_best_of(fn, reps=5):
        calls.append(fn)
        return next(times)

    monkeypatch.setattr(precision, "_best_of", fake_best_of)
    precision.cpu_bf16_gain.cache_clear()
    assert precision.cpu_bf16_gain(24, 48) == 4.0
    assert precision.cpu_bf16_gain(24, 48) == 4.0 and len(calls) == 6  # cached: the stages of one run agree
    precision.cpu_bf16_gain.cache_clear()


def test_glibc_accepts_the_allocator_settings():
    assert allocator.keep_freed_memory() is True
    assert allocator.glibc_defaults() is True  # and they can be undone (the bench runs both in one process)


def test_training_bench_runs_both_paths_on_the_same_batches():
    out = bench_train.run(toy=True, rounds=1, steps=1, log=lambda *_: None)
    for stage in ("joint", "decoder"):
        figures = out["stages"][stage]
        assert all(figures[f"{v}_s_per_step"] > 0 for v in ("reference", "fused", "bf16"))
        assert figures["bf16_speedup"] == pytest.approx(figures["reference_s_per_step"] / figures["bf16_s_per_step"])
    assert out["auto_picks"] in ("bf16", "fused") and out["bf16_matmul_gain"] > 0
