"""Graph templates for converting official SONAR checkpoints without Python (main/engine/packs/convert/).

A template is what `convert_sonar.py` would write, minus the weights: the exported encoder and decoder-step graphs
with every weight-derived initializer declared *external* (location `<graph>.onnx.data`, offset, length), plus
`template.json`, which says for each external initializer which checkpoint tensor fills it and how (`identity` or
`transpose` — the only transforms torch.onnx's constant folding applies to our modules' parameters), and which keys and shapes a checkpoint must have. Constants that do not come from
the checkpoint (the sinusoidal position tables, the head's zero bias: Constant nodes) stay inline in the graph. The app copies the graphs and streams each
tensor from the checkpoint into the data files, so it never builds a graph and never holds more than one tensor.

How the mapping is found: the modules are exported with random, pairwise-distinct parameter values, and every
initializer is matched by value against each parameter and its transpose; an initializer that matches nothing
stays an inline constant, so a weight-derived initializer of any other kind would be copied
from random values — which the TypeScript-vs-Python parity test (test/integration/convert/) would catch.

Full size: exporting a 256,206-row vocabulary needs the whole 1.1 B-parameter model in memory, so the export may
use a smaller vocabulary (`export_vocab`) and the vocabulary-sized tensors (the embedding, the head's zero bias, the
logprobs output shape) are re-dimensioned afterwards; the graph is checked to hold no other mention of that vocabulary size, and
tools/tests/test_sonar_templates.py proves both routes give the same template at small size.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import prepacked_tables
from .convert_sonar import LICENSE, SPACE, default_description
from .cross_cache import node_reads
from .export_onnx import export_decoder, export_encoder
from .languages import CODES
from .packs_build import sonar_pack_meta
from .sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder

TEMPLATE_FORMAT = 1
ALIGN = 64
TIED = {"final_proj.weight": "decoder_frontend.embed.weight"}
# in the official decoder checkpoint, read by the converter for the strict key check, but not used by the step
# graph (cross-attention over one memory slot never needs queries or keys; research/sonar.md §4.3)
UNUSED_PREFIXES = ("encoder_decoder_attn.q_proj.", "encoder_decoder_attn.k_proj.", "encoder_decoder_attn_layer_norm.")


def template_id(cfg: SonarConfig) -> str:
    return (f"v{cfg.vocab_size}-d{cfg.model_dim}-h{cfg.num_heads}-f{cfg.ffn_dim}-"
            f"e{cfg.encoder_layers}-l{cfg.decoder_layers}-p{cfg.max_seq_len}")


def official_config(vocab: int, dim: int, layers: int, ffn: int, dec_layers: int | None = None) -> SonarConfig:
    """The config convert_sonar.infer_config gives for checkpoints of these shapes."""
    return SonarConfig(vocab_size=vocab, model_dim=dim, num_heads=dim // 64, ffn_dim=ffn, encoder_layers=layers,
                       decoder_layers=dec_layers if dec_layers is not None else layers, max_seq_len=512, dropout=0.0)


def _randomize(module: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.02)


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.float32).tobytes()).hexdigest()


def _value_index(state: dict[str, torch.Tensor]) -> dict[str, tuple[str, str]]:
    idx: dict[str, tuple[str, str]] = {}
    for key, t in state.items():
        a = t.detach().numpy()
        cands = [(_digest(a), "identity")]
        if a.ndim == 2:
            cands.append((_digest(a.T), "transpose"))
        for d, how in cands:
            if d in idx:
                raise RuntimeError(f"{key} ({how}) has the same values as {idx[d]}: randomization failed")
            idx[d] = (key, how)
    return idx


def _templatize(model: onnx.ModelProto, state: dict[str, torch.Tensor], checkpoint: str, data_name: str,
                vocab_patch: tuple[int, int] | None) -> tuple[onnx.ModelProto, list[dict], int]:
    idx = _value_index(state)
    entries, offset = [], 0
    for init in model.graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        hit = idx.get(_digest(arr))
        if hit is None:
            continue  # a constant of the architecture: stays inline
        key, how = hit
        source = {"checkpoint": checkpoint, "key": key, "transform": how}
        dims = list(init.dims)
        if vocab_patch and dims and dims[0] == vocab_patch[0] and key.endswith("frontend.embed.weight"):
            dims[0] = vocab_patch[1]
        length = int(np.prod(dims)) * 4
        offset = (offset + ALIGN - 1) // ALIGN * ALIGN
        init.ClearField("raw_data")
        init.ClearField("float_data")
        del init.dims[:]
        init.dims.extend(dims)
        init.data_location = onnx.TensorProto.EXTERNAL
        del init.external_data[:]
        for k, v in (("location", data_name), ("offset", str(offset)), ("length", str(length))):
            e = init.external_data.add()
            e.key, e.value = k, v
        entries.append({"name": init.name, "dims": dims, "offset": offset, "length": length, "source": source})
        offset += length
    if vocab_patch:
        # the decoder head's zero bias is a Constant node of vocabulary length (export_onnx's Gemm trick)
        for node in model.graph.node:
            for a in node.attribute:
                if (a.type == onnx.AttributeProto.TENSOR and list(a.t.dims) == [vocab_patch[0]]
                        and a.t.data_type == onnx.TensorProto.FLOAT and not numpy_helper.to_array(a.t).any()):
                    a.t.CopyFrom(numpy_helper.from_array(np.zeros(vocab_patch[1], np.float32), a.t.name))
        # static shapes the exporter recorded (the decoder's logprobs [batch, V]) follow the vocabulary
        for vi in list(model.graph.value_info) + list(model.graph.output) + list(model.graph.input):
            for d in vi.type.tensor_type.shape.dim:
                if d.HasField("dim_value") and d.dim_value == vocab_patch[0]:
                    d.dim_value = vocab_patch[1]
        _check_no_vocab_literal(model, vocab_patch[0])
    return model, entries, offset


def _check_no_vocab_literal(model: onnx.ModelProto, v: int) -> None:
    """After re-dimensioning, no inline tensor, attribute or value-info may still carry the export vocabulary."""
    for init in model.graph.initializer:
        if init.data_location != onnx.TensorProto.EXTERNAL and init.data_type in (onnx.TensorProto.INT64,
                                                                                  onnx.TensorProto.INT32):
            if v in numpy_helper.to_array(init).ravel().tolist():
                raise RuntimeError(f"inline tensor {init.name} holds the export vocabulary {v}")
    for node in model.graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR and v in list(a.t.dims):
                raise RuntimeError(f"node {node.name} attribute {a.name} has the export vocabulary {v} as a dimension")
            if (a.type == onnx.AttributeProto.TENSOR and a.t.data_type in (onnx.TensorProto.INT64, onnx.TensorProto.INT32)
                    and v in numpy_helper.to_array(a.t).ravel().tolist()):
                raise RuntimeError(f"node {node.name} attribute {a.name} holds the export vocabulary {v}")
            if a.type == onnx.AttributeProto.INTS and v in list(a.ints):
                raise RuntimeError(f"node {node.name} attribute {a.name} holds the export vocabulary {v}")
    for vi in list(model.graph.value_info) + list(model.graph.output):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_value") and d.dim_value == v:
                raise RuntimeError(f"value {vi.name} has the export vocabulary {v} as a static dimension")


def quantize_per_channel(w_out_in: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output channel of a Linear weight [out, in] -> (q [in, out] int8, scale [out] float32).
    The reference for main/engine/packs/convert/quantize.ts, which must match it bit for bit: scale =
    float32(max|w| / 127) (1 for an all-zero channel), q = round-half-even(w / scale) in float64, clipped to ±127."""
    w = np.asarray(w_out_in, dtype=np.float32)
    maxabs = np.abs(w).max(axis=1)
    scale = (maxabs.astype(np.float64) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w.astype(np.float64) / scale.astype(np.float64)[:, None]), -127, 127).astype(np.int8)
    return np.ascontiguousarray(q.T), scale


