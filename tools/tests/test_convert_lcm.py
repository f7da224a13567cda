"""tools/convert_lcm.py on small random checkpoints written in large_concept_model's format (their module names,
`{"model": state_dict}`, optional DDP prefix, separate normalizer file). Checks the mapped modules and the exported
graphs (onnxruntime-node) against reference_lcm.py, a functional re-statement of their math on their names."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT, TOOLS, needs_ort, ort_run
import official_format as off
import reference_lcm as ref

S, D, NOMINAL = 1024, 256, 1024  # SONAR dim, model dim (2 heads of 128 by default), nominal FFN -> 768 inner
T_STEPS = 100


def _convert(args):
    p = subprocess.run([sys.executable, os.path.join(TOOLS, "convert_lcm.py"), *args], capture_output=True,
                       text=True, cwd=ROOT)
    print(p.stdout[-3000:])
    assert p.returncode == 0, p.stderr[-4000:]
    return p.stdout


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    work = tmp_path_factory.mktemp("base_lcm")
    sd = off.base_lcm_state_dict(sonar_dim=S, model_dim=D, heads_ffn_nominal=NOMINAL, layers=2, seed=1,
                                 out_bias=False)  # like their default mha_output_proj_bias=False
    ckpt = str(work / "model.pt")
    torch.save({"model": {"module." + k: v for k, v in sd.items()}}, ckpt)  # DDP prefix, stripped like theirs
    out = str(work / "pack")
    stdout = _convert(["--checkpoint", ckpt, "--out", out])
    return {"sd": sd, "ckpt": ckpt, "out": out, "stdout": stdout}


@pytest.fixture(scope="module")
def two_tower(tmp_path_factory):
    work = tmp_path_factory.mktemp("tt_lcm")
    sd = off.two_tower_state_dict(sonar_dim=S, model_dim=D, ffn_nominal=NOMINAL, context_layers=2,
                                  denoiser_layers=2, seed=2)
    ckpt = str(work / "model.pt")
    torch.save({"model": sd, "step_nr": 1000}, ckpt)
    g = torch.Generator().manual_seed(9)
    norm = off.normalizer_state(S, g)
    norm_path = str(work / "normalizer.pt")
    torch.save({"model": norm, "dataset_mixture": ["c4"]}, norm_path)  # their fit_embedding_normalizer output
    out = str(work / "pack")
    stdout = _convert(["--checkpoint", ckpt, "--normalizer", norm_path, "--out", out, "--heads", "4",
                       "--schedule", "squaredcos_cap_v2", "--train-steps", str(T_STEPS)])
    return {"sd": sd, "ckpt": ckpt, "out": out, "norm": norm, "stdout": stdout}


def _concepts(b=2, l=5, seed=4):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, l, S, generator=g)


def test_mapping_covers_every_tensor():
    from concept_tools.convert_lcm import map_state_dict
    from concept_tools.lcm_model import BaseLCM, BaseLCMConfig, TwoTowerConfig, TwoTowerLCM
    for variant, sd, model in (
        ("base", off.base_lcm_state_dict(sonar_dim=32, model_dim=256, heads_ffn_nominal=512, layers=3),
         BaseLCM(BaseLCMConfig(sonar_dim=32, model_dim=256, num_heads=2, ffn_dim=512, layers=3))),
        ("two-tower", off.two_tower_state_dict(sonar_dim=32, model_dim=256, ffn_nominal=512, context_layers=2,
                                               denoiser_layers=3),
         TwoTowerLCM(TwoTowerConfig(sonar_dim=32, model_dim=256, num_heads=2, ffn_dim=512, context_layers=2,
                                    denoiser_layers=3)))):
        ours, dropped = map_state_dict(sd, variant)
        assert not dropped
        assert set(ours) == set(model.state_dict()), variant  # a bijection onto our names
        for k, v in ours.items():
            assert tuple(model.state_dict()[k].shape) == tuple(v.shape), k


def test_base_pack_and_parity_torch(base):
    from concept_tools.convert_lcm import build_model, load_checkpoint
    with open(os.path.join(base["out"], "pack.json")) as f:
        pack = json.load(f)
    assert pack["kind"] == "lcm" and pack["variant"] == "base" and pack["space"] == "sonar-v1" and pack["dim"] == S
    assert pack["config"]["num_heads"] == 2 and pack["config"]["layers"] == 2 and pack["config"]["model_dim"] == D
    with open(os.path.join(base["out"], "normalizer.json")) as f:
        nj = json.load(f)
    sd = base["sd"]
    assert np.allclose(nj["center"], sd["frontend.sonar_normalizer.center"].numpy(), atol=1e-7)
    assert np.allclose(nj["scale"], sd["frontend.sonar_normalizer.scale"].numpy(), atol=1e-7)
    assert "zero biases" in base["stdout"]
    model, variant, _ = build_model(load_checkpoint(base["ckpt"]))
    x = _concepts()
    with torch.no_grad():
        assert (model(x) - ref.base_forward(sd, x, heads=2)).abs().max() < 1e-5


@needs_ort
def test_base_onnxruntime_node(base):
    x = _concepts()
    (r,) = ort_run(os.path.join(base["out"], "base_lcm.onnx"), [{"concepts": x.numpy()}])
    with torch.no_grad():
        want = ref.base_forward(base["sd"], x, heads=2).numpy()
    assert r["next"].shape == (2, 5, S)
    assert np.abs(r["next"] - want).max() <= 1e-4


def test_two_tower_pack(two_tower):
    from concept_tools.lcm_model import make_schedule
    with open(os.path.join(two_tower["out"], "pack.json")) as f:
        pack = json.load(f)
    assert pack["variant"] == "two-tower" and pack["space"] == "sonar-v1" and pack["dim"] == S
    assert pack["graphs"]["denoiser"]["context_dim"] == D
    smp = pack["sampler"]
    assert smp["schedule"] == "cosine" and smp["num_train_steps"] == T_STEPS and smp["steps"] == 40
    assert len(smp["alphas_cumprod"]) == T_STEPS and smp["alphas_cumprod"][-1] == 0.0
    assert np.allclose(smp["alphas_cumprod"], make_schedule("cosine", T_STEPS).numpy())
    with open(os.path.join(two_tower["out"], "normalizer.json")) as f:
        nj = json.load(f)
    # --normalizer wins over the (different) normalizer stored in the checkpoint
    assert np.allclose(nj["center"], two_tower["norm"]["center"].numpy(), atol=1e-7)
    assert not np.allclose(nj["center"], two_tower["sd"]["sonar_normalizer.center"].numpy())


def test_two_tower_parity_torch(two_tower):
    from concept_tools.convert_lcm import build_model, load_checkpoint
    model, variant, _ = build_model(load_checkpoint(two_tower["ckpt"]), heads=4)
    sd = two_tower["sd"]
    x = _concepts()
    with torch.no_grad():
        ctx = model.contextualizer(x)
        assert (ctx - ref.encode(sd, x, heads=4)).abs().max() < 1e-5
        g = torch.Generator().manual_seed(5)
        x_t = torch.randn(2, 1, S, generator=g)
        t = torch.tensor([99, 17])
        keep = torch.tensor([[1.0] * 5, [0.0] * 5])
        ours = model.denoiser(x_t, t[:, None], ctx, keep[:, None, :])
        want = ref.denoise(sd, x_t, t, ctx, torch.tensor([5, 0]), heads=4)
        assert (ours - want).abs().max() < 1e-5


@needs_ort
def test_two_tower_onnxruntime_node(two_tower):
    sd = two_tower["sd"]
    x = _concepts()
    with torch.no_grad():
        ctx = ref.encode(sd, x, heads=4)
    (rc,) = ort_run(os.path.join(two_tower["out"], "contextualizer.onnx"), [{"concepts": x.numpy()}])
    assert rc["context"].shape == (2, 5, D)
    assert np.abs(rc["context"] - ctx.numpy()).max() <= 1e-4
    g = torch.Generator().manual_seed(6)
    x_t = torch.randn(3, 1, S, generator=g)
    t = torch.tensor([99, 40, 0])
    mask = torch.tensor([[1.0] * 5, [1, 1, 1, 0, 0], [0.0] * 5])
    c3 = torch.cat([ctx, ctx[:1]], 0)
    (rd,) = ort_run(os.path.join(two_tower["out"], "denoiser.onnx"),
                    [{"x_t": x_t.numpy(), "t": t.numpy(), "context": c3.numpy(), "context_mask": mask.numpy()}])
    with torch.no_grad():
        want = ref.denoise(sd, x_t, t, c3, torch.tensor([5, 3, 0]), heads=4).numpy()
    assert rd["x0"].shape == (3, 1, S)
    assert np.abs(rd["x0"] - want).max() <= 1e-4


def test_refuses_unmappable_and_folds_weight_norm():
    from concept_tools.convert_lcm import Unmappable, build_model, fold_weight_norm
    sd = off.base_lcm_state_dict(sonar_dim=32, model_dim=256, heads_ffn_nominal=512, layers=1)
    bad = dict(sd, **{"lcm.layers.0.self_attn.q_layer_norm.weight": torch.ones(256)})
    with pytest.raises(Unmappable, match="QK-LayerNorm"):
        build_model(bad)
    bad = dict(sd, **{"frontend.pos_encoder.weight": torch.zeros(10, 256)})
    with pytest.raises(Unmappable, match="position"):
        build_model(bad)
    nofinal = {k: v for k, v in sd.items() if k != "lcm.layer_norm.weight"}
    with pytest.raises(Unmappable, match="final layer norm"):
        build_model(nofinal)
    with pytest.raises(Unmappable, match="schedule"):
        build_model(off.two_tower_state_dict(sonar_dim=32, model_dim=256, ffn_nominal=512), schedule="linear")
    # weight norm: g * v / ||v|| reproduces the plain weight
    w = sd["postnet.fc.weight"]
    g_ = w.norm(dim=1, keepdim=True) * 2
    wn = {k: v for k, v in sd.items() if k != "postnet.fc.weight"}
    wn["postnet.fc.parametrizations.weight.original0"] = g_
    wn["postnet.fc.parametrizations.weight.original1"] = w
    folded = fold_weight_norm(wn)
    assert torch.allclose(folded["postnet.fc.weight"], 2 * w, atol=1e-6)
    # and the unmapped identity normalizer when none exists anywhere
    nonorm = off.base_lcm_state_dict(sonar_dim=32, model_dim=256, heads_ffn_nominal=512, layers=1,
                                     with_normalizer=False)
    with pytest.warns(UserWarning, match="identity normalizer"):
        m, _, _ = build_model(nonorm)
    assert torch.equal(m.normalizer.scale, torch.ones(32)) and torch.equal(m.normalizer.center, torch.zeros(32))


def test_scale_embeddings_folded():
    from concept_tools.convert_lcm import build_model
    sd = off.base_lcm_state_dict(sonar_dim=32, model_dim=256, heads_ffn_nominal=512, layers=1)
    m, _, _ = build_model(dict(sd), scale_embeddings=True)
    x = torch.randn(1, 3, 32)
    with torch.no_grad():
        sd2 = dict(sd)
        want = ref.base_forward(sd2, x * 256 ** 0.5, heads=2)  # their frontend: pre_linear(sqrt(d) * x)
        assert (m(x) - want).abs().max() < 1e-4


def test_load_checkpoint_weights_only_then_fallback(tmp_path):
    """Plain {"model": tensors} loads with weights_only=True; a container with pickled objects (fairseq2 saves
    configs too) falls back to the full unpickler with a warning; DDP `module.` prefixes are stripped."""
    import argparse
    import warnings
    from concept_tools.convert_sonar import load_checkpoint
    sd = {"a.weight": torch.ones(2), "module.b.bias": torch.zeros(1)}
    plain = tmp_path / "plain.pt"
    torch.save({"model": sd}, plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set(load_checkpoint(str(plain))) == {"a.weight", "b.bias"}
    rich = tmp_path / "rich.pt"
    torch.save({"model": sd, "config": argparse.Namespace(model_dim=3)}, rich)
    with pytest.warns(UserWarning, match="full unpickler"):
        assert set(load_checkpoint(str(rich))) == {"a.weight", "b.bias"}
    bad = tmp_path / "bad.pt"
    torch.save([torch.ones(1)], bad)
    with pytest.raises(ValueError, match="fairseq2 checkpoint"):
        load_checkpoint(str(bad))
