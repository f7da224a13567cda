"""The fp16 variant of a SONAR pack: every weight initializer stored as float16 and widened by a Cast node, so the
graph computes in float32 exactly as before (the runtime contract of models/FORMAT.md is unchanged) while the pack
takes half the disk. The same naming as the mini packs' lossless fp16 storage (export_onnx.store_fp16): initializer
`<name>__fp16` → Cast `<name>__cast` → `<name>`, which onnx_weights.graph_tensors already reads.

Unlike store_fp16 this rounds: float32 → float16 round-to-nearest-even (numpy `astype(np.float16)`, the reference
for main/engine/packs/convert/fp16.ts, which must match it bit for bit). Two users of one graph transform:
- the graph templates (sonar_templates.add_fp16_variant): initializers declared external, no values;
- the Python converter (`tools/convert_sonar.py --variant fp16`): the exported pack's graphs, with values.
Both give the same nodes and initializer names, so the TypeScript and Python fp16 packs compare one to one
(test/integration/convert/ts-converter.test.ts)."""
from __future__ import annotations

import json
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import prepacked_tables

SUFFIX = "__fp16"


def fp16_storage(model: onnx.ModelProto) -> list[str]:
    """Rewrite every float32 initializer of `model` in place as float16 + Cast; returns the original names in order.
    External initializers (a template) keep no data; inline ones are rounded with astype(np.float16)."""
    names, casts = [], []
    for init in model.graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        name = init.name
        if init.data_location == onnx.TensorProto.EXTERNAL:  # a template: the converter fills the values
            init.name = name + SUFFIX
            init.data_type = onnx.TensorProto.FLOAT16
        else:
            half = numpy_helper.to_array(init).astype(np.float16)
            init.CopyFrom(numpy_helper.from_array(half, name + SUFFIX))
        names.append(name)
        casts.append(helper.make_node("Cast", [name + SUFFIX], [name], to=onnx.TensorProto.FLOAT, name=name + "__cast"))
    for node in reversed(casts):
        model.graph.node.insert(0, node)
    return names


def template_variant(model: onnx.ModelProto, entries: list[dict], data_name: str, align: int
                     ) -> tuple[onnx.ModelProto, list[dict], int]:
    """The fp16 graph of a template and its tensor table: the fp32 entries, in the same order, as float16 (2 bytes
    per value) re-laid out in the data file; their sources (checkpoint key, identity/transpose) are unchanged."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    external = {e["name"] for e in entries}
    inline = [t.name for t in m.graph.initializer if t.data_type == onnx.TensorProto.FLOAT and t.name not in external]
    if inline:
        raise ValueError(f"float32 initializers not filled from the checkpoint: {inline[:3]}")
    fp16_storage(m)
    out, offset = [], 0
    by_name = {t.name: t for t in m.graph.initializer}
    for e in entries:
        length = int(np.prod(e["dims"])) * 2
        offset = (offset + align - 1) // align * align
        t = by_name[e["name"] + SUFFIX]
        del t.external_data[:]
        for k, v in (("location", data_name), ("offset", str(offset)), ("length", str(length))):
            kv = t.external_data.add()
            kv.key, kv.value = k, v
        out.append({"name": e["name"] + SUFFIX, "dims": e["dims"], "dtype": "float16", "offset": offset,
                    "length": length, "source": dict(e["source"])})
        offset += length
    return m, out, offset


def pack_to_fp16(pack_dir: str) -> dict:
    """Turn a float32 SONAR pack written by convert_sonar into its fp16 variant in place (weights in
    `<graph>.onnx.data`, as the TypeScript converter writes them) and rewrite pack.json."""
    from .pack import write_pack
    with open(os.path.join(pack_dir, "pack.json"), encoding="utf-8") as f:
        meta = json.load(f)
    for g in ("encoder", "decoder"):
        path = os.path.join(pack_dir, meta["graphs"][g]["file"])
        m = prepacked_tables.load_joined(path)  # an fp16 table is read through its Cast: no alias to keep
        fp16_storage(m)
        data = os.path.basename(path) + ".data"
        if os.path.exists(path + ".data"):
            os.remove(path + ".data")
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                        size_threshold=0)
    meta.pop("files", None)
    meta.pop("format", None)
    meta["precision"] = PRECISION
    return write_pack(pack_dir, meta)


# what pack.json says about an fp16 pack (the TypeScript converter writes the same)
PRECISION = {"weights": "float16 (round to nearest even), widened to float32 by Cast nodes in the graph",
             "compute": "float32"}
