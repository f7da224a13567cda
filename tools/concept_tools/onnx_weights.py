"""PyTorch modules with the weights of a pack's ONNX graphs (models/FORMAT.md), so a reference run uses exactly the
weights the app runs, from the pack alone (no training checkpoint needed).

The exporter (torch.onnx, constant folding on) leaves three kinds of initializers:
- named parameters, possibly with a graph prefix (`dec.` for the decoder step wrapper, `den.` for the denoiser);
- anonymous transposed Linear weights (`onnx::MatMul_123`, shape [in, out]) feeding a MatMul whose output goes into
  an Add with the layer's named bias; they are named after that bias (or the node's scope when there is no bias);
- parameters with identical values deduplicated into one initializer plus Identity nodes whose outputs carry the
  other parameter names.
With fp16 storage (export_onnx.store_fp16) an initializer `<name>__fp16` is followed by a Cast node
`<name>__cast` producing the float32 tensor `<name>`.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import prepacked_tables
from .lcm_model import BaseLCM, BaseLCMConfig, TwoTowerConfig, TwoTowerLCM
from .sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder

GRAPH_PREFIXES = ("dec.", "den.")

# parameters a graph legitimately does not contain (the step graph never uses them)
UNUSED_OK = (
    re.compile(r"^decoder\.layers\.\d+\.encoder_decoder_attn\.(q_proj|k_proj)\.(weight|bias)$"),
    re.compile(r"^decoder\.layers\.\d+\.encoder_decoder_attn_layer_norm\.(weight|bias)$"),
    re.compile(r"^final_proj\.weight$"),  # tied to decoder_frontend.embed.weight
)


def _strip(name: str) -> str:
    for p in GRAPH_PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def _anonymous(name: str) -> bool:
    return name.startswith("onnx::") or name.startswith("/")


def graph_tensors(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Every constant tensor of the graph by the name its consumers use: initializers (float32), fp16 initializers
    seen through their Cast, and Identity aliases of either."""
    g = model.graph
    tensors = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for node in g.node:  # topological order: casts and identities come before their consumers
        if node.op_type == "Cast" and node.input[0] in tensors:
            to = next(a.i for a in node.attribute if a.name == "to")
            if to == onnx.TensorProto.FLOAT:
                tensors[node.output[0]] = tensors[node.input[0]].astype(np.float32)
        elif node.op_type == "Identity" and node.input[0] in tensors:
            tensors[node.output[0]] = tensors[node.input[0]]
    return tensors


def _scope(node_name: str) -> str:
    """'/den/layers.0/self_attn/q_proj/MatMul' -> 'den.layers.0.self_attn.q_proj'."""
    parts = [p for p in node_name.split("/") if p]
    return ".".join(parts[:-1])


def onnx_state_dict(path: str) -> dict[str, torch.Tensor]:
    """Parameter name (graph prefix stripped) -> float32 tensor, for every parameter the graph holds.
    Anonymous Linear weights are given as `<module>.weight` in PyTorch's [out, in] layout; when only the node scope
    names them they are keyed `?scope:<scope>.weight` for `load_into` to resolve by suffix."""
    m = prepacked_tables.load_joined(path)
    tensors = graph_tensors(m)
    out: dict[str, torch.Tensor] = {}
    for name, arr in tensors.items():
        if name.endswith("__fp16") or _anonymous(name):
            continue
        out[_strip(name)] = torch.from_numpy(np.array(arr, dtype=np.float32, copy=True))
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in m.graph.node:
        for x in node.input:
            consumers.setdefault(x, []).append(node)
    for node in m.graph.node:
        if node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in tensors and _anonymous(node.input[1]):
            w = tensors[node.input[1]]
            if w.ndim != 2:
                continue
            key = None
            for c in consumers.get(node.output[0], []):
                if c.op_type != "Add":
                    continue
                other = [x for x in c.input if x != node.output[0]]
                if other and other[0] in tensors and not _anonymous(other[0]) and other[0].endswith(".bias"):
                    key = _strip(other[0])[: -len(".bias")] + ".weight"
                    break
            if key is None:
                key = "?scope:" + _strip(_scope(node.name) + ".") + "weight"
            t = torch.from_numpy(np.array(w.T, dtype=np.float32, copy=True))
            if key in out and not torch.equal(out[key], t):
                raise ValueError(f"{path}: two different weights for {key}")
            out[key] = t
        elif node.op_type == "Gemm" and len(node.input) >= 2 and node.input[1] in tensors and _anonymous(node.input[1]):
            w = tensors[node.input[1]]
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            if len(node.input) > 2 and not _anonymous(node.input[2]):
                key = _strip(node.input[2])[: -len(".bias")] + ".weight"
            else:
                key = "?scope:" + _strip(_scope(node.name) + ".") + "weight"
            out[key] = torch.from_numpy(np.array(w if trans_b else w.T, dtype=np.float32, copy=True))
    return out