BLOCK = 32  # weights per quantization block along the input axis in the decoder's MatMulNBits


def quantize_blocks(w_out_in: np.ndarray, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per block of `block` inputs of a Linear weight [out, in], stored as MatMulNBits' 8-bit B:
    (q [out, in / block, block] uint8 = value + 128 — the operator's default zero point —, scale [out * in / block]
    float32). The reference for quantizeBlocksRowsInto in main/engine/packs/convert/quantize.ts, bit for bit: scale =
    float32(max|block| / 127) (1 for an all-zero block), value = round-half-even(w / scale) in float64, clipped to ±127."""
    w = np.asarray(w_out_in, dtype=np.float32)
    o, i = w.shape
    if i % block:
        raise RuntimeError(f"int8 blocks: input size {i} is not a multiple of {block}")
    b = w.reshape(o, i // block, block)
    scale = (np.abs(b).max(axis=2).astype(np.float64) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(b.astype(np.float64) / scale.astype(np.float64)[..., None]), -127, 127) + 128
    return q.astype(np.uint8), scale.reshape(-1)


def _int8_variant(model: onnx.ModelProto, entries: list[dict], data_name: str,
                  blocks: int | None = None) -> tuple[onnx.ModelProto, list[dict], int]:
    """Dynamic int8: every MatMul on a (transposed) checkpoint weight becomes DynamicQuantizeLinear(x) ->
    MatMulInteger(x_q, W_q, x_zp, 0) -> Cast -> * (x_scale * w_scale[out]); W_q int8 [in, out] and w_scale are
    filled by the converter from the checkpoint.

    With `blocks` (the decoder), those MatMuls are MatMulNBits instead: 8-bit weights with a scale per block of
    `blocks` inputs, and activations quantized per row and block inside the operator (accuracy_level 4: int8
    products). Why: a decoding step has one row per hypothesis, and DynamicQuantizeLinear's single scale for the
    whole tensor decides the near-ties between a trained model's best tokens by rounding noise. On the mini pack's
    60 held-out sentences (fp32 concepts, docs/sonar-variants.md) the per-tensor decoder kept 46 greedy outputs of
    fp32's; blocks of 32 kept 56-57 with a float32 lookup (of 128: 53; of the whole row, per channel: 50) and 51 with
    the table stored once in blocks, as here. At one to five rows a step it is faster (full size, same session: greedy
    1.77x -> 2.09x fp32 one sentence at a time); the encoder keeps MatMulInteger, which multiplies its hundreds of rows
    2.7x faster than MatMulNBits does here.

    The embedding tables are quantized too (at full size each is 1 GB of float32: half the fp32 pack, and the
    decoder's output projection streams the whole table at every step). The encoder's, per vocabulary row, as W_q
    [D, V] + scale [V], looked up as a Gather of columns (axis 1) -> Transpose -> Cast -> * scale[id]. The decoder's
    is its tied head too and is stored once, in blocks ([V, D / blocks, blocks] + a scale per block): the head is a
    MatMulNBits on it, the lookup `_blocks_lookup`. The cross-attention Gemms on the sentence's concept stay float32:
    they carry the concept into every layer, and in blocks they moved the log-probs 17 % more (mean |Δ log p| of
    held-out targets on random weights 9.8e-3 -> 1.15e-2, greedy outputs identical 57 -> 54 of 60) for ~10 % of a
    full-size step."""
    from onnx import helper
    m = onnx.ModelProto()
    m.CopyFrom(model)
    by_name = {e["name"]: e for e in entries}
    quant = {}
    for node in m.graph.node:
        if node.op_type == "MatMul" and node.input[1] in by_name and by_name[node.input[1]]["source"]["transform"] == "transpose":
            quant[node.input[1]] = by_name[node.input[1]]
    embeds = {node.input[0] for node in m.graph.node if node.op_type == "Gather" and node.input[0] in by_name
              and by_name[node.input[0]]["source"]["transform"] == "identity" and len(by_name[node.input[0]]["dims"]) == 2}
    for name in embeds:
        v, d = by_name[name]["dims"]
        quant[name] = {**by_name[name], "dims": [d, v]}  # quantized like a Linear [out=V, in=D]: q is [D, V]
    zero = helper.make_tensor("int8_zero_point", onnx.TensorProto.INT8, [], [0])
    new_nodes, dql = [], {}

    def quantized_matmul(node) -> list:
        """node(x, W) -> y (a MatMul) as the int8 product on W's quantized initializers."""
        x, w, y = node.input[0], node.input[1], node.output[0]
        base = node.name or y
        out = []
        if x not in dql:
            dql[x] = (x + "__q", x + "__scale", x + "__zp")
            out.append(helper.make_node("DynamicQuantizeLinear", [x], list(dql[x]), name=x + "__dql"))
        xq, xs, xzp = dql[x]
        return out + [
            helper.make_node("MatMulInteger", [xq, w + "__int8", xzp, "int8_zero_point"], [y + "__i32"], name=base + "__mmi"),
            helper.make_node("Cast", [y + "__i32"], [y + "__f32"], to=onnx.TensorProto.FLOAT, name=base + "__cast"),
            helper.make_node("Mul", [xs, w + "__scale"], [y + "__s"], name=base + "__scale"),
            helper.make_node("Mul", [y + "__f32", y + "__s"], [y], name=base + "__deq"),
        ]

    ranks = {i.name: len(i.type.tensor_type.shape.dim) for i in m.graph.input}
    zeros = {n.output[0]: not np.any(numpy_helper.to_array(n.attribute[0].t))
             for n in m.graph.node if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"}
    blocked = set()
    for node in m.graph.node:
        if node.op_type == "MatMul" and node.input[1] in quant and blocks:
            w = node.input[1]
            i, o = quant[w]["dims"]
            blocked.add(w)
            new_nodes.append(helper.make_node("MatMulNBits", [node.input[0], w + "__q8", w + "__qscale"], [node.output[0]],
                                              domain="com.microsoft", K=i, N=o, bits=8, block_size=blocks,
                                              accuracy_level=4, name=(node.name or node.output[0]) + "__nbits"))
        elif node.op_type == "MatMul" and node.input[1] in quant:
            new_nodes += quantized_matmul(node)
        elif node.op_type == "Gather" and node.input[0] in embeds and blocks:
            if node.input[1] not in ranks:
                raise RuntimeError(f"int8 variant: the embedding lookup {node.name} does not read a graph input")
            blocked.add(node.input[0])
            new_nodes += _blocks_lookup(node, quant[node.input[0]]["dims"][0] // blocks, ranks[node.input[1]])
        elif node.op_type == "Gemm" and len(node.input) >= 2 and node.input[1] in embeds and blocks:
            _check_tied_head(node, zeros)
            d, v = quant[node.input[1]]["dims"]
            blocked.add(node.input[1])
            new_nodes.append(helper.make_node("MatMulNBits", [node.input[0], node.input[1] + "__q8", node.input[1] + "__qscale"],
                                              [node.output[0]], domain="com.microsoft", K=d, N=v, bits=8,
                                              block_size=blocks, accuracy_level=4, name=node.name + "__nbits"))
        elif node.op_type == "Gather" and node.input[0] in embeds:
            w, ids, y = node.input[0], node.input[1], node.output[0]
            if ids not in ranks:
                raise RuntimeError(f"int8 variant: the embedding lookup {node.name} does not read a graph input")
            r = ranks[ids]
            new_nodes += [
                helper.make_node("Gather", [w + "__int8", ids], [y + "__cols"], axis=1, name=node.name + "__int8"),
                helper.make_node("Transpose", [y + "__cols"], [y + "__i8"], perm=list(range(1, r + 1)) + [0],
                                 name=node.name + "__t"),
                helper.make_node("Cast", [y + "__i8"], [y + "__f32"], to=onnx.TensorProto.FLOAT, name=node.name + "__cast"),
                helper.make_node("Gather", [w + "__scale", ids], [y + "__rs"], axis=0, name=node.name + "__rowscale"),
                helper.make_node("Unsqueeze", [y + "__rs", "int8_last_axis"], [y + "__rs1"], name=node.name + "__unsq"),
                helper.make_node("Mul", [y + "__f32", y + "__rs1"], [y], name=node.name + "__deq"),
            ]
        elif node.op_type == "Gemm" and len(node.input) >= 2 and node.input[1] in embeds:
            raise RuntimeError(f"int8 variant: the tied head {node.name} is quantized in blocks only (blocks=None)")
        else:
            new_nodes.append(node)
    used = {i for n in new_nodes for i in node_reads(n)} | {o.name for o in m.graph.output}  # If branches read too
    new_nodes = [n for n in new_nodes if n.op_type != "Constant" or n.output[0] in used]  # e.g. the head's zero bias
    del m.graph.node[:]
    m.graph.node.extend(new_nodes)
    kept = [t for t in m.graph.initializer if t.name not in quant]
    del m.graph.initializer[:]
    m.graph.initializer.extend(kept)
    if any("int8_zero_point" in n.input for n in new_nodes):
        m.graph.initializer.append(zero)
    if any("int8_last_axis" in n.input for n in new_nodes):
        m.graph.initializer.append(helper.make_tensor("int8_last_axis", onnx.TensorProto.INT64, [1], [-1]))
    out_entries = [dict(e) for e in entries if e["name"] not in quant]  # copies: offsets differ from fp32
    # each quantized weight becomes two external initializers: its values and its scales, per block of inputs
    # (MatMulNBits) or per output channel (MatMulInteger); the blocked ones first (the templates' committed order)
    onnx_type = {"int8": onnx.TensorProto.INT8, "uint8": onnx.TensorProto.UINT8, "float32": onnx.TensorProto.FLOAT}
    for name in sorted(blocked) + [n for n in quant if n not in blocked]:
        i, o = quant[name]["dims"]
        if name in blocked:
            kb = i // blocks
            parts = (("__q8", [o, kb, blocks], "uint8", "int8-blocks"), ("__qscale", [o * kb], "float32", "int8-block-scale"))
        else:
            parts = (("__int8", [i, o], "int8", "transpose-int8"), ("__scale", [o], "float32", "int8-scale"))
        for suffix, dims, dtype, transform in parts:
            out_entries.append({"name": name + suffix, "dims": dims, "dtype": dtype,
                                "source": {**quant[name]["source"], "transform": transform}})
            t = m.graph.initializer.add()
            t.name, t.data_type = name + suffix, onnx_type[dtype]
            t.dims.extend(dims)
            t.data_location = onnx.TensorProto.EXTERNAL
    offset = 0
    ext = {t.name: t for t in m.graph.initializer}
    for e in out_entries:
        size = 1 if e.get("dtype") in ("int8", "uint8") else 4
        e.setdefault("dtype", "float32")
        e["length"] = int(np.prod(e["dims"])) * size
        offset = (offset + ALIGN - 1) // ALIGN * ALIGN
        e["offset"] = offset
        t = ext[e["name"]]
        del t.external_data[:]
        for k, v in (("location", data_name), ("offset", str(offset)), ("length", str(e["length"]))):
            kv = t.external_data.add()
            kv.key, kv.value = k, v
        offset += e["length"]
    if m.opset_import[0].version < 11:
        raise RuntimeError("DynamicQuantizeLinear needs opset 11")
    if blocked and not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return m, out_entries, offset


def _check_tied_head(node, zeros: dict) -> None:
    """The tied head must be Gemm(h, E, C, transB=1) = h @ E^T with alpha 1 and no bias, as the int8 products compute."""
    from onnx import helper
    at = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if at.get("transB") != 1 or at.get("transA", 0) != 0:
        raise RuntimeError(f"int8 variant: unexpected head {node.name} {at}")
    c = node.input[2] if len(node.input) > 2 else ""
    if at.get("alpha", 1.0) != 1.0 or not (c == "" or at.get("beta", 1.0) == 0.0 or zeros.get(c)):
        raise RuntimeError(f"int8 variant: head {node.name} with alpha != 1 or a non-zero bias")


def _blocks_lookup(node, per_row: int, rank: int) -> list:
    """Gather(E, ids) over a block-quantized table (E__q8 [V, kb, block] uint8, E__qscale [V * kb]): each id's row of
    blocks, minus the zero point 128, times its blocks' scales (ids * kb + 0..kb-1 in the flat scale vector, which
    MatMulNBits reads as it is), reshaped to [..., D]."""
    from onnx import helper
    w, ids, y = node.input[0], node.input[1], node.output[0]
    c = node.name + "__blk"

    def const(name, value):
        return helper.make_node("Constant", [], [c + name], value=numpy_helper.from_array(value), name=c + name)
    return [
        const("_kb", np.array(per_row, np.int64)), const("_zero", np.array(0, np.int64)),
        const("_one", np.array(1, np.int64)), const("_zp", np.array(128, np.float32)),
        const("_last", np.array([-1], np.int64)), const("_shape", np.array([0] * rank + [-1], np.int64)),
        helper.make_node("Gather", [w + "__q8", ids], [c + "_q"], axis=0, name=c + "_rows"),           # [..., kb, B]
        helper.make_node("Cast", [c + "_q"], [c + "_qf"], to=onnx.TensorProto.FLOAT, name=c + "_cast"),
        helper.make_node("Sub", [c + "_qf", c + "_zp"], [c + "_v"], name=c + "_center"),
        helper.make_node("Unsqueeze", [ids, c + "_last"], [c + "_ids1"], name=c + "_ids1"),            # [..., 1]
        helper.make_node("Mul", [c + "_ids1", c + "_kb"], [c + "_first"], name=c + "_first"),
        helper.make_node("Range", [c + "_zero", c + "_kb", c + "_one"], [c + "_blocks"], name=c + "_range"),
        helper.make_node("Add", [c + "_first", c + "_blocks"], [c + "_sid"], name=c + "_sid"),        # [..., kb]
        helper.make_node("Gather", [w + "__qscale", c + "_sid"], [c + "_s"], axis=0, name=c + "_scales"),
        helper.make_node("Unsqueeze", [c + "_s", c + "_last"], [c + "_s1"], name=c + "_s1"),            # [..., kb, 1]
        helper.make_node("Mul", [c + "_v", c + "_s1"], [c + "_deq"], name=c + "_deq"),
        helper.make_node("Reshape", [c + "_deq", c + "_shape"], [y], name=c + "_reshape"),            # [..., D]
    ]


def _export(fn, module, path: str) -> tuple[onnx.ModelProto, dict]:
    """The exported graph with its weights inline, one initializer per weight: a graph big enough to be saved with
    external data has its tied head's alias (prepacked_tables) joined first, else the alias would be templatized as
    a tensor of its own."""
    from onnx.external_data_helper import load_external_data_for_model
    io = fn(module, path)
    m = onnx.load(path, load_external_data=False)
    prepacked_tables.join(m)
    load_external_data_for_model(m, os.path.dirname(os.path.abspath(path)))
    return m, io


def build_templates(cfg: SonarConfig, out: str, *, sp_size: int, export_vocab: int | None = None,
                    seed: int = 0) -> dict:
    """Write `out/{encoder.onnx,decoder.onnx,template.json}` for checkpoints of config `cfg`."""
    torch.set_grad_enabled(False)
    ev = export_vocab or cfg.vocab_size
    ecfg = SonarConfig(**{**cfg.to_dict(), "vocab_size": ev})
    patch = (ev, cfg.vocab_size) if ev != cfg.vocab_size else None
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".template-", dir=out)
    graphs, io = {}, {}
    keys: dict[str, dict] = {}
    try:
        for kind, cls, fn, seed_k in (("encoder", SonarTextEncoder, export_encoder, seed),
                                      ("decoder", SonarTextDecoder, export_decoder, seed + 1)):
            module = cls(ecfg).eval()
            _randomize(module, seed_k)
            if kind == "decoder":
                module.tie()
            state = {k: v for k, v in module.state_dict().items() if k not in TIED}
            shapes = {k: list(v.shape) for k, v in module.state_dict().items()}
            if patch:
                for k in shapes:
                    if k.endswith("frontend.embed.weight") or k in TIED:
                        shapes[k][0] = cfg.vocab_size
            model, io[kind] = _export(fn, module, os.path.join(work, f"{kind}.onnx"))
            del module
            data_name = f"{kind}.onnx.data"
            model, entries, total = _templatize(model, state, kind, data_name, patch)
            prepacked_tables.split(model)
            onnx.save_model(model, os.path.join(out, f"{kind}.onnx"))
            for e in entries:
                e["dtype"] = "float32"
            del model
            used = {e["source"]["key"] for e in entries if "key" in e["source"]}
            unused = sorted(k for k in shapes if k not in used and k not in TIED)
            bad = [k for k in unused if not any(k.split(".", 3)[-1].startswith(p) for p in UNUSED_PREFIXES)]
            if bad:
                raise RuntimeError(f"{kind}: parameters the graph does not use: {bad[:5]}")
            graphs[kind] = {"file": f"{kind}.onnx", "data": data_name, "data_bytes": total, "tensors": entries}
            keys[kind] = {"shapes": shapes, "unused": unused,
                          "tied": {k: v for k, v in TIED.items() if k in shapes},
                          "optional": [k for k in TIED if k in shapes]}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta = sonar_pack_meta(cfg, cfg, io["encoder"], io["decoder"], name="sonar-text-basic", space=SPACE,
                           license=LICENSE, description=default_description(cfg), sp_size=sp_size,
                           languages_trained={c: None for c in CODES})
    template = {"format": TEMPLATE_FORMAT, "id": template_id(cfg), "config": cfg.to_dict(), "sp_size": sp_size,
                "generated_with": {"torch": torch.__version__, "onnx": onnx.__version__,
                                   "export_vocab": ev},
                "checkpoints": keys, "graphs": graphs, "variants": {}, "pack": meta}
    _write_template(out, template)
    add_int8_variant(out)
    return add_fp16_variant(out)


def _write_template(out: str, template: dict) -> None:
    with open(os.path.join(out, "template.json"), "w", encoding="utf-8") as f:
        json.dump(template, f, indent=1, ensure_ascii=False)
        f.write("\n")


def _add_variant(out: str, name: str, derive) -> dict:
    """Derive variant `name` (out/<name>/) of every graph of the float32 template in `out`, no export needed:
    `derive(model, tensors, data, kind)` -> (variant model, its tensor entries, its data bytes)."""
    with open(os.path.join(out, "template.json"), encoding="utf-8") as f:
        template = json.load(f)
    os.makedirs(os.path.join(out, name), exist_ok=True)
    variant = {}
    for kind, g in template["graphs"].items():
        model = prepacked_tables.load_joined(os.path.join(out, g["file"]), load_external_data=False)
        vmodel, ventries, vtotal = derive(model, g["tensors"], g["data"], kind)
        prepacked_tables.split(vmodel)
        onnx.save_model(vmodel, os.path.join(out, name, g["file"]))
        variant[kind] = {"file": f"{name}/{g['file']}", "data": g["data"], "data_bytes": vtotal, "tensors": ventries}
    template.setdefault("variants", {})[name] = variant
    _write_template(out, template)
    return template


def add_int8_variant(out: str) -> dict:
    """Derive the int8 graphs (out/int8/) from the float32 template in `out` (no export needed): the encoder with
    per-tensor dynamic int8, the decoder with 8-bit blocks (`_int8_variant` says why)."""
    def derive(model, tensors, data, kind):
        for e in tensors:  # the float32 graph's entries name their dtype too once a template has variants
            e.setdefault("dtype", "float32")
        return _int8_variant(model, tensors, data, blocks=BLOCK if kind == "decoder" else None)
    return _add_variant(out, "int8", derive)


def add_fp16_variant(out: str) -> dict:
    """Derive the fp16-storage graphs (out/fp16/: float16 weights + Cast, sonar_fp16.py) from the float32 template."""
    from .sonar_fp16 import template_variant
    return _add_variant(out, "fp16", lambda model, tensors, data, _kind: template_variant(model, tensors, data, ALIGN))


def gzip_template(out: str) -> None:
    """Replace every file of a template by `<file>.gz` (mtime 0: reproducible bytes); the app reads either."""
    import gzip
    for root, _dirs, files in os.walk(out):
        for name in files:
            if name.endswith(".gz"):
                continue
            p = os.path.join(root, name)
            with open(p, "rb") as f, open(p + ".gz", "wb") as raw:
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
                    gz.write(f.read())
            os.remove(p)


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Write the SONAR graph templates the app's TypeScript converter fills.")
    ap.add_argument("--out", required=True, help="templates root; the template goes to OUT/<id>/")
    ap.add_argument("--full", action="store_true", help="the official size: vocab 256206, d 1024, 24+24 layers")
    ap.add_argument("--spm", help="SentencePiece model whose piece count sets the vocabulary (small sizes)")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=128)
    ap.add_argument("--add-int8", metavar="TEMPLATE_DIR", help="only (re)derive the int8 variant of a template")
    ap.add_argument("--add-fp16", metavar="TEMPLATE_DIR", help="only (re)derive the fp16 variant of a template")
    ap.add_argument("--gzip", action="store_true", help="store the files gzipped (the full size: inline position "
                    "tables make each graph a few MB)")
    ap.add_argument("--export-vocab", type=int, default=None,
                    help="export with this many rows and re-dimension (saves memory at full size)")
    a = ap.parse_args(argv)
    for only, derive in ((a.add_int8, add_int8_variant), (a.add_fp16, add_fp16_variant)):
        if only:
            derive(only)
            if a.gzip:
                gzip_template(only)
            return 0
    if a.full:
        sp_size = 256000
        cfg = official_config(sp_size + 1 + len(CODES) + 3, 1024, 24, 8192)
    else:
        if not a.spm:
            ap.error("--spm is required unless --full")
        import sentencepiece as spm
        sp_size = spm.SentencePieceProcessor(model_file=a.spm).get_piece_size()
        cfg = official_config(sp_size + 1 + len(CODES) + 3, a.dim, a.layers, a.ffn)
    out = os.path.join(a.out, template_id(cfg))
    t = build_templates(cfg, out, sp_size=sp_size, export_vocab=a.export_vocab)
    sizes = {g: os.path.getsize(os.path.join(out, v["file"])) for g, v in t["graphs"].items()}
    if a.gzip:
        gzip_template(out)
    print(json.dumps({"out": out, "graph_bytes": sizes,
                      "data_bytes": {g: v["data_bytes"] for g, v in t["graphs"].items()}}))
    return 0
