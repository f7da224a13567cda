#!/usr/bin/env python3
"""Write small random checkpoints in the official formats (SONAR fairseq2 encoder/decoder, large_concept_model
Base-LCM and Two-Tower, sonar_normalizer) for tests that drive the converters from outside Python.

    /usr/bin/python3 tools/tests/make_official_checkpoints.py --out DIR --spm TOKENIZER.model [--dim 64]"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402

import official_format as off  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--spm", required=True, help="vocabulary = pieces + 1 + 202 languages + 3")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=128)
    ap.add_argument("--lcm-dim", type=int, default=128)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    v = spm.SentencePieceProcessor(model_file=a.spm).get_piece_size() + 1 + 202 + 3
    for seed, kind in enumerate(("encoder", "decoder")):
        off.save_official(os.path.join(a.out, f"sonar_text_{kind}.pt"),
                          off.sonar_state_dict(kind, v, a.dim, a.layers, a.ffn, seed=seed))
    off.save_official(os.path.join(a.out, "base_lcm.pt"),
                      off.base_lcm_state_dict(sonar_dim=a.dim, model_dim=a.lcm_dim, heads_ffn_nominal=4 * a.lcm_dim,
                                              layers=a.layers, seed=3))
    off.save_official(os.path.join(a.out, "two_tower_lcm.pt"),
                      off.two_tower_state_dict(sonar_dim=a.dim, model_dim=a.lcm_dim, ffn_nominal=4 * a.lcm_dim,
                                               context_layers=a.layers, denoiser_layers=a.layers, seed=4))
    torch.save({"model": off.normalizer_state(a.dim, torch.Generator().manual_seed(5))},
               os.path.join(a.out, "normalizer.pt"))
    print(a.out)


if __name__ == "__main__":
    main()