def load_into(module: torch.nn.Module, state: dict[str, torch.Tensor], prefix: str = "",
              allow_missing: tuple = UNUSED_OK) -> list[str]:
    """Copy `state` into `module` (keys relative to `prefix`); returns the module's parameter names left untouched
    (only those matching `allow_missing` are tolerated). Shapes must match; unknown keys are an error."""
    own = dict(module.named_parameters())
    own.update({k: v for k, v in module.state_dict().items() if k not in own})
    if prefix:
        own = {k[len(prefix):]: v for k, v in own.items() if k.startswith(prefix)}
    done = set()
    with torch.no_grad():
        for key, val in state.items():
            if key.startswith("?scope:"):
                suffix = key[len("?scope:"):]
                hits = [k for k in own if k == suffix or k.endswith("." + suffix)]
                if len(hits) != 1:
                    raise ValueError(f"cannot place anonymous weight of scope {suffix}: candidates {hits[:4]}")
                key = hits[0]
            if key not in own:
                raise ValueError(f"graph tensor {key} is not a parameter of {type(module).__name__}")
            if tuple(own[key].shape) != tuple(val.shape):
                raise ValueError(f"{key}: graph shape {tuple(val.shape)} != module shape {tuple(own[key].shape)}")
            own[key].copy_(val)
            done.add(key)
    params = {k for k, _ in module.named_parameters()}
    if prefix:
        params = {k[len(prefix):] for k in params if k.startswith(prefix)}
    missing = sorted(params - done)
    bad = [k for k in missing if not any(p.match(k) for p in allow_missing)]
    if bad:
        raise ValueError(f"{type(module).__name__}: parameters not found in the graph: {bad[:6]}"
                         f"{' …' if len(bad) > 6 else ''}")
    return missing


def _read_pack(pack_dir: str) -> dict:
    with open(os.path.join(pack_dir, "pack.json"), encoding="utf-8") as f:
        return json.load(f)


def _config(cls, cfg: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    kw = {k: v for k, v in cfg.items() if k in names}
    if "dropout" in names:
        kw["dropout"] = 0.0
    return cls(**kw)


def _graph(pack_dir: str, pack: dict, name: str) -> str:
    return os.path.join(pack_dir, pack["graphs"][name]["file"])


def sonar_config(pack: dict) -> SonarConfig:
    return _config(SonarConfig, pack["config"])


def load_sonar_encoder(pack_dir: str) -> SonarTextEncoder:
    pack = _read_pack(pack_dir)
    enc = SonarTextEncoder(sonar_config(pack)).eval()
    load_into(enc, onnx_state_dict(_graph(pack_dir, pack, "encoder")))
    return enc


def load_sonar_decoder(pack_dir: str) -> SonarTextDecoder:
    pack = _read_pack(pack_dir)
    dec = SonarTextDecoder(sonar_config(pack)).eval()
    load_into(dec, onnx_state_dict(_graph(pack_dir, pack, "decoder")))
    dec.tie()
    return dec


def _load_normalizer(module, pack_dir: str, pack: dict) -> None:
    with open(os.path.join(pack_dir, pack["normalizer"]["file"]), encoding="utf-8") as f:
        nz = json.load(f)
    with torch.no_grad():
        module.normalizer.center.copy_(torch.tensor(nz["center"], dtype=torch.float32))
        module.normalizer.scale.copy_(torch.tensor(nz["scale"], dtype=torch.float32))


def load_base_lcm(pack_dir: str) -> BaseLCM:
    pack = _read_pack(pack_dir)
    model = BaseLCM(_config(BaseLCMConfig, pack["config"])).eval()
    load_into(model, onnx_state_dict(_graph(pack_dir, pack, "base")))
    _load_normalizer(model, pack_dir, pack)
    return model


def load_two_tower(pack_dir: str) -> TwoTowerLCM:
    pack = _read_pack(pack_dir)
    model = TwoTowerLCM(_config(TwoTowerConfig, pack["config"])).eval()
    load_into(model.contextualizer, onnx_state_dict(_graph(pack_dir, pack, "contextualizer")))
    load_into(model.denoiser, onnx_state_dict(_graph(pack_dir, pack, "denoiser")))
    _load_normalizer(model, pack_dir, pack)
    ab = (pack.get("sampler") or {}).get("alphas_cumprod")
    if ab:
        model.alphas_cumprod = torch.tensor(ab, dtype=torch.float32)
    return model
