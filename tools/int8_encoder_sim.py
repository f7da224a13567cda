#!/usr/bin/env python3
"""Which rounding of the int8 encoder costs what: the pack's fp32 encoder run with the int8 variant's arithmetic
simulated (concept_tools.fake_quant), one source of rounding at a time, each configuration's concepts compared with
fp32's (1 - cosine) and decoded greedily by the *fp32* decoder (identical outputs = what the encoder's drift alone
keeps; bench/lib/sonar-variants.ts measures the real int8 graphs, "fp32 decoder on its concepts").

    /usr/bin/python3 scripts/make-heldout-fixture.py --english-lines 300 > /tmp/h300.txt
    /usr/bin/python3 tools/int8_encoder_sim.py --pack models/mini/sonar --sentences /tmp/h300.txt   # ~2 min

Smoothing is calibrated on the measured sentences themselves: an upper bound on what it could give."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from concept_tools.fake_quant import fake_quantized, input_absmax, smoothing  # noqa: E402
from concept_tools.generate import greedy_batch  # noqa: E402
from concept_tools.onnx_weights import load_sonar_decoder, load_sonar_encoder  # noqa: E402
from concept_tools.tokenizer import SonarTokenizer  # noqa: E402
from concept_tools.train_sonar import pad  # noqa: E402

GROUPS = {"q, k, v": ("q_proj", "k_proj", "v_proj"), "attention output": ("self_attn.output_proj",),
          "ffn inner": ("inner_proj",), "ffn output": ("ffn.output_proj",)}


def encode(enc, ids: list[list[int]], batch: int) -> torch.Tensor:
    out = []
    with torch.no_grad():
        for b in range(0, len(ids), batch):
            out.append(enc(*pad(ids[b:b + batch])))
    return torch.cat(out)


def greedy(dec, emb: torch.Tensor, lang: int, max_len: int = 48) -> list[tuple]:
    out = []
    with torch.no_grad():
        for b in range(0, len(emb), 16):
            out += [tuple(o) for o in greedy_batch(dec, emb[b:b + 16], [lang] * len(emb[b:b + 16]), max_len=max_len)]
    return out


def configurations(enc, run_fp32):
    yield "float32, nothing rounded (control: the harness flips nothing by itself)", {"activations": None, "weights": None, "embedding": False}, 8
    yield "float32, one sentence per batch (control: padding changes nothing)", {"activations": None, "weights": None, "embedding": False}, 1
    yield "as the int8 variant (per-tensor activations, per-channel weights, per-row table)", {}, 8
    yield "the same, one sentence per batch (no padding in the range)", {}, 1
    yield "activations per row", {"activations": "row"}, 8
    yield "weights and table only (activations float32)", {"activations": None}, 8
    yield "activations only (weights and table float32)", {"weights": None, "embedding": False}, 8
    yield "the embedding table only", {"linears": False}, 8
    for label, names in GROUPS.items():
        yield f"{label} only (both roundings)", {"only": names, "embedding": False}, 8
    yield "smoothed (SmoothQuant, alpha 0.5, calibrated on these sentences)", {"smooth": smoothing(enc, input_absmax(enc, run_fp32))}, 8


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", default="models/mini/sonar")
    ap.add_argument("--sentences", required=True, help="one English sentence a line (held out: not UDHR)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    enc, dec = load_sonar_encoder(a.pack), load_sonar_decoder(a.pack)
    tok = SonarTokenizer(os.path.join(a.pack, "sentencepiece.model"))
    with open(a.sentences, encoding="utf-8") as f:
        sents = [s.strip() for s in f if s.strip()]
    ids = [tok.encode_source(s, "eng_Latn", 130) for s in sents]
    lang = tok.lang_id("eng_Latn")
    ref = encode(enc, ids, 8)
    ref_out = greedy(dec, ref, lang)
    print(f"{len(sents)} sentences, {a.pack}; fp32 decoder's greedy output on each configuration's concepts\n")
    print("| encoder arithmetic | 1 - cosine to fp32 (mean / max) | greedy identical |\n|---|---|---|")
    for label, kw, batch in configurations(enc, lambda: encode(enc, ids, 8)):
        with fake_quantized(enc, **kw):
            e = encode(enc, ids, batch)
        d = 1 - F.cosine_similarity(e, ref, dim=-1)
        same = sum(x == y for x, y in zip(greedy(dec, e, lang), ref_out))
        print(f"| {label} | {d.mean():.2e} / {d.max():.2e} | {same}/{len(sents)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
