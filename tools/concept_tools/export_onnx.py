"""ONNX export of every graph of the pack contract (models/FORMAT.md).

encoder:        input_ids, attention_mask int64 [B,T] -> sentence_embedding float32 [B,D] (mean pooling in-graph)
decoder (step): input_ids int64 [N,T], sentence_embedding [N,D], past_key_i/past_value_i [N,H,P,hd]
                topk int64 [1] -> logprobs [N,V] of the last position, present_key_i/present_value_i [N,H,P+T,hd],
                topk_logprobs [N,K] / topk_ids int64 [N,K]: the K = topk[0] largest of those same logprobs, best first
                (ties: lower id first), so a search can fetch K values per row instead of V (add_decoder_topk).
                The cache length P (0 at the first call) gives the position offset; cross-attention over the single
                memory slot is the per-layer constant W_o(W_v e + b_v) + b_o computed in-graph.
base_lcm:       concepts [B,L,D] (normalized) -> next [B,L,D] (normalized; position i predicts i+1)
contextualizer: concepts [B,L,D] (normalized) -> context [B,L,H]
denoiser:       x_t [B,1,D], t int64 [B], context [B,L,H], context_mask float32 [B,L] -> x0 [B,1,D]
"""
from __future__ import annotations

import os
import shutil
import tempfile

import onnx
import torch
import torch.nn as nn

from . import prepacked_tables
from .lcm_model import BaseLCM, TwoTowerLCM
from .sonar_model import SonarTextDecoder, SonarTextEncoder

OPSET = 17


FP16_STORAGE = False  # set by the mini pipeline: weights stored as float16, computed in float32


