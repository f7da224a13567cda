"""Graph templates for the app's TypeScript SONAR converter (concept_tools/sonar_templates.py).

- the committed test-size template is what the generator writes today (same graph nodes, initializer names, dims,
  offsets and checkpoint mapping), so a change of the architecture or exporter cannot leave it stale;
- exporting with a smaller vocabulary and re-dimensioning (the memory-saving route used for the full size) gives
  the same template as exporting at the real vocabulary;
- every external initializer has a source, sources cover every used checkpoint key exactly once, and the only keys
  left unused are the decoder's cross-attention queries/keys and their layer norm."""
import json
import os

import onnx

from concept_tools.sonar_templates import build_templates, official_config, template_id

from conftest import ROOT

SPM = os.path.join(ROOT, "test", "fixtures", "random", "test_model.model")
COMMITTED = os.path.join(ROOT, "main", "engine", "packs", "templates", "sonar")


def _sp_size():
    import sentencepiece as spm
    return spm.SentencePieceProcessor(model_file=SPM).get_piece_size()


def _signature(folder):
    with open(os.path.join(folder, "template.json"), encoding="utf-8") as f:
        t = json.load(f)
    graphs = {}
    for g in ("encoder", "decoder", "int8/encoder", "int8/decoder", "fp16/encoder", "fp16/decoder"):
        m = onnx.load(os.path.join(folder, f"{g}.onnx"), load_external_data=False)
        graphs[g] = {
            "nodes": [(n.op_type, list(n.input), list(n.output)) for n in m.graph.node],
            "inits": [(i.name, list(i.dims), i.data_location,
                       {e.key: e.value for e in i.external_data}) for i in m.graph.initializer],
        }
    t.pop("generated_with")
    return t, graphs


def test_committed_template_is_current(tmp_path):
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    build_templates(cfg, str(tmp_path), sp_size=sp)
    assert _signature(str(tmp_path)) == _signature(os.path.join(COMMITTED, template_id(cfg)))


def test_smaller_export_vocabulary_gives_the_same_template(tmp_path):
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    build_templates(cfg, str(tmp_path / "direct"), sp_size=sp)
    build_templates(cfg, str(tmp_path / "patched"), sp_size=sp, export_vocab=301)
    a, b = _signature(str(tmp_path / "direct")), _signature(str(tmp_path / "patched"))
    assert a == b


def test_every_weight_has_one_source():
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    with open(os.path.join(COMMITTED, template_id(cfg), "template.json"), encoding="utf-8") as f:
        t = json.load(f)
    for g in ("encoder", "decoder"):
        tensors = t["graphs"][g]["tensors"]
        keys = [e["source"]["key"] for e in tensors if "key" in e["source"]]
        assert len(keys) == len(set(keys)), g
        spec = t["checkpoints"][g]
        assert set(keys) | set(spec["unused"]) | set(spec["tied"]) == set(spec["shapes"]), g
        assert all(e["source"]["transform"] in ("identity", "transpose") for e in tensors)
        end = 0
        for e in sorted(tensors, key=lambda e: e["offset"]):
            assert e["offset"] >= end and e["offset"] % 64 == 0
            end = e["offset"] + e["length"]
        assert end == t["graphs"][g]["data_bytes"]
    assert t["checkpoints"]["decoder"]["unused"] == sorted(
        f"decoder.layers.{i}.{p}" for i in range(2)
        for p in ("encoder_decoder_attn.q_proj.weight", "encoder_decoder_attn.q_proj.bias",
                  "encoder_decoder_attn.k_proj.weight", "encoder_decoder_attn.k_proj.bias",
                  "encoder_decoder_attn_layer_norm.weight", "encoder_decoder_attn_layer_norm.bias"))
    assert t["checkpoints"]["encoder"]["unused"] == []


