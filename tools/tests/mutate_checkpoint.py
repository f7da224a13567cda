#!/usr/bin/env python3
"""Damage or re-type an official-format SONAR checkpoint, for the converter's and downloader's refusal tests.

    /usr/bin/python3 tools/tests/mutate_checkpoint.py IN OUT [--drop KEY] [--grow KEY] [--extra KEY] [--half]
                                                                [--untie]"""
import argparse

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--drop", action="append", default=[], help="remove this tensor")
    ap.add_argument("--grow", action="append", default=[], help="add one row to this tensor")
    ap.add_argument("--extra", action="append", default=[], help="add an unexpected tensor")
    ap.add_argument("--half", action="store_true", help="store every tensor as float16")
    ap.add_argument("--untie", action="store_true", help="make final_proj.weight differ from the embedding")
    a = ap.parse_args()
    ckpt = torch.load(a.src, map_location="cpu")
    sd = ckpt["model"]
    for k in a.drop:
        del sd[k]
    for k in a.grow:
        sd[k] = torch.cat([sd[k], sd[k][:1]], dim=0)
    for k in a.extra:
        sd[k] = torch.zeros(3)
    if a.half:
        for k in sd:
            sd[k] = sd[k].half()
    if a.untie:
        sd["final_proj.weight"] = sd["final_proj.weight"].clone()
        sd["final_proj.weight"][5, 7] += 1.0
    torch.save(ckpt, a.dst)


if __name__ == "__main__":
    main()
