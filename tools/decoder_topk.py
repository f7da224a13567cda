#!/usr/bin/env python3
"""Copy a SONAR pack with the top-k outputs of its decoder step graph added or removed (models/FORMAT.md).

    /usr/bin/python3 tools/decoder_topk.py add    models/mini/sonar /tmp/sonar-topk     # upgrade an older pack
    /usr/bin/python3 tools/decoder_topk.py remove models/mini/sonar /tmp/sonar-full     # a pack as before top-k

`add` gives an older pack what export_onnx.export_decoder now writes (one TopK over the graph's logprobs, K a graph
input), without re-exporting from PyTorch; `remove` gives the fallback path's pack (tests). Weights are untouched;
pack.json gets the roles and new file hashes."""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import onnx  # noqa: E402

from concept_tools.export_onnx import (TOPK_IDS, TOPK_INPUT, TOPK_VALUES, add_decoder_topk,  # noqa: E402
                                       remove_decoder_topk)
from concept_tools.pack import write_pack  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=["add", "remove"])
    ap.add_argument("pack", help="a SONAR pack folder (holds pack.json)")
    ap.add_argument("out", help="the new pack folder (must not exist)")
    a = ap.parse_args(argv)
    with open(os.path.join(a.pack, "pack.json"), encoding="utf-8") as f:
        meta = json.load(f)
    if meta.get("kind") != "sonar":
        ap.error(f"{a.pack} is not a SONAR pack (kind {meta.get('kind')!r})")
    if os.path.exists(a.out):
        ap.error(f"{a.out} exists: give a new folder")
    shutil.copytree(a.pack, a.out)
    g = meta["graphs"]["decoder"]
    path = os.path.join(a.out, g["file"])
    # the weights stay where they are (inline, or in the external-data file copied beside the graph)
    m = onnx.load(path, load_external_data=False)
    if a.action == "add":
        add_decoder_topk(m, g["outputs"]["logprobs"])
        g["inputs"]["topk"] = TOPK_INPUT
        g["outputs"].update({"topk_logprobs": TOPK_VALUES, "topk_ids": TOPK_IDS})
    else:
        remove_decoder_topk(m)
        g["inputs"].pop("topk", None)
        g["outputs"].pop("topk_logprobs", None)
        g["outputs"].pop("topk_ids", None)
    onnx.save_model(m, path)
    meta.pop("files", None)
    meta.pop("format", None)
    write_pack(a.out, meta)
    print(json.dumps({"out": a.out, "action": a.action, "decoder": path}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
