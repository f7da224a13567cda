"""PyTorch modules loaded from a pack's ONNX files (concept_tools.onnx_weights) reproduce the PyTorch fixtures the
pack was exported with: the benchmark's PyTorch side runs exactly the app's weights."""
from __future__ import annotations

import json
import os

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper

from conftest import ROOT
from concept_tools.generate import beam_search, greedy_batch
from concept_tools.lcm_model import SamplerOptions, sample_next
from concept_tools.onnx_weights import (graph_tensors, load_base_lcm, load_sonar_decoder, load_sonar_encoder,
                                        load_two_tower, onnx_state_dict)

RANDOM = os.path.join(ROOT, "test", "fixtures", "random")


@pytest.fixture(scope="module")
def fx():
    with open(os.path.join(RANDOM, "fixtures.json"), encoding="utf-8") as f:
        return json.load(f)


@torch.no_grad()
def test_encoder_embedding_from_onnx(fx):
    enc = load_sonar_encoder(os.path.join(RANDOM, "sonar"))
    for case in fx["sonar"]["encoder"]:
        ids = torch.tensor([case["ids"]])
        emb = enc(ids, torch.ones_like(ids))[0]
        assert np.abs(emb.numpy() - np.array(case["embedding"], dtype=np.float32)).max() <= 1e-5, case["text"]


@torch.no_grad()
def test_decoder_from_onnx(fx):
    dec = load_sonar_decoder(os.path.join(RANDOM, "sonar"))
    embs = torch.tensor([c["embedding"] for c in fx["sonar"]["encoder"]], dtype=torch.float32)
    pack = json.load(open(os.path.join(RANDOM, "sonar", "pack.json"), encoding="utf-8"))
    lang_id = {code: pack["tokenizer"]["lang_offset"] + i for i, code in enumerate(pack["tokenizer"]["languages"])}
    for case in fx["sonar"]["decodes"][:4]:
        e = embs[case["embedding_of"]]
        g = greedy_batch(dec, e[None], [lang_id[case["lang"]]], max_len=dec.cfg.max_seq_len)[0]
        assert g == case["greedy_tokens"]
        best = beam_search(dec, e, lang_id[case["lang"]], beam=5)[0]
        assert best[0] == case["beam"][0]["tokens"]
        assert abs(best[1] - case["beam"][0]["score"]) <= 1e-4


@torch.no_grad()
def test_lcm_from_onnx(fx):
    lf = fx["lcm"]
    shape = lf["shape"]
    base = load_base_lcm(os.path.join(RANDOM, "base-lcm"))
    xn = torch.tensor(lf["base"]["normalized_input"], dtype=torch.float32).reshape(1, *shape)
    assert torch.allclose(base.normalizer.normalize(torch.tensor(lf["input_raw"]).reshape(shape)), xn[0], atol=1e-5)
    nxt = base(xn).reshape(-1).numpy()
    assert np.abs(nxt - np.array(lf["base"]["next"], dtype=np.float32)).max() <= 1e-5

    tt = load_two_tower(os.path.join(RANDOM, "two-tower-lcm"))
    xt = torch.tensor(lf["contextualizer"]["normalized_input"], dtype=torch.float32).reshape(1, *shape)
    ctx = tt.contextualizer(xt)
    assert np.abs(ctx.reshape(-1).numpy() - np.array(lf["contextualizer"]["context"], dtype=np.float32)).max() <= 1e-5
    tr = lf["trajectories"][0]
    opts = SamplerOptions(**tr["options"])
    z = torch.tensor(tr["noise"], dtype=torch.float32).reshape(1, 1, -1)
    x0 = sample_next(tt, ctx, z * opts.initial_noise_scale, opts)
    assert np.abs(x0.reshape(-1).numpy() - np.array(tr["x0"], dtype=np.float32)).max() <= 1e-4