def test_fp16_variant_stores_every_weight_as_float16_once():
    """Same tensors and sources as the float32 template, 2 bytes a value, each widened by exactly one Cast."""
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    folder = os.path.join(COMMITTED, template_id(cfg))
    with open(os.path.join(folder, "template.json"), encoding="utf-8") as f:
        t = json.load(f)
    for g in ("encoder", "decoder"):
        fp32, fp16 = t["graphs"][g], t["variants"]["fp16"][g]
        assert [e["name"] + "__fp16" for e in fp32["tensors"]] == [e["name"] for e in fp16["tensors"]]
        assert [e["source"] for e in fp32["tensors"]] == [e["source"] for e in fp16["tensors"]]
        assert all(e["dtype"] == "float16" and e["length"] * 2 == f32["length"]
                   for e, f32 in zip(fp16["tensors"], fp32["tensors"]))
        m = onnx.load(os.path.join(folder, fp16["file"]), load_external_data=False)
        assert {i.data_type for i in m.graph.initializer} == {onnx.TensorProto.FLOAT16}
        casts = [n for n in m.graph.node if n.op_type == "Cast" and n.input[0].endswith("__fp16")]
        assert sorted(n.output[0] for n in casts) == sorted(e["name"] for e in fp32["tensors"])


def test_int8_variant_stores_each_table_once_as_int8():
    """The int8 variant: every tensor laid out without overlap, and each graph's vocabulary table (the encoder's
    embedding; the decoder's embedding = its tied head) stored once, as int8 [D, V] + a float32 scale per row."""
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    with open(os.path.join(COMMITTED, template_id(cfg), "template.json"), encoding="utf-8") as f:
        t = json.load(f)
    v, d = cfg.vocab_size, cfg.model_dim
    for g in ("encoder", "decoder"):
        tensors = t["variants"]["int8"][g]["tensors"]
        end = 0
        for e in sorted(tensors, key=lambda e: e["offset"]):
            assert e["offset"] >= end and e["offset"] % 64 == 0
            end = e["offset"] + e["length"]
        assert end == t["variants"]["int8"][g]["data_bytes"]
        table = [e for e in tensors if e["source"]["key"].endswith("embed.weight")]
        assert sorted((e["source"]["transform"], e["dims"], e["dtype"]) for e in table) == [
            ("int8-scale", [v], "float32"), ("transpose-int8", [d, v], "int8")], g
        assert not any(v in e["dims"] and e["dtype"] == "float32" and e["source"]["transform"] != "int8-scale"
                       for e in tensors), g
    m = onnx.load(os.path.join(COMMITTED, template_id(cfg), "int8", "decoder.onnx"), load_external_data=False)
    table = "dec.decoder_frontend.embed.weight__int8"
    readers = [n.op_type for n in m.graph.node if table in n.input]
    head = [n.op_type for n in m.graph.node if table + "__prepacked" in n.input]
    # the lookup and the head's candidates recomputed from the float hidden state read the one table; the head reads
    # it under its own name over the same bytes (prepacked_tables.py)
    assert sorted(readers) == ["Gather", "Gather"] and head == ["MatMulInteger"]
    ext = {t.name: {e.key: e.value for e in t.external_data} for t in m.graph.initializer}
    assert ext[table + "__prepacked"] == ext[table]


def test_int8_head_candidates_are_rescored_before_the_search_topk():
    """The int8 decoder's `logprobs` carries the best candidates recomputed at float precision, and the search's
    TopK reads that same tensor (so `topk_logprobs` stays bit-identical to the `logprobs` entries it returns)."""
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    m = onnx.load(os.path.join(COMMITTED, template_id(cfg), "int8", "decoder.onnx"), load_external_data=False)
    by_out = {o: n for n in m.graph.node for o in n.output}
    renorm = by_out["logprobs"]
    scatter = by_out[renorm.input[0]]
    assert (renorm.op_type, scatter.op_type) == ("Sub", "ScatterElements")
    assert by_out["topk_logprobs"].input[0] == "logprobs"
    soft = by_out[scatter.input[0]]
    assert soft.op_type == "LogSoftmax"
    order = [n.name for n in m.graph.node]
    assert order.index(soft.name) < order.index(scatter.name) < order.index(renorm.name) < order.index(
        by_out["topk_logprobs"].name)
