"""The decoder step's cross-attention constants as a cache: computed at a sentence's first step, fed back after.

Cross-attention over SONAR's single memory slot is, per layer, the constant W_o(W_v e + b_v) + b_o of the sentence's
concept e (softmax over one key is 1; research/sonar.md §4.3). The exported step graph recomputed it at every step:
two [N,D]x[D,D] products per layer, at full size 48 matrices (200 MB of float32 weights, kept float32 in the int8
variant) streamed from memory for every generated token, about a fifth of an int8 step's weight bytes.

`add_cross_cache` moves the nodes that depend on the concept alone (the "cone") into the `then` branch of an If:
input `past_cross` [rows, S, D] (S = 0 at the first call), output `present_cross` [N, L, D] (the L constants, one per
layer); the If computes them when `past_cross` is empty and passes the fed tensor through otherwise. The layers read
their constant as Gather(present_cross, i, axis 1), under the name they read before, so nothing downstream changes
and the outputs are bit-identical (the same Gemms on the same inputs). With in-graph cache reordering (`beam_index`)
the fed `past_cross` is reordered like the key/value caches. `remove_cross_cache` is the inverse (older packs;
the runtime's fallback path).
"""
from __future__ import annotations

import onnx
from onnx import helper

PAST, PRESENT = "past_cross", "present_cross"
PREFIX = "cross_cache__"
RENAME = "__in_branch"  # cone values inside the branch: a subgraph may not redefine a name its outer graph defines


def _cone(g: onnx.GraphProto, embedding: str) -> tuple[list[onnx.NodeProto], list[str]]:
    """The nodes whose values depend on `embedding` and on constants only, and those of their outputs read outside."""
    static = {t.name for t in g.initializer}
    for n in g.node:
        if all(x in static or x == "" for x in n.input):
            static.update(n.output)  # Constant nodes, and Casts of float16-stored weights
    dep, cone = {embedding}, []
    for n in g.node:
        dyn = [x for x in n.input if x and x not in static]
        if dyn and all(x in dep for x in dyn):
            cone.append(n)
            dep.update(n.output)
    inside = {id(n) for n in cone}
    read_outside = {x for n in g.node if id(n) not in inside for x in n.input} | {o.name for o in g.output}
    frontier = [o for n in cone for o in n.output if o in read_outside]
    return cone, frontier


def _int64(name: str, dims: list[int], vals: list[int]) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], name=name,
                            value=helper.make_tensor(name, onnx.TensorProto.INT64, dims, vals))


def _ranks(m: onnx.ModelProto, names: list[str]) -> dict[str, int]:
    """The rank of each value `names` by ONNX shape inference; each must be [N, D] or [N, 1, D]."""
    from onnx import shape_inference
    # inference needs the initializers' types and dims only: a copy without their values (a full-size graph with
    # inline weights exceeds protobuf's 2 GB, and copying them would double the memory for nothing)
    light = onnx.ModelProto(ir_version=m.ir_version, opset_import=m.opset_import)
    light.graph.CopyFrom(onnx.GraphProto(node=m.graph.node, input=m.graph.input, output=m.graph.output,
                                         value_info=m.graph.value_info, name=m.graph.name))
    for t in m.graph.initializer:
        meta = light.graph.initializer.add(name=t.name, data_type=t.data_type, dims=t.dims,
                                           data_location=onnx.TensorProto.EXTERNAL)
        e = meta.external_data.add()
        e.key, e.value = "location", "(none)"
    info = shape_inference.infer_shapes(light).graph.value_info
    shapes = {v.name: [d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim]
              for v in info}
    out = {}
    for x in names:
        s = shapes.get(x)
        if s is None or not (len(s) == 2 or (len(s) == 3 and s[1] == 1)):
            raise RuntimeError(f"cross cache: the concept's constant {x} has shape {s}, not [N, D] or [N, 1, D]")
        out[x] = len(s)
    return out


