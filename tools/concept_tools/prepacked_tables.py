"""A table that is both looked up and multiplied (the decoder's embedding = its tied head) gets a second initializer
name over the same external bytes, read by the multiplication only.

Why: onnxruntime pre-packs the weight of a MatMul / Gemm / MatMulInteger into its own buffer at load time and frees
the original initializer once no other node reads it. A tied table is also read by the embedding lookup (Gather), so
the original stays: at SONAR size the decoder held its 1 GB table twice, 1.38x its weight bytes (issue 15). With the
head reading an alias, the pre-packed copy is the only full one; the lookup's initializer is memory-mapped from the
data file and only the rows of tokens seen become resident. Measured on the full-size fp32 pack (bench/lib): decoder
alone 1.06x its weights after loading instead of 1.38x, both graphs 0.88x instead of 1.05x, steps not slower.

Only external initializers are split (an inline alias would store the bytes twice in the .onnx): the template route
and convert_sonar's full-size export. `join` is the inverse, so tools that read weights by name, derive variants or
compare packs see one tensor per checkpoint weight whatever the storage.
"""
from __future__ import annotations

import os

import onnx

SUFFIX = "__prepacked"
# operators whose constant weight onnxruntime's CPU kernels pre-pack (MatMulInteger: through its fusion into
# DynamicQuantizeMatMul / MatMulIntegerToFloat; MatMulNBits: its weights and, at accuracy level 4, its scales)
PREPACKING = frozenset({"MatMul", "Gemm", "MatMulInteger", "MatMulNBits"})


def _external(t: onnx.TensorProto) -> dict[str, str]:
    return {e.key: e.value for e in t.external_data}


def split(m: onnx.ModelProto) -> list[str]:
    """Give the pre-packing readers of each external table that a Gather also reads their own initializer over the
    same bytes (`<name>__prepacked`). Returns the aliases made; idempotent."""
    ext = {t.name: t for t in m.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL}
    readers: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in m.graph.node:
        for i, x in enumerate(node.input):
            if x in ext:
                readers.setdefault(x, []).append((node, i))
    made = []
    for name, uses in readers.items():
        ops = {n.op_type for n, _ in uses}
        if "Gather" not in ops or not ops & PREPACKING:
            continue
        alias = m.graph.initializer.add()
        alias.CopyFrom(ext[name])
        alias.name = name + SUFFIX
        for node, i in uses:
            if node.op_type in PREPACKING:
                node.input[i] = alias.name
        made.append(alias.name)
    return made


def join(m: onnx.ModelProto) -> list[str]:
    """Undo `split`: the readers of `<name>__prepacked` read `<name>` again and the alias is removed. Raises if an
    alias does not describe exactly its table's bytes (that would not be the same tensor). Returns the aliases."""
    inits = {t.name: t for t in m.graph.initializer}
    aliases = {}
    for t in m.graph.initializer:
        base = t.name[:-len(SUFFIX)] if t.name.endswith(SUFFIX) else None
        if base is None or base not in inits:
            continue
        b = inits[base]
        same = (t.data_location == b.data_location == onnx.TensorProto.EXTERNAL and _external(t) == _external(b)
                and t.data_type == b.data_type and list(t.dims) == list(b.dims))
        if not same:
            raise ValueError(f"{t.name} is not an alias of {base}: different storage, type or shape")
        aliases[t.name] = base
    for node in m.graph.node:
        for i, x in enumerate(node.input):
            if x in aliases:
                node.input[i] = aliases[x]
    kept = [t for t in m.graph.initializer if t.name not in aliases]
    del m.graph.initializer[:]
    m.graph.initializer.extend(kept)
    return sorted(aliases)


def load_joined(path: str, load_external_data: bool = True) -> onnx.ModelProto:
    """onnx.load with the aliases joined before external data is read (so a table is read once)."""
    from onnx.external_data_helper import load_external_data_for_model
    m = onnx.load(path, load_external_data=False)
    join(m)
    if load_external_data:
        load_external_data_for_model(m, os.path.dirname(os.path.abspath(path)))
    return m
