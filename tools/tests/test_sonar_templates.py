"""Graph templates for the app's TypeScript SONAR converter (concept_tools/sonar_templates.py).

- the committed test-size template is what the generator writes today (same graph nodes, initializer names, dims,
  offsets and checkpoint mapping), so a change of the architecture or exporter cannot leave it stale;
- exporting with a smaller vocabulary and re-dimensioning (the memory-saving route used for the full size) gives
  the same template as exporting at the real vocabulary;
- every external initializer has a source, sources cover every used checkpoint key exactly once, and the only keys
  left unused are the decoder's cross-attention queries/keys and their layer norm."""
import json
import os

import numpy as np
import onnx

from concept_tools.sonar_templates import build_templates, official_config, quantize_blocks, template_id

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
    """The int8 variant: every tensor laid out without overlap, and each graph's vocabulary table stored once as int8:
    the encoder's embedding per row ([D, V] + a float32 scale per row), the decoder's embedding = its tied head in
    blocks of 32 ([V, D / 32, 32] uint8 + a float32 scale per block), read by the lookup and by the head."""
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    with open(os.path.join(COMMITTED, template_id(cfg), "template.json"), encoding="utf-8") as f:
        t = json.load(f)
    v, d = cfg.vocab_size, cfg.model_dim
    want = {"encoder": [("int8-scale", [v], "float32"), ("transpose-int8", [d, v], "int8")],
            "decoder": [("int8-block-scale", [v * d // 32], "float32"), ("int8-blocks", [v, d // 32, 32], "uint8")]}
    for g in ("encoder", "decoder"):
        tensors = t["variants"]["int8"][g]["tensors"]
        end = 0
        for e in sorted(tensors, key=lambda e: e["offset"]):
            assert e["offset"] >= end and e["offset"] % 64 == 0
            end = e["offset"] + e["length"]
        assert end == t["variants"]["int8"][g]["data_bytes"]
        table = [e for e in tensors if e["source"]["key"].endswith("embed.weight")]
        assert sorted((e["source"]["transform"], e["dims"], e["dtype"]) for e in table) == want[g], g
        assert not any(v in e["dims"] and e["dtype"] == "float32" and not e["source"]["transform"].endswith("scale")
                       for e in tensors), g
    m = onnx.load(os.path.join(COMMITTED, template_id(cfg), "int8", "decoder.onnx"), load_external_data=False)
    ext = {t.name: {e.key: e.value for e in t.external_data} for t in m.graph.initializer}
    for part in ("__q8", "__qscale"):
        table = "dec.decoder_frontend.embed.weight" + part
        readers = [n.op_type for n in m.graph.node if table in n.input]
        head = [n.op_type for n in m.graph.node if table + "__prepacked" in n.input]
        # the lookup reads the table; the head reads it under its own name over the same bytes (prepacked_tables.py)
        assert readers == ["Gather"] and head == ["MatMulNBits"], part
        assert ext[table + "__prepacked"] == ext[table]


def test_int8_decoder_multiplies_in_blocks_and_the_encoder_per_tensor():
    """Every Linear weight of the int8 decoder is a MatMulNBits of 8 bits in blocks of 32 with int8 products
    (accuracy level 4), the head included; the encoder's are DynamicQuantizeLinear + MatMulInteger."""
    sp = _sp_size()
    cfg = official_config(sp + 1 + 202 + 3, 64, 2, 128)
    folder = os.path.join(COMMITTED, template_id(cfg), "int8")
    dec = onnx.load(os.path.join(folder, "decoder.onnx"), load_external_data=False)
    enc = onnx.load(os.path.join(folder, "encoder.onnx"), load_external_data=False)
    nbits = [n for n in dec.graph.node if n.op_type == "MatMulNBits"]
    assert len(nbits) == 6 * cfg.decoder_layers + 1
    for n in nbits:
        at = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        assert (at["bits"], at["block_size"], at["accuracy_level"]) == (8, 32, 4), n.name
    assert not any(n.op_type in ("MatMulInteger", "DynamicQuantizeLinear") for n in dec.graph.node)
    assert sum(n.op_type == "MatMulInteger" for n in enc.graph.node) == 6 * cfg.encoder_layers
    assert not any(n.op_type == "MatMulNBits" for n in enc.graph.node)
    assert not any(n.op_type == "MatMul" and n.input[1] in {i.name for i in dec.graph.initializer} for n in dec.graph.node)


def test_quantize_blocks_matches_its_definition():
    """scale = max|block| / 127 (1 for a zero block), value = round-half-even(w / scale) + 128, blocks along the input."""
    w = np.zeros((2, 64), np.float32)
    w[0, :4] = [127, 2.5, -1.5, 0.5]          # block 0 of row 0: scale 1
    w[0, 32:35] = [254, 3, -5]                  # block 1 of row 0: scale 2 -> 1.5 -> 2, -2.5 -> -2
    w[1, 40] = -0.254                           # row 1, block 0 all zero (scale 1), block 1: scale 0.002
    q, s = quantize_blocks(w, 32)
    assert q.shape == (2, 2, 32) and q.dtype == np.uint8 and s.shape == (4,)
    assert s.tolist() == [1.0, 2.0, 1.0, np.float32(np.float64(np.float32(0.254)) / 127)]
    assert q[0, 0, :5].tolist() == [255, 130, 126, 128, 128]
    assert q[0, 1, :4].tolist() == [255, 130, 126, 128]
    assert (q[1, 0] == 128).all() and q[1, 1, 8] == 1
