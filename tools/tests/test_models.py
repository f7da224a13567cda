"""Unit tests of the model toolchain against the facts in research/sonar.md and research/lcm.md."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

from conftest import ROOT

SPM = os.path.join(ROOT, "test", "fixtures", "random", "test_model.model")


# ------------------------------------------------------------------------------------------------ schedules
COSINE = [0.999369, 0.998252, 0.972079, 0.493638, 0.023963, 0.000942, 0.000228, 0.0]
SIGMOID = [0.998986, 0.997091, 0.964251, 0.499583, 0.035406, 0.002805, 0.000953, 0.0]
IDX = [0, 1, 9, 49, 89, 97, 98, 99]


@pytest.mark.parametrize("name,want", [("cosine", COSINE), ("sigmoid", SIGMOID)])
def test_schedule_vectors(name, want):
    from concept_tools.lcm_model import make_schedule
    ab = make_schedule(name, 100)
    assert ab.shape == (100,)
    assert np.allclose(ab[IDX].numpy(), want, atol=2e-6), ab[IDX]
    assert ab[-1].item() == 0.0  # zero terminal SNR
    assert bool((ab[1:] <= ab[:-1]).all())


def test_timesteps():
    from concept_tools.lcm_model import timesteps
    tr = timesteps(100, 40, "trailing")
    assert len(tr) == 50 and tr[0] == 99 and tr[-1] == 1 and all(a - b == 2 for a, b in zip(tr, tr[1:]))
    assert timesteps(100, 10, "trailing") == list(range(99, -1, -10))
    assert len(timesteps(100, 50)) == 50 and len(timesteps(100, 100)) == 100
    pp = timesteps(100, 40, "paper")
    assert len(pp) == 40 and pp[0] == 99 and pp == sorted(pp, reverse=True)
    assert timesteps(100, 10, "paper") == [99, 89, 79, 69, 59, 49, 39, 29, 19, 9]


# ------------------------------------------------------------------------------------------------ SONAR pieces
def test_sinusoidal_table():
    from concept_tools.sonar_model import sinusoidal_table
    d = 16
    tab = sinusoidal_table(10, d)
    half = d // 2
    for p in (0, 3, 9):
        t = p + 2  # fairseq legacy offset pad_idx + 1 = 2
        for k in range(half):
            f = math.exp(-k * math.log(10000.0) / (half - 1))
            assert abs(tab[p, k].item() - math.sin(t * f)) < 1e-5  # sin half first
            assert abs(tab[p, half + k].item() - math.cos(t * f)) < 1e-5  # then cos


def _tiny_sonar(seed=0, layers=2):
    from concept_tools.sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder
    torch.manual_seed(seed)
    cfg = SonarConfig(vocab_size=1206, model_dim=32, num_heads=4, ffn_dim=64, encoder_layers=layers,
                      decoder_layers=layers, max_seq_len=64, dropout=0.0)
    return SonarTextEncoder(cfg).eval(), SonarTextDecoder(cfg).eval()


def test_encoder_mean_pooling_ignores_padding():
    enc, _ = _tiny_sonar()
    ids = torch.tensor([[1047, 152, 89, 22, 3, 0, 0], [1047, 152, 89, 22, 3, 500, 17]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0]] * 2)
    with torch.no_grad():
        a = enc(ids, mask)
        alone = enc(ids[:1, :5], mask[:1, :5])
        # the pooled vector is the mean of the final-LN states over real tokens
        x = enc.encoder_frontend(ids[:1, :5])
        from concept_tools.sonar_model import key_padding_bias
        for layer in enc.encoder.layers:
            x = layer(x, key_padding_bias(mask[:1, :5]))
        manual = enc.layer_norm(x).mean(1)
    assert torch.allclose(a[0], a[1], atol=1e-6) and torch.allclose(a[0], alone[0], atol=1e-6)
    assert torch.allclose(alone, manual, atol=1e-5)


def test_decoder_step_cache_equals_teacher_forcing():
    _, dec = _tiny_sonar(1)
    e = torch.randn(2, 32)
    ids = torch.tensor([[3, 1047, 10, 11, 12, 13], [3, 1050, 20, 21, 22, 23]])
    with torch.no_grad():
        full = torch.log_softmax(dec(ids, e), -1)
        lp, past = dec.step(ids[:, :2], e, dec.empty_past(2))  # prefix in one call
        assert torch.allclose(lp, full[:, 1], atol=1e-5)
        for t in range(2, ids.shape[1]):
            lp, past = dec.step(ids[:, t:t + 1], e, past)
            assert torch.allclose(lp, full[:, t], atol=1e-5)
        assert past[0][0].shape == (2, 4, 6, 8)


def test_cross_attention_is_a_constant():
    """One memory slot: softmax over one key is 1, so cross-attention = W_o(W_v e + b_v) + b_o (sonar.md §4.3)."""
    _, dec = _tiny_sonar(2)
    layer = dec.decoder.layers[0]
    a = layer.encoder_decoder_attn
    e = torch.randn(3, 32)
    q = torch.randn(3, 5, 32)
    with torch.no_grad():
        full = a.attend(a.split(a.q_proj(q)), a.split(a.k_proj(e[:, None])), a.split(a.v_proj(e[:, None])), None)
        assert torch.allclose(full, layer.cross_constant(e)[:, None].expand(-1, 5, -1), atol=1e-5)


# ------------------------------------------------------------------------------------------------ normalizer
def test_normalizer_true_quartiles():
    from concept_tools.lcm_model import Normalizer
    n = Normalizer(2)
    x = torch.stack([torch.arange(101, dtype=torch.float32), 3 * torch.arange(101, dtype=torch.float32) - 7], 1)
    n.fit(x)
    assert torch.allclose(n.center, torch.tensor([50.0, 143.0]))
    assert torch.allclose(n.scale, torch.tensor([50.0, 150.0]) / 1.349)  # IQR/1.349, not the 0.25/0.75 percentiles
    y = torch.randn(4, 2)
    assert torch.allclose(n.denormalize(n.normalize(y)), y, atol=1e-5)


# ------------------------------------------------------------------------------------------------ packs
def test_pack_verify_detects_tampering(tmp_path):
    from concept_tools.pack import verify_pack, write_pack
    (tmp_path / "a.bin").write_bytes(b"\x00" * 64)
    (tmp_path / "b.json").write_text("{}")
    pack = write_pack(str(tmp_path), {"name": "t", "kind": "sonar"})
    assert {f["path"] for f in pack["files"]} == {"a.bin", "b.json"} and verify_pack(str(tmp_path)) == []
    (tmp_path / "a.bin").write_bytes(b"\x00" * 63 + b"\x01")  # same size, other bytes
    assert verify_pack(str(tmp_path)) == ["sha256 mismatch a.bin"]
    (tmp_path / "a.bin").write_bytes(b"\x00")
    assert verify_pack(str(tmp_path)) == ["size mismatch a.bin"]
    os.remove(tmp_path / "b.json")
    assert "missing b.json" in verify_pack(str(tmp_path))


# ------------------------------------------------------------------------------------------------ tokenizer
def test_tokenizer_id_layout(tmp_path):
    from concept_tools.languages import CODES
    from concept_tools.tokenizer import EOS, SonarTokenizer
    import official_format as off
    with open(os.path.join(ROOT, "models", "sonar-languages.tsv"), encoding="utf-8") as f:
        assert [l.split("\t")[0] for l in f.read().splitlines() if l] == CODES
    big = str(tmp_path / "nllb_like.model")
    off.write_spm(big, 256000)  # the official size: the documented ids must come out
    t = SonarTokenizer(big)
    assert t.vocab_size == 256206 and t.lang_offset == 256001
    expect = {"ace_Arab": 256001, "deu_Latn": 256042, "eng_Latn": 256047, "fra_Latn": 256057, "rus_Cyrl": 256147,
              "spa_Latn": 256161, "zho_Hans": 256200, "zho_Hant": 256201, "zul_Latn": 256202}
    for code, i in expect.items():
        assert t.lang_id(code) == i, code
    small = SonarTokenizer(SPM)
    ids = small.encode_source("Hello world", "eng_Latn")
    sp = small.sp.encode("Hello world")
    assert ids == [small.lang_id("eng_Latn")] + [i + 1 for i in sp] + [EOS]  # [lang] + pieces(+1) + [eos]
    assert small.target_prefix("fra_Latn") == [3, small.lang_offset + CODES.index("fra_Latn")]
    assert small.decode([3, small.lang_id("eng_Latn")] + ids[1:-1] + [3, 0, 2]) == "Hello world"
    assert len(small.encode_source("Hello world " * 50, "eng_Latn", max_len=10)) == 10


# ------------------------------------------------------------------------------------------------ beam search
def test_beam_search_invariants():
    from concept_tools.generate import BANNED, EOS, beam_search
    _, dec = _tiny_sonar(3)
    with torch.no_grad():  # make the banned id the model's favourite, and EOS likely, so both rules are exercised
        emb = dec.decoder_frontend.embed.weight
        dec.decoder.layer_norm.bias.add_(6.0 * emb[BANNED] / emb[BANNED].norm() ** 2
                                         + 3.0 * emb[EOS] / emb[EOS].norm() ** 2)
    lang = 1047
    for seed in range(3):
        e = torch.randn(32, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            lp, _ = dec.step(torch.tensor([[3, lang]]), e[None], dec.empty_past(1))
        assert lp[0].argmax().item() == BANNED  # the ban matters
        hyps = beam_search(dec, e, lang, beam=5, max_len=20)
        assert len(hyps) == 5
        scores = [h[1] for h in hyps]
        assert scores == sorted(scores, reverse=True)
        for toks, score, raw in hyps:
            assert toks[:2] == [EOS, lang] and toks[-1] == EOS and EOS not in toks[2:-1]
            assert BANNED not in toks and len(toks) <= 20
            assert abs(score - raw / (len(toks) - 1)) < 1e-4  # length penalty 1: tokens after the leading eos
