"""The tied head reads its table under a second name over the same external bytes (concept_tools/prepacked_tables.py):
only where a Gather and a pre-packing product share an external table, undone exactly by `join`, and invisible to
the tools that read weights back (onnx_weights, compare_packs)."""
from __future__ import annotations

import os
import sys

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper

from concept_tools import export_onnx, prepacked_tables
from concept_tools.onnx_weights import load_into, onnx_state_dict
from concept_tools.sonar_model import SonarConfig, SonarTextDecoder

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_packs import graph_report, streaming_report  # noqa: E402
from conftest import save_graph  # noqa: E402


def _tied_graph(path: str, external: bool) -> None:
    """ids -> Gather(E) -> MatMul(W) -> Gemm(E, transB) : a lookup and a head on one table, and a plain weight."""
    rng = np.random.default_rng(0)
    e = numpy_helper.from_array(rng.standard_normal((50, 8)).astype(np.float32), "E")
    w = numpy_helper.from_array(rng.standard_normal((8, 8)).astype(np.float32), "W")
    nodes = [helper.make_node("Gather", ["E", "ids"], ["x"]), helper.make_node("MatMul", ["x", "W"], ["h"]),
             helper.make_node("Gemm", ["h", "E"], ["logits"], transB=1)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("ids", onnx.TensorProto.INT64, [3])],
                          [helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [3, 50])], [e, w])
    save_graph(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path, external)


def test_split_aliases_only_the_head_of_an_external_table_and_join_undoes_it(tmp_path):
    path = str(tmp_path / "g.onnx")
    _tied_graph(path, external=True)
    m = onnx.load(path, load_external_data=False)
    before = m.SerializeToString()
    assert prepacked_tables.split(m) == ["E__prepacked"]
    readers = {n.op_type: list(n.input) for n in m.graph.node}
    assert readers["Gather"][0] == "E" and readers["Gemm"][1] == "E__prepacked" and readers["MatMul"][1] == "W"
    ext = {t.name: {k.key: k.value for k in t.external_data} for t in m.graph.initializer}
    assert ext["E__prepacked"] == ext["E"]  # the same bytes of the same file: nothing stored twice
    assert prepacked_tables.split(m) == []  # idempotent
    assert prepacked_tables.join(m) == ["E__prepacked"]
    assert m.SerializeToString() == before


def test_inline_tables_are_not_split(tmp_path):
    path = str(tmp_path / "g.onnx")
    _tied_graph(path, external=False)
    assert prepacked_tables.split(onnx.load(path)) == []


def test_join_refuses_an_alias_over_other_bytes(tmp_path):
    path = str(tmp_path / "g.onnx")
    _tied_graph(path, external=True)
    m = onnx.load(path, load_external_data=False)
    prepacked_tables.split(m)
    alias = next(t for t in m.graph.initializer if t.name == "E__prepacked")
    next(k for k in alias.external_data if k.key == "offset").value = "64"
    with pytest.raises(ValueError, match="not an alias"):
        prepacked_tables.join(m)


@torch.no_grad()
def test_external_decoder_export_is_split_and_reads_back_as_the_module(tmp_path, monkeypatch):
    """convert_sonar's full-size route (external data) on a small decoder: the head reads the alias, the weights
    load back into an equal module, and the graph compares equal to the inline export with the alias joined."""
    torch.manual_seed(5)
    cfg = SonarConfig(vocab_size=300, model_dim=64, num_heads=4, ffn_dim=128, encoder_layers=2, decoder_layers=2,
                      max_seq_len=40, dropout=0.0)
    dec = SonarTextDecoder(cfg).eval()
    dec.tie()
    inline, external = str(tmp_path / "a" / "decoder.onnx"), str(tmp_path / "b" / "decoder.onnx")
    os.makedirs(os.path.dirname(inline))
    os.makedirs(os.path.dirname(external))
    export_onnx.export_decoder(dec, inline)
    monkeypatch.setattr(export_onnx, "EXTERNAL_ABOVE", 0)
    export_onnx.export_decoder(dec, external)
    m = onnx.load(external, load_external_data=False)
    head = [n for n in m.graph.node if n.op_type == "Gemm" and "dec.decoder_frontend.embed.weight__prepacked" in n.input]
    assert len(head) == 1
    fresh = SonarTextDecoder(cfg).eval()
    load_into(fresh, onnx_state_dict(external))
    fresh.tie()
    assert torch.equal(fresh.decoder_frontend.embed.weight, dec.decoder_frontend.embed.weight)
    rep = graph_report(inline, external)
    assert rep["nodes_equal"] and rep["differ"] == [] and rep["only_a"] == rep["only_b"] == []
    assert rep["aliases_a"] == [] and rep["aliases_b"] == ["dec.decoder_frontend.embed.weight__prepacked"]
    stream = streaming_report(inline, external)
    assert stream["nodes_equal"] and stream["initializers_equal"] and stream["differ"] == []
