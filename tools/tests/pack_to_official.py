#!/usr/bin/env python3
"""Write a SONAR pack's weights (read from its ONNX graphs by concept_tools.onnx_weights) as checkpoints in the
official fairseq2 format, so the app's converter can be measured on a trained model (the bundled mini pack): drift
of the int8 variant (scripts/sonar-int8-drift.mts). The decoder's cross-attention queries/keys, which no step graph
holds, keep their random initial values (the converter checks them for presence and shape only).

    /usr/bin/python3 tools/tests/pack_to_official.py models/mini/sonar OUT_DIR"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402

from concept_tools.onnx_weights import load_sonar_decoder, load_sonar_encoder  # noqa: E402


def main():
    pack, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    enc = load_sonar_encoder(pack)
    dec = load_sonar_decoder(pack)
    torch.save({"model": {k: v.clone() for k, v in enc.state_dict().items()}}, os.path.join(out, "sonar_text_encoder.pt"))
    torch.save({"model": {k: v.clone() for k, v in dec.state_dict().items()}}, os.path.join(out, "sonar_text_decoder.pt"))
    c = enc.cfg
    print(f"{out} dim={c.model_dim} layers={c.encoder_layers}+{c.decoder_layers} ffn={c.ffn_dim} vocab={c.vocab_size}")


if __name__ == "__main__":
    main()
