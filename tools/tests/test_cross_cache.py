"""The decoder step's cross-attention cache (concept_tools/cross_cache.py): the exported graph computes the per-layer
constants only inside an If on an empty `past_cross`, the graph stays valid ONNX (topologically sorted, If branches
reading only what is defined before them), and `remove_cross_cache` gives back the step that recomputes them.
Outputs against PyTorch, first step and a reordered second step: test_convert_sonar.py (onnxruntime-node)."""
from __future__ import annotations

import onnx
import pytest
import torch

from concept_tools import export_onnx
from concept_tools.cross_cache import PAST, PRESENT, add_cross_cache, remove_cross_cache
from concept_tools.sonar_model import SonarConfig, SonarTextDecoder

LAYERS, D = 3, 64


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> str:
    torch.manual_seed(0)
    cfg = SonarConfig(vocab_size=300, model_dim=D, num_heads=1, ffn_dim=128, encoder_layers=1, decoder_layers=LAYERS,
                      dropout=0.0)
    path = str(tmp_path_factory.mktemp("cc") / "decoder.onnx")
    io = export_onnx.export_decoder(SonarTextDecoder(cfg).eval(), path)
    assert io["inputs"]["past_cross"] == PAST and io["outputs"]["present_cross"] == PRESENT
    return path


def _reads_embedding(m: onnx.ModelProto) -> list[str]:
    return [n.op_type for n in m.graph.node if "sentence_embedding" in n.input]


def test_exported_step_computes_the_constants_in_an_if_only(exported):
    m = onnx.load(exported)
    onnx.checker.check_model(m)
    ifs = [n for n in m.graph.node if n.op_type == "If"]
    assert len(ifs) == 1
    then_g = next(a.g for a in ifs[0].attribute if a.name == "then_branch")
    # per layer W_v then W_o, all inside the branch; nothing in the main graph reads the concept any more
    assert sum(n.op_type == "Gemm" for n in then_g.node) == 2 * LAYERS
    assert _reads_embedding(m) == []
    shapes = {i.name: [d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim] for i in m.graph.input}
    assert shapes[PAST] == ["cache_rows", "cross_slots", D]
    # reordered with the key/value caches: the graph reads past_cross through Gather(past_cross, beam_index)
    assert any(n.op_type == "Gather" and list(n.input) == [PAST, "beam_index"] for n in m.graph.node)
    out = {o.name: [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim] for o in m.graph.output}
    assert out[PRESENT] == ["batch", LAYERS, D]


def test_remove_gives_the_per_step_graph_and_add_is_idempotent(exported):
    m = onnx.load(exported)
    nodes_with = sorted(n.name for n in m.graph.node)
    remove_cross_cache(m)
    onnx.checker.check_model(m)
    assert not any(n.op_type == "If" for n in m.graph.node)
    assert PAST not in {i.name for i in m.graph.input} and PRESENT not in {o.name for o in m.graph.output}
    assert _reads_embedding(m) == ["Gemm"] * LAYERS
    assert not any(n.name.startswith("cross_cache__") for n in m.graph.node)
    add_cross_cache(m, LAYERS, D, reorder="beam_index")
    onnx.checker.check_model(m)
    assert sorted(n.name for n in m.graph.node) == nodes_with
    once = m.SerializeToString()
    add_cross_cache(m, LAYERS, D, reorder="beam_index")
    assert m.SerializeToString() == once


def test_refuses_a_graph_whose_concept_constants_do_not_match_the_layers(exported):
    m = onnx.load(exported)
    remove_cross_cache(m)
    before = m.SerializeToString()
    with pytest.raises(RuntimeError, match="expected one per layer"):
        add_cross_cache(m, LAYERS + 1, D)
    assert m.SerializeToString() == before  # refused before any change