def add_cross_cache(m: onnx.ModelProto, layers: int, dim: int, embedding: str = "sentence_embedding",
                    reorder: str | None = None) -> None:
    """Give the decoder step graph `m` the cross-attention cache (module docstring). Idempotent. `reorder`: the
    graph's cache-row input (`beam_index`), when it has one, so `past_cross` is reordered like the KV caches."""
    g = m.graph
    if any(i.name == PAST for i in g.input):
        return
    cone, frontier = _cone(g, embedding)
    if len(frontier) != layers:
        raise RuntimeError(f"cross cache: {len(frontier)} values depend on the concept alone, expected one per layer "
                           f"({layers})")
    made = {o for n in cone for o in n.output}
    branch_nodes = []
    for n in cone:
        c = onnx.NodeProto()
        c.CopyFrom(n)
        for j, x in enumerate(c.input):
            if x in made:
                c.input[j] = x + RENAME
        for j, x in enumerate(c.output):
            c.output[j] = x + RENAME
        branch_nodes.append(c)
    ranks = _ranks(m, frontier)
    slots = []
    for i, f in enumerate(frontier):
        if ranks[f] == 2:  # [N, D] -> a slot [N, 1, D]
            slots.append(f"{PREFIX}slot_{i}")
            branch_nodes.append(helper.make_node("Unsqueeze", [f + RENAME, PREFIX + "axis1"], [slots[-1]],
                                                 name=slots[-1]))
        else:  # already [N, 1, D] (the constant unsqueezed for the residual add)
            slots.append(f + RENAME)
    if 2 in ranks.values():
        branch_nodes.insert(0, _int64(PREFIX + "axis1", [1], [1]))
    branch_nodes.append(helper.make_node("Concat", slots, [PREFIX + "computed"], axis=1, name=PREFIX + "concat"))
    then_g = helper.make_graph(branch_nodes, PREFIX + "compute", [], [
        helper.make_tensor_value_info(PREFIX + "computed", onnx.TensorProto.FLOAT, None)])
    else_g = helper.make_graph([helper.make_node("Identity", [PREFIX + "fed"], [PREFIX + "kept"], name=PREFIX + "keep")],
                               PREFIX + "keep", [], [helper.make_tensor_value_info(PREFIX + "kept", onnx.TensorProto.FLOAT, None)])
    # `past_cross` is read by a main-graph node only (Identity): in-graph reordering rewires the main graph's readers
    head = [helper.make_node("Identity", [PAST], [PREFIX + "fed"], name=PREFIX + "fed"),
            helper.make_node("Size", [PREFIX + "fed"], [PREFIX + "size"], name=PREFIX + "size"),
            helper.make_node("Equal", [PREFIX + "size", PREFIX + "zero"], [PREFIX + "empty"], name=PREFIX + "empty"),
            helper.make_node("If", [PREFIX + "empty"], [PRESENT], then_branch=then_g, else_branch=else_g,
                             name=PREFIX + "if")]
    # a scalar index drops the slot axis ([N, D]), a one-element index keeps it ([N, 1, D])
    reads = [helper.make_node("Gather", [PRESENT, f"{PREFIX}index_{i}" + ("" if ranks[f] == 2 else "_kept")], [f],
                              axis=1, name=f"{PREFIX}read_{i}") for i, f in enumerate(frontier)]
    keep = [n for n in g.node if not any(n is c for c in cone)]
    # small int64 constants as Constant nodes: every initializer of a decoder graph stays a weight of the checkpoint
    consts = [_int64(PREFIX + "zero", [], [0])]
    consts += [_int64(f"{PREFIX}index_{i}", [], [i]) for i, f in enumerate(frontier) if ranks[f] == 2]
    consts += [_int64(f"{PREFIX}index_{i}_kept", [1], [i]) for i, f in enumerate(frontier) if ranks[f] == 3]
    _set_sorted(g, consts + head + reads + keep)
    g.input.append(helper.make_tensor_value_info(PAST, onnx.TensorProto.FLOAT, ["cache_rows", "cross_slots", dim]))
    g.output.append(helper.make_tensor_value_info(PRESENT, onnx.TensorProto.FLOAT, ["batch", layers, dim]))
    if reorder is not None and any(i.name == reorder for i in g.input):
        from .export_onnx import reorder_input
        reorder_input(m, PAST)


def node_reads(n: onnx.NodeProto) -> list[str]:
    """The values a node reads, those its subgraphs read from the outer scope included."""
    out = list(n.input)
    for a in n.attribute:
        if a.type == onnx.AttributeProto.GRAPH:
            made = {o for s in a.g.node for o in s.output}
            out += [x for s in a.g.node for x in node_reads(s) if x not in made]
    return out


def _set_sorted(g: onnx.GraphProto, nodes: list[onnx.NodeProto]) -> None:
    """Replace g's nodes by `nodes` in topological order (ONNX requires it), otherwise keeping the given order: each
    node goes as early as its inputs allow, ties by position in `nodes`."""
    import heapq
    maker = {o: i for i, n in enumerate(nodes) for o in n.output}
    waiting = [{maker[x] for x in node_reads(n) if x in maker} for n in nodes]
    readers: dict[int, list[int]] = {}
    for i, w in enumerate(waiting):
        for j in w:
            readers.setdefault(j, []).append(i)
    ready = [i for i, w in enumerate(waiting) if not w]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for r in readers.get(i, []):
            waiting[r].discard(i)
            if not waiting[r]:
                heapq.heappush(ready, r)
    if len(order) != len(nodes):
        raise RuntimeError("cross cache: the edited graph has a cycle")
    sorted_nodes = [nodes[i] for i in order]
    del g.node[:]
    g.node.extend(sorted_nodes)


def remove_cross_cache(m: onnx.ModelProto) -> None:
    """The inverse of add_cross_cache: the cone back in the main graph, recomputed at every step."""
    g = m.graph
    ifs = [n for n in g.node if n.op_type == "If" and n.name == PREFIX + "if"]
    if not ifs:
        return
    then_g = next(a.g for a in ifs[0].attribute if a.name == "then_branch")
    cone = []
    for n in then_g.node:
        if n.name.startswith(PREFIX):
            continue
        c = onnx.NodeProto()
        c.CopyFrom(n)
        for field in (c.input, c.output):
            for j, x in enumerate(field):
                if x.endswith(RENAME):
                    field[j] = x[:-len(RENAME)]
        cone.append(c)
    rest = [n for n in g.node if not (n.name.startswith(PREFIX) or (n.op_type == "Gather" and PAST in n.input))]
    _set_sorted(g, cone + rest)
    for field, names in ((g.input, {PAST}), (g.output, {PRESENT})):
        kept = [v for v in field if v.name not in names]
        del field[:]
        field.extend(kept)
