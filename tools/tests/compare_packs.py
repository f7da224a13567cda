#!/usr/bin/env python3
"""Compare the graphs of two SONAR packs (for the TypeScript-vs-Python converter test): the same nodes, the same
initializer names, and bit-identical initializer values (external data loaded). Prints one JSON object.

    /usr/bin/python3 tools/tests/compare_packs.py PACK_A PACK_B
    /usr/bin/python3 tools/tests/compare_packs.py --streaming PACK_A PACK_B   # full size: bounded memory

--streaming compares each graph without loading its external data: every node (with the proto fields that carry no
meaning cleared: a Constant's internal tensor name, an explicit default data_location), every initializer's name,
type and shape, and its bytes in chunks wherever each pack stores them (inline or external), so two 6.5 GB packs
compare in a few hundred MB.

Both modes compare the graphs with the head's table aliases joined (concept_tools/prepacked_tables.py: a storage
detail that only external-data packs carry) and report each side's aliases."""
import json
import os
import sys
from itertools import zip_longest

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from concept_tools import prepacked_tables  # noqa: E402


def graph_report(a_path, b_path):
    aliases = [_aliases(a_path), _aliases(b_path)]
    a, b = prepacked_tables.load_joined(a_path), prepacked_tables.load_joined(b_path)
    ia = {t.name: numpy_helper.to_array(t) for t in a.graph.initializer}
    ib = {t.name: numpy_helper.to_array(t) for t in b.graph.initializer}
    differ = [n for n in ia if n in ib and (ia[n].dtype != ib[n].dtype or ia[n].shape != ib[n].shape
                                              or ia[n].tobytes() != ib[n].tobytes())]
    nodes_a = [(n.op_type, list(n.input), list(n.output)) for n in a.graph.node]
    nodes_b = [(n.op_type, list(n.input), list(n.output)) for n in b.graph.node]
    return {"initializers": len(ia), "only_a": sorted(set(ia) - set(ib))[:5], "only_b": sorted(set(ib) - set(ia))[:5],
            "differ": differ[:5], "bytes": int(sum(x.nbytes for x in ia.values())),
            "nodes_equal": nodes_a == nodes_b, "nonzero_weights": int(sum(np.count_nonzero(x) for x in ib.values())),
            "aliases_a": aliases[0], "aliases_b": aliases[1]}


def _aliases(path):
    return prepacked_tables.join(onnx.load(path, load_external_data=False))


def _bare_graph(path):
    m = onnx.load(path, load_external_data=False)
    aliases = prepacked_tables.join(m)
    for n in m.graph.node:
        for at in n.attribute:
            if at.HasField("t"):
                at.t.ClearField("name")
                if at.t.data_location == onnx.TensorProto.DEFAULT:
                    at.t.ClearField("data_location")
    return m, aliases


CHUNK = 1 << 24


def _chunks(t, folder, chunk=CHUNK):
    """An initializer's bytes in chunks, wherever they are stored: inline, or in an external-data file."""
    if t.data_location != onnx.TensorProto.EXTERNAL:
        raw = t.raw_data or numpy_helper.to_array(t).tobytes()
        for i in range(0, len(raw), chunk):
            yield raw[i:i + chunk]
        return
    ext = {k.key: k.value for k in t.external_data}
    offset, left = int(ext.get("offset", 0)), int(ext["length"])
    with open(os.path.join(folder, ext["location"]), "rb") as f:
        f.seek(offset)
        while left > 0:
            x = f.read(min(chunk, left))
            if not x:
                raise ValueError(f"{t.name}: external data ends early")
            left -= len(x)
            yield x


def _same_bytes(a, b):
    # both sides cut at the same CHUNK boundaries (a file read of a regular file is never short before its end)
    return all(x == y for x, y in zip_longest(a, b))


def _declaration(t):
    return (t.name, t.data_type, list(t.dims))


def streaming_report(a_path, b_path):
    (a, aliases_a), (b, aliases_b) = _bare_graph(a_path), _bare_graph(b_path)
    ia, ib = list(a.graph.initializer), list(b.graph.initializer)
    same_decl = [_declaration(t) for t in ia] == [_declaration(t) for t in ib]
    fa, fb = os.path.dirname(a_path), os.path.dirname(b_path)
    differ = [x.name for x, y in zip(ia, ib) if not _same_bytes(_chunks(x, fa), _chunks(y, fb))] if same_decl else []
    return {"nodes_equal": [n.SerializeToString() for n in a.graph.node] == [n.SerializeToString() for n in b.graph.node],
            "initializers_equal": same_decl, "io_equal": a.graph.input == b.graph.input and a.graph.output == b.graph.output,
            "initializers": len(ia), "differ": differ[:5], "aliases_a": aliases_a, "aliases_b": aliases_b}


def main():
    if sys.argv[1] == "--streaming":
        a, b = sys.argv[2], sys.argv[3]
        print(json.dumps({g: streaming_report(os.path.join(a, f"{g}.onnx"), os.path.join(b, f"{g}.onnx"))
                          for g in ("encoder", "decoder")}))
        return
    a, b = sys.argv[1], sys.argv[2]
    out = {g: graph_report(os.path.join(a, f"{g}.onnx"), os.path.join(b, f"{g}.onnx")) for g in ("encoder", "decoder")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
