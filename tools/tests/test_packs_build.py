"""The pack builder writes per-family decoding settings into pack.json (e.g. decoding.no_repeat_ngram)."""
import json
import os

import torch

from concept_tools import mini_pipeline
from concept_tools.packs_build import DECODING_DEFAULTS, build_sonar_pack
from concept_tools.sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder
from concept_tools.tokenizer import SonarTokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def _build(tmp_path, **kw):
    torch.manual_seed(0)
    spm = os.path.join(ROOT, "test", "fixtures", "random", "test_model.model")
    tok = SonarTokenizer(spm)
    cfg = SonarConfig(vocab_size=tok.vocab_size, model_dim=16, num_heads=2, ffn_dim=32, encoder_layers=1,
                      decoder_layers=1, max_seq_len=24, dropout=0.0)
    enc, dec = SonarTextEncoder(cfg).eval(), SonarTextDecoder(cfg).eval()
    out = str(tmp_path / "sonar")
    build_sonar_pack(enc, dec, spm, out, name="t", space="t", license="t", description="t", sp_size=tok.sp_size, **kw)
    with open(os.path.join(out, "pack.json")) as f:
        return json.load(f)["decoding"]


def test_default_decoding_is_the_reference_one(tmp_path):
    d = _build(tmp_path)
    assert "no_repeat_ngram" not in d and d["beam"] == DECODING_DEFAULTS["beam"]


def test_family_decoding_settings_are_merged_over_the_defaults(tmp_path):
    d = _build(tmp_path, decoding={**mini_pipeline.MINI_DECODING, "no_repeat_ngram": 3})
    assert d["no_repeat_ngram"] == 3 and d["max_positions"] == 24 and d["banned_ids"] == [1]