def round_weights_to_fp16(module: nn.Module) -> None:
    """Make every parameter exactly representable in float16, so fp16 storage loses nothing against PyTorch."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.half().float())


def store_fp16(m: onnx.ModelProto, min_elems: int = 4096) -> None:
    """Store float32 initializers whose values are exactly representable in float16 as float16 + a Cast node.
    Lossless by construction (computed constants such as position tables are left alone); halves the pack size.
    ORT folds the Casts at session load, so inference runs in float32."""
    import numpy as np
    from onnx import helper, numpy_helper
    casts = []
    for i, init in enumerate(list(m.graph.initializer)):
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elems:
            continue
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr):
            continue
        name = init.name  # `init` is a view into the repeated field: read the name before overwriting it
        new = numpy_helper.from_array(half, name + "__fp16")
        m.graph.initializer[i].CopyFrom(new)
        casts.append(helper.make_node("Cast", [new.name], [name], to=onnx.TensorProto.FLOAT, name=name + "__cast"))
    for node in reversed(casts):
        m.graph.node.insert(0, node)


# weight bytes above which a graph is written with external data (protobuf's limit is 2 GB)
EXTERNAL_ABOVE = 1.8e9


def _save(model: nn.Module, args: tuple, path: str, inputs: list[str], outputs: list[str], dynamic: dict,
          external_data: bool | None = None, edit=None) -> str:
    model.eval()
    # Export into a private temporary folder: for graphs over 2 GB torch.onnx.export writes one external-data file
    # per initializer next to the model file, which would otherwise litter the pack folder (and be listed in it).
    tmpdir = tempfile.mkdtemp(prefix=".export-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        tmp = os.path.join(tmpdir, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model, args, tmp, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                              opset_version=OPSET, do_constant_folding=True)
        m = onnx.load(tmp)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if edit is not None:
        edit(m)
    if FP16_STORAGE:
        store_fp16(m)
    big = sum(t.ByteSize() for t in m.graph.initializer) > EXTERNAL_ABOVE if external_data is None else external_data
    data_name = os.path.basename(path) + ".data"
    if os.path.exists(path + ".data"):
        os.remove(path + ".data")
    # graphs over the 2 GB protobuf limit keep their weights in a side file (path + ".data")
    onnx.save_model(m, path, save_as_external_data=big, all_tensors_to_one_file=True, location=data_name,
                    size_threshold=1024)
    if big:
        stored = onnx.load(path, load_external_data=False)
        if prepacked_tables.split(stored):  # the tied head reads its own name for the table (prepacked_tables.py)
            onnx.save_model(stored, path)
    return path


class _StepWrapper(nn.Module):
    def __init__(self, dec: SonarTextDecoder):
        super().__init__()
        self.dec = dec

    def forward(self, input_ids, sentence_embedding, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        lp, presents = self.dec.step(input_ids, sentence_embedding, past)
        flat = []
        for k, v in presents:
            flat += [k, v]
        return (lp, *flat)


def export_encoder(enc: SonarTextEncoder, path: str) -> dict:
    ids = torch.tensor([[5, 6, 7, 3], [5, 6, 3, 0]])
    mask = (ids != 0).long()
    _save(enc, (ids, mask), path, ["input_ids", "attention_mask"], ["sentence_embedding"],
          {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
           "sentence_embedding": {0: "batch"}})
    return {"inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask"},
            "outputs": {"sentence_embedding": "sentence_embedding"}}


TOPK_INPUT, TOPK_VALUES, TOPK_IDS = "topk", "topk_logprobs", "topk_ids"


def add_decoder_topk(m: onnx.ModelProto, logprobs: str = "logprobs") -> None:
    """Add `topk` (int64 [1], a graph input) and outputs `topk_logprobs` [N,K] / `topk_ids` int64 [N,K]: one ONNX
    TopK over the graph's own `logprobs` tensor, so its values are bit-identical to that output's.

    Added after export rather than traced: torch.onnx (1.13) traces `torch.topk(x, k)` with k read as a Python int,
    which would freeze K into the graph; the search needs K per call (1 for greedy, 2·beam + the number of masked
    tokens for beam search, main/engine/sonar/beam.ts). ONNX TopK (opset ≥ 10) takes K as a tensor input, sorts
    largest first and breaks ties by the lower index: the order the TypeScript search uses on the full row."""
    from onnx import helper
    if m.opset_import[0].version < 11:
        raise RuntimeError("TopK with a K input and index tie-breaking needs opset 11")
    if any(i.name == TOPK_INPUT for i in m.graph.input):
        return
    if not any(o.name == logprobs for o in m.graph.output):
        raise RuntimeError(f"decoder graph has no output '{logprobs}'")
    m.graph.input.append(helper.make_tensor_value_info(TOPK_INPUT, onnx.TensorProto.INT64, [1]))
    m.graph.node.append(helper.make_node("TopK", [logprobs, TOPK_INPUT], [TOPK_VALUES, TOPK_IDS], axis=-1,
                                         largest=1, sorted=1, name="search_topk"))
    m.graph.output.append(helper.make_tensor_value_info(TOPK_VALUES, onnx.TensorProto.FLOAT, ["batch", "topk_k"]))
    m.graph.output.append(helper.make_tensor_value_info(TOPK_IDS, onnx.TensorProto.INT64, ["batch", "topk_k"]))


REORDER_INPUT = "beam_index"
REORDER_SUFFIX = "__reordered"


def add_decoder_reorder(m: onnx.ModelProto, past: list[str]) -> None:
    """Add `beam_index` (int64 [N], a graph input): the step reads row r of each cache tensor `past` from row
    beam_index[r] of the tensor fed (which has its own row count, `cache_rows`). The search's beam reordering, and the
    dropping of finished inputs, then happen in one Gather per cache tensor inside onnxruntime, instead of a copy of
    every row through JavaScript between steps (issue 15; at SONAR size, 8 sentences x beam 5 at 25 positions, that
    copy is ~200 MB of freshly allocated arrays per step). Identity rows are fed when nothing moves."""
    from onnx import helper
    if any(i.name == REORDER_INPUT for i in m.graph.input):
        return
    inputs = {i.name: i for i in m.graph.input}
    missing = [p for p in past if p not in inputs]
    if missing:
        raise RuntimeError(f"decoder graph has no cache input {missing[0]}")
    for p in reversed(past):
        reorder_input(m, p)
    m.graph.input.append(helper.make_tensor_value_info(REORDER_INPUT, onnx.TensorProto.INT64, ["batch"]))


def reorder_input(m: onnx.ModelProto, p: str) -> None:
    """Make the graph read its input `p` through Gather(p, beam_index) (axis 0), placed first; `p` then has its own
    row count (`cache_rows`)."""
    from onnx import helper
    for node in m.graph.node:
        for j, x in enumerate(node.input):
            if x == p:
                node.input[j] = p + REORDER_SUFFIX
    m.graph.node.insert(0, helper.make_node("Gather", [p, REORDER_INPUT], [p + REORDER_SUFFIX], axis=0,
                                            name=p + "__reorder"))
    d0 = next(i for i in m.graph.input if i.name == p).type.tensor_type.shape.dim[0]
    d0.Clear()
    d0.dim_param = "cache_rows"


def remove_decoder_reorder(m: onnx.ModelProto) -> None:
    """The inverse of add_decoder_reorder (a graph as packs exported before it had; the runtime's fallback path)."""
    gathers = {n.output[0]: n.input[0] for n in m.graph.node
               if n.op_type == "Gather" and len(n.input) == 2 and n.input[1] == REORDER_INPUT}
    keep = [n for n in m.graph.node if n.output[0] not in gathers]
    for node in keep:
        for j, x in enumerate(node.input):
            if x in gathers:
                node.input[j] = gathers[x]
    del m.graph.node[:]
    m.graph.node.extend(keep)
    for i in m.graph.input:
        if i.name in gathers.values():
            d0 = i.type.tensor_type.shape.dim[0]
            d0.Clear()
            d0.dim_param = "batch"
    kept = [i for i in m.graph.input if i.name != REORDER_INPUT]
    del m.graph.input[:]
    m.graph.input.extend(kept)


def add_search_io(m: onnx.ModelProto, past: list[str], logprobs: str = "logprobs",
                  embedding: str = "sentence_embedding") -> None:
    """What the search feeds and fetches beyond the step itself: top-k outputs, the cross-attention cache
    (cross_cache.py) and in-graph reordering of every cache."""
    from .cross_cache import PAST, add_cross_cache
    add_decoder_topk(m, logprobs)
    dim = next(i for i in m.graph.input if i.name == embedding).type.tensor_type.shape.dim[1].dim_value
    add_cross_cache(m, len(past) // 2, dim, embedding, reorder=REORDER_INPUT)
    add_decoder_reorder(m, past + [PAST])


def remove_search_io(m: onnx.ModelProto) -> None:
    from .cross_cache import remove_cross_cache
    remove_decoder_topk(m)
    remove_cross_cache(m)
    remove_decoder_reorder(m)


def remove_decoder_topk(m: onnx.ModelProto) -> None:
    """The inverse of add_decoder_topk (a graph as packs exported before it had; the runtime's fallback path)."""
    outs = {TOPK_VALUES, TOPK_IDS}
    keep = [n for n in m.graph.node if not (n.op_type == "TopK" and set(n.output) & outs)]
    del m.graph.node[:]
    m.graph.node.extend(keep)
    for field, names in ((m.graph.input, {TOPK_INPUT}), (m.graph.output, outs)):
        kept = [v for v in field if v.name not in names]
        del field[:]
        field.extend(kept)


def export_decoder(dec: SonarTextDecoder, path: str) -> dict:
    from .cross_cache import PAST, PRESENT
    cfg = dec.cfg
    n, p = 2, 3
    h, hd = cfg.num_heads, cfg.model_dim // cfg.num_heads
    ids = torch.tensor([[5], [6]])
    emb = torch.randn(n, cfg.model_dim)
    past = []
    names_in, names_out, dyn = ["input_ids", "sentence_embedding"], ["logprobs"], {
        "input_ids": {0: "batch", 1: "tokens"}, "sentence_embedding": {0: "batch"}, "logprobs": {0: "batch"}}
    for i in range(cfg.decoder_layers):
        past += [torch.randn(n, h, p, hd), torch.randn(n, h, p, hd)]
        for kind in ("key", "value"):
            names_in.append(f"past_{kind}_{i}")
            names_out.append(f"present_{kind}_{i}")
            dyn[f"past_{kind}_{i}"] = {0: "batch", 2: "past"}
            dyn[f"present_{kind}_{i}"] = {0: "batch", 2: "total"}
    cache_inputs = [x for x in names_in if x.startswith("past_")]
    _save(_StepWrapper(dec), (ids, emb, *past), path, names_in, names_out, dyn,
          edit=lambda m: add_search_io(m, cache_inputs))
    return {"inputs": {"input_ids": "input_ids", "sentence_embedding": "sentence_embedding",
                       "past_key": "past_key_{i}", "past_value": "past_value_{i}", "topk": TOPK_INPUT,
                       "beam_index": REORDER_INPUT, "past_cross": PAST},
            "outputs": {"logprobs": "logprobs", "present_key": "present_key_{i}",
                        "present_value": "present_value_{i}", "topk_logprobs": TOPK_VALUES,
                        "topk_ids": TOPK_IDS, "present_cross": PRESENT},
            "layers": cfg.decoder_layers, "heads": h, "head_dim": hd, "max_positions": cfg.max_seq_len}


def export_base_lcm(model: BaseLCM, path: str) -> dict:
    x = torch.randn(2, 3, model.cfg.sonar_dim)
    _save(model, (x,), path, ["concepts"], ["next"], {"concepts": {0: "batch", 1: "length"},
                                                      "next": {0: "batch", 1: "length"}})
    return {"inputs": {"concepts": "concepts"}, "outputs": {"next": "next"}}


class _Denoise(nn.Module):
    def __init__(self, den):
        super().__init__()
        self.den = den

    def forward(self, x_t, t, context, context_mask):
        return self.den(x_t, t[:, None], context, context_mask[:, None, :])


def export_two_tower(model: TwoTowerLCM, ctx_path: str, den_path: str) -> tuple[dict, dict]:
    cfg = model.cfg
    x = torch.randn(2, 3, cfg.sonar_dim)
    _save(model.contextualizer, (x,), ctx_path, ["concepts"], ["context"],
          {"concepts": {0: "batch", 1: "length"}, "context": {0: "batch", 1: "length"}})
    args = (torch.randn(2, 1, cfg.sonar_dim), torch.tensor([99, 5]), torch.randn(2, 3, cfg.model_dim),
            torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]))
    _save(_Denoise(model.denoiser), args, den_path, ["x_t", "t", "context", "context_mask"], ["x0"],
          {"x_t": {0: "batch"}, "t": {0: "batch"}, "context": {0: "batch", 1: "length"},
           "context_mask": {0: "batch", 1: "length"}, "x0": {0: "batch"}})
    return ({"inputs": {"concepts": "concepts"}, "outputs": {"context": "context"}},
            {"inputs": {"x_t": "x_t", "t": "t", "context": "context", "context_mask": "context_mask"},
             "outputs": {"x0": "x0"}})


def initializer_report(path: str) -> list[tuple[str, list[int]]]:
    m = onnx.load(path, load_external_data=False)
    return [(t.name, list(t.dims)) for t in m.graph.initializer]