def test_fp16_storage_and_dedup_are_resolved(tmp_path):
    """An fp16 initializer behind its `<name>__cast` Cast, an Identity alias, and an anonymous transposed MatMul
    weight named through its bias Add."""
    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 8  # exactly representable in fp16; [in, out]
    b = np.ones(4, dtype=np.float32)
    inits = [numpy_helper.from_array(w.astype(np.float16), "onnx::MatMul_7__fp16"),
             numpy_helper.from_array(b, "layers.0.lin.bias")]
    nodes = [helper.make_node("Cast", ["onnx::MatMul_7__fp16"], ["onnx::MatMul_7"], to=onnx.TensorProto.FLOAT,
                              name="onnx::MatMul_7__cast"),
             helper.make_node("Identity", ["layers.0.lin.bias"], ["layers.1.lin.bias"], name="Identity_0"),
             helper.make_node("MatMul", ["x", "onnx::MatMul_7"], ["h"], name="/layers.0/lin/MatMul"),
             helper.make_node("Add", ["layers.0.lin.bias", "h"], ["y"], name="/layers.0/lin/Add"),
             helper.make_node("Add", ["y", "layers.1.lin.bias"], ["out"], name="/layers.1/lin/Add")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3])],
                          [helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [1, 4])], inits)
    path = str(tmp_path / "g.onnx")
    onnx.save(helper.make_model(g), path)
    t = graph_tensors(onnx.load(path))
    assert t["onnx::MatMul_7"].dtype == np.float32
    sd = onnx_state_dict(path)
    assert torch.equal(sd["layers.0.lin.weight"], torch.from_numpy(w.T.copy()))
    assert torch.equal(sd["layers.1.lin.bias"], torch.from_numpy(b))


@torch.no_grad()
def test_fp16_exported_graphs_round_trip(tmp_path, monkeypatch):
    """Graphs exported with fp16 storage (as the mini packs are) load back into modules equal to the exported ones."""
    from concept_tools import export_onnx
    from concept_tools.lcm_model import BaseLCM, BaseLCMConfig
    from concept_tools.onnx_weights import load_into
    from concept_tools.sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder
    monkeypatch.setattr(export_onnx, "FP16_STORAGE", True)
    torch.manual_seed(3)
    cfg = SonarConfig(vocab_size=300, model_dim=64, num_heads=4, ffn_dim=128, encoder_layers=2, decoder_layers=2,
                      max_seq_len=40, dropout=0.0)
    enc, dec = SonarTextEncoder(cfg).eval(), SonarTextDecoder(cfg).eval()
    base = BaseLCM(BaseLCMConfig(sonar_dim=64, model_dim=64, num_heads=4, ffn_dim=128, layers=2, dropout=0.0,
                                 max_seq_len=32)).eval()
    for m in (enc, dec, base):
        export_onnx.round_weights_to_fp16(m)
    paths = {n: str(tmp_path / f"{n}.onnx") for n in ("enc", "dec", "base")}
    export_onnx.export_encoder(enc, paths["enc"])
    export_onnx.export_decoder(dec, paths["dec"])
    export_onnx.export_base_lcm(base, paths["base"])
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in onnx.load(paths["enc"]).graph.initializer)
    for name, ref, cls in (("enc", enc, SonarTextEncoder), ("dec", dec, SonarTextDecoder), ("base", base, BaseLCM)):
        fresh = cls(ref.cfg).eval()
        load_into(fresh, onnx_state_dict(paths[name]))
        if name == "dec":
            fresh.tie()
        own = dict(ref.named_parameters())
        for k, v in fresh.named_parameters():
            if "encoder_decoder_attn.q_proj" in k or "encoder_decoder_attn.k_proj" in k or "encoder_decoder_attn_layer_norm" in k:
                continue
            assert torch.equal(v, own[k]), f"{name}: {k}"


@torch.no_grad()
def test_two_tower_round_trip_with_deduplicated_zero_weights(tmp_path, monkeypatch):
    """A fresh Two-Tower (AdaLN-zero: every modulator weight is zero, so the exporter shares one initializer among
    them) exported with fp16 storage loads back exactly."""
    from concept_tools import export_onnx
    from concept_tools.lcm_model import TwoTowerConfig, TwoTowerLCM
    from concept_tools.onnx_weights import load_into
    monkeypatch.setattr(export_onnx, "FP16_STORAGE", True)
    torch.manual_seed(4)
    tt = TwoTowerLCM(TwoTowerConfig(sonar_dim=64, model_dim=64, num_heads=4, ffn_dim=128, context_layers=2,
                                    denoiser_layers=2, dropout=0.0, max_seq_len=32)).eval()
    export_onnx.round_weights_to_fp16(tt)
    c, d = str(tmp_path / "c.onnx"), str(tmp_path / "d.onnx")
    export_onnx.export_two_tower(tt, c, d)
    fresh = TwoTowerLCM(tt.cfg).eval()
    load_into(fresh.contextualizer, onnx_state_dict(c))
    load_into(fresh.denoiser, onnx_state_dict(d))
    own = dict(tt.named_parameters())
    for k, v in fresh.named_parameters():
        if k.startswith("normalizer."):
            continue
        assert torch.equal(v, own[k]), k
