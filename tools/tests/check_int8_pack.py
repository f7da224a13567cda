#!/usr/bin/env python3
"""Check a dynamic-int8 SONAR pack written by the TypeScript converter against the Python reference: every
external initializer of the template's int8 variant recomputed from the checkpoints (identity, transpose,
sonar_templates.quantize_per_channel and quantize_blocks for the int8 weights and their scales) and compared bit for bit with the
pack's. Prints one JSON object.

    /usr/bin/python3 tools/tests/check_int8_pack.py PACK TEMPLATE_DIR ENCODER.pt DECODER.pt"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from concept_tools.sonar_templates import quantize_blocks, quantize_per_channel  # noqa: E402


def main():
    pack, tpl_dir, enc, dec = sys.argv[1:5]
    with open(os.path.join(tpl_dir, "template.json"), encoding="utf-8") as f:
        tpl = json.load(f)
    states = {k: torch.load(p, map_location="cpu")["model"] for k, p in (("encoder", enc), ("decoder", dec))}
    report = {}
    for kind, g in tpl["variants"]["int8"].items():
        m = onnx.load(os.path.join(pack, f"{kind}.onnx"))
        got = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        same, differ, int8, blocks = 0, [], 0, 0
        for e in g["tensors"]:
            src = e["source"]
            w = states[src["checkpoint"]][src["key"]].float().numpy()
            tr = src["transform"]
            if tr == "identity":
                want = w
            elif tr == "transpose":
                want = np.ascontiguousarray(w.T)
            elif tr in ("int8-blocks", "int8-block-scale"):
                q, s = quantize_blocks(w, e["dims"][2] if tr == "int8-blocks" else w.shape[1] * w.shape[0] // e["dims"][0])
                want = q if tr == "int8-blocks" else s
                blocks += tr == "int8-blocks"
            else:
                q, s = quantize_per_channel(w)
                want = q if tr == "transpose-int8" else s
                int8 += tr == "transpose-int8"
            have = got[e["name"]]
            if have.dtype == want.dtype and have.shape == want.shape and have.tobytes() == want.tobytes():
                same += 1
            else:
                differ.append(e["name"])
        ops = sorted({n.op_type for n in m.graph.node})
        report[kind] = {"tensors": len(g["tensors"]), "identical": same, "differ": differ[:5], "int8_weights": int8,
                        "block_weights": blocks, "has_matmulinteger": "MatMulInteger" in ops,
                        "has_matmulnbits": "MatMulNBits" in ops}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
