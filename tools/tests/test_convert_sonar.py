"""tools/convert_sonar.py on a random checkpoint written exactly in the official fairseq2 format.

Default (CI): the real 256,206-token vocabulary and tokenizer layout, d=256, 2+2 layers (fast, same code path).
CONCEPT_FULL_SIZE=1: the real SONAR shapes (d=1024, 24+24 layers, ffn 8192, ~7 GB fp32; minutes, ~16 GB RAM);
then the graphs go through ONNX external data. Set CONCEPT_CONVERT_DIR to keep the outputs somewhere specific."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from conftest import FULL_SIZE, ROOT, TOOLS, needs_ort, ort_run
import official_format as off

V, SP = 256206, 256000
D, LAYERS, FFN = (1024, 24, 8192) if FULL_SIZE else (256, 2, 1024)
ENG = 256047


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    base = os.environ.get("CONCEPT_CONVERT_DIR")
    work = base if base else str(tmp_path_factory.mktemp("sonar_convert"))
    os.makedirs(work, exist_ok=True)
    spm_path = os.path.join(work, "sentencepiece.source.256000.model")
    off.write_spm(spm_path, SP)
    paths = {}
    for seed, kind in enumerate(("encoder", "decoder")):
        sd = off.sonar_state_dict(kind, V, D, LAYERS, FFN, seed=seed)
        if LAYERS == 24:  # the documented tensor counts (research/sonar.md §5.3-5.4)
            assert len(sd) == (387 if kind == "encoder" else 628)
        paths[kind] = os.path.join(work, f"sonar_text_{kind}.pt")
        off.save_official(paths[kind], sd)
        del sd
        gc.collect()
    out = os.path.join(work, "pack")
    t0 = time.time()
    p = subprocess.run([sys.executable, os.path.join(TOOLS, "convert_sonar.py"), "--encoder", paths["encoder"],
                        "--decoder", paths["decoder"], "--spm", spm_path, "--out", out],
                       capture_output=True, text=True, cwd=ROOT)
    wall = time.time() - t0
    print(p.stdout[-6000:])
    assert p.returncode == 0, p.stderr[-4000:]
    return {"work": work, "out": out, "stdout": p.stdout, "wall": wall, **paths}


def test_pack_json(converted):
    from concept_tools.languages import CODES
    from concept_tools.pack import verify_pack
    with open(os.path.join(converted["out"], "pack.json")) as f:
        pack = json.load(f)
    assert pack["kind"] == "sonar" and pack["space"] == "sonar-v1" and pack["license"] == "CC-BY-NC-4.0"
    assert pack["dim"] == D and pack["format"] == 1
    tok = pack["tokenizer"]
    assert (tok["pad"], tok["unk"], tok["bos"], tok["eos"], tok["piece_offset"]) == (0, 1, 2, 3, 1)
    assert tok["lang_offset"] == 256001 and tok["vocab_size"] == V
    assert tok["languages"] == CODES and len(CODES) == 202
    assert tok["lang_offset"] + CODES.index("eng_Latn") == ENG
    assert tok["lang_offset"] + CODES.index("zul_Latn") == 256202
    with open(os.path.join(ROOT, "models", "sonar-languages.tsv")) as f:
        assert [l.split("\t")[0] for l in f.read().splitlines() if l] == tok["languages"]
    dec = pack["decoding"]
    assert dec["beam"] == 5 and dec["length_penalty"] == 1.0 and dec["banned_ids"] == [1]
    assert dec["max_tokens"] == 256 and dec["max_positions"] == 512
    g = pack["graphs"]["decoder"]
    assert (g["layers"], g["heads"], g["head_dim"]) == (LAYERS, D // 64, 64)
    assert pack["config"]["vocab_size"] == V and pack["config"]["ffn_dim"] == FFN
    assert verify_pack(converted["out"]) == []
    listed = {f["path"] for f in pack["files"]}
    present = {n for n in os.listdir(converted["out"]) if n != "pack.json"}
    assert listed == present, "stray files in the pack folder"
    expected = {"encoder.onnx", "decoder.onnx", "sentencepiece.model"}
    if FULL_SIZE:
        expected |= {"encoder.onnx.data", "decoder.onnx.data"}
    assert listed == expected
    for stage in ("loading encoder checkpoint", "config from shapes", "exporting ONNX", "[V,D]", "done in"):
        assert stage in converted["stdout"]


def test_embedding_table_once(converted):
    from concept_tools.convert_sonar import count_table, initializer_summary
    for g in ("encoder", "decoder"):
        summ = initializer_summary(os.path.join(converted["out"], f"{g}.onnx"))
        assert count_table(summ, V, D) == 1, g


def _encoder_inputs():
    a = [ENG, 10, 11, 12, 13, 14, 15, 3]
    b = [ENG, 20, 21, 22, 3]
    ids = np.array([a, b + [7, 9, 11]], dtype=np.int64)  # padding positions hold junk ids: the mask must hide them
    mask = np.array([[1] * 8, [1] * 5 + [0] * 3], dtype=np.int64)
    return ids, mask, np.array([b], dtype=np.int64), np.ones((1, 5), dtype=np.int64)


@needs_ort
def test_encoder_parity_onnxruntime_node(converted):
    from concept_tools.convert_sonar import load_checkpoint
    from concept_tools.sonar_model import SonarConfig, SonarTextEncoder, load_official_state_dict
    ids, mask, ids_b, mask_b = _encoder_inputs()
    st = load_checkpoint(converted["encoder"])
    cfg = SonarConfig(vocab_size=V, model_dim=D, num_heads=D // 64, ffn_dim=FFN, encoder_layers=LAYERS,
                      decoder_layers=LAYERS, dropout=0.0)
    enc = SonarTextEncoder(cfg).eval()
    load_official_state_dict(enc, st)
    del st
    with torch.no_grad():
        ref = enc(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    del enc
    gc.collect()
    r1, r2 = ort_run(os.path.join(converted["out"], "encoder.onnx"),
                     [{"input_ids": ids, "attention_mask": mask}, {"input_ids": ids_b, "attention_mask": mask_b}])
    emb = r1["sentence_embedding"]
    assert emb.shape == (2, D)
    assert np.abs(emb - ref).max() <= 1e-4, np.abs(emb - ref).max()
    # mean pooling ignores padding: the padded row equals the same sentence alone
    assert np.abs(r2["sentence_embedding"][0] - emb[1]).max() <= 1e-5
    print(f"encoder: sentence_embedding {list(emb.shape)}, max |ort - torch| = {np.abs(emb - ref).max():.2e}, "
          f"session load {r1['_meta']['_load_ms']} ms")


@needs_ort
def test_decoder_parity_onnxruntime_node(converted):
    from concept_tools.convert_sonar import load_checkpoint
    from concept_tools.sonar_model import SonarConfig, SonarTextDecoder, load_official_state_dict
    cfg = SonarConfig(vocab_size=V, model_dim=D, num_heads=D // 64, ffn_dim=FFN, encoder_layers=LAYERS,
                      decoder_layers=LAYERS, dropout=0.0)
    dec = SonarTextDecoder(cfg).eval()
    load_official_state_dict(dec, load_checkpoint(converted["decoder"]))
    g = torch.Generator().manual_seed(3)
    e = torch.randn(2, D, generator=g) * 0.1
    prefix = torch.tensor([[3, ENG], [3, 256057]])
    nxt = torch.tensor([[100], [200]])
    swap = [1, 0]  # the second step reads the cache's rows swapped, as a beam reordering does (`beam_index`)
    with torch.no_grad():
        lp1, past = dec.step(prefix, e, dec.empty_past(2))
        lp2, past2 = dec.step(nxt, e[swap], [tuple(x[swap] for x in layer) for layer in past])
    del dec
    gc.collect()
    h, hd = D // 64, 64
    run1 = {"input_ids": prefix.numpy(), "sentence_embedding": e.numpy()}
    for i in range(LAYERS):
        run1[f"past_key_{i}"] = np.zeros((2, h, 0, hd), np.float32)
        run1[f"past_value_{i}"] = np.zeros((2, h, 0, hd), np.float32)
    run1["beam_index"] = np.array([0, 1], np.int64)
    run1["past_cross"] = np.zeros((2, 0, D), np.float32)  # empty: the first step computes the constants
    run2 = {"input_ids": nxt.numpy(), "sentence_embedding": e[swap].numpy(), "beam_index": np.array(swap, np.int64)}
    for i in range(LAYERS):
        run2[f"past_key_{i}"] = f"prev:present_key_{i}"
        run2[f"past_value_{i}"] = f"prev:present_value_{i}"
    run2["past_cross"] = "prev:present_cross"  # reordered by beam_index in the graph, like the key/value caches
    run1["topk"] = run2["topk"] = np.array([5], np.int64)
    r1, r2 = ort_run(os.path.join(converted["out"], "decoder.onnx"), [run1, run2])
    # the search's top-k outputs: the 5 best of the graph's own logprobs, best first
    for r in (r1, r2):
        assert r["topk_ids"].shape == (2, 5)
        np.testing.assert_array_equal(np.take_along_axis(r["logprobs"], r["topk_ids"], axis=1), r["topk_logprobs"])
        np.testing.assert_array_equal(np.sort(r["logprobs"], axis=1)[:, ::-1][:, :5], r["topk_logprobs"])
    assert r1["logprobs"].shape == (2, V) and r2["logprobs"].shape == (2, V)
    assert r1["present_cross"].shape == (2, LAYERS, D)
    np.testing.assert_array_equal(r2["present_cross"], r1["present_cross"][swap])
    assert r1["present_key_0"].shape == (2, h, 2, hd) and r2[f"present_value_{LAYERS - 1}"].shape == (2, h, 3, hd)
    d1 = np.abs(r1["logprobs"] - lp1.numpy()).max()
    d2 = np.abs(r2["logprobs"] - lp2.numpy()).max()
    assert d1 <= 1e-4 and d2 <= 1e-4, (d1, d2)
    assert np.abs(r2[f"present_key_{LAYERS - 1}"] - past2[-1][0].numpy()).max() <= 1e-4
    print(f"decoder: logprobs {list(r1['logprobs'].shape)}, present_key_0 {list(r1['present_key_0'].shape)} -> "
          f"{list(r2['present_key_0'].shape)}, max |ort - torch| logprobs {d1:.2e} / {d2:.2e}, "
          f"session load {r1['_meta']['_load_ms']} ms")


def test_rejects_wrong_tokenizer(converted, tmp_path):
    """A SentencePiece model whose size does not give the checkpoint's vocabulary is refused."""
    from concept_tools.convert_sonar import main
    small = str(tmp_path / "small.model")
    off.write_spm(small, 8000)
    with pytest.raises(ValueError, match="wrong tokenizer"):
        main(["--encoder", converted["encoder"], "--decoder", converted["decoder"], "--spm", small,
              "--out", str(tmp_path / "x")])
