#!/usr/bin/env python3
"""Compare the graphs of two SONAR packs (for the TypeScript-vs-Python converter test): the same nodes, the same
initializer names, and bit-identical initializer values (external data loaded). Prints one JSON object.

    /usr/bin/python3 tools/tests/compare_packs.py PACK_A PACK_B"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def graph_report(a_path, b_path):
    a, b = onnx.load(a_path), onnx.load(b_path)
    ia = {t.name: numpy_helper.to_array(t) for t in a.graph.initializer}
    ib = {t.name: numpy_helper.to_array(t) for t in b.graph.initializer}
    differ = [n for n in ia if n in ib and (ia[n].dtype != ib[n].dtype or ia[n].shape != ib[n].shape
                                              or ia[n].tobytes() != ib[n].tobytes())]
    nodes_a = [(n.op_type, list(n.input), list(n.output)) for n in a.graph.node]
    nodes_b = [(n.op_type, list(n.input), list(n.output)) for n in b.graph.node]
    return {"initializers": len(ia), "only_a": sorted(set(ia) - set(ib))[:5], "only_b": sorted(set(ib) - set(ia))[:5],
            "differ": differ[:5], "bytes": int(sum(x.nbytes for x in ia.values())),
            "nodes_equal": nodes_a == nodes_b, "nonzero_weights": int(sum(np.count_nonzero(x) for x in ib.values()))}


def main():
    a, b = sys.argv[1], sys.argv[2]
    out = {g: graph_report(os.path.join(a, f"{g}.onnx"), os.path.join(b, f"{g}.onnx")) for g in ("encoder", "decoder")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
