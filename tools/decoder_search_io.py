#!/usr/bin/env python3
"""Copy a SONAR pack with the search I/O of its decoder step graph added or removed (models/FORMAT.md): the top-k
outputs (`topk` -> `topk_logprobs`, `topk_ids`), the cross-attention cache (`past_cross` -> `present_cross`) and the
in-graph cache reordering (`beam_index`).

    /usr/bin/python3 tools/decoder_search_io.py add            models/mini/sonar /tmp/sonar-new   # upgrade an older pack
    /usr/bin/python3 tools/decoder_search_io.py remove         models/mini/sonar /tmp/sonar-old   # full rows, JS reordering
    /usr/bin/python3 tools/decoder_search_io.py remove-reorder models/mini/sonar /tmp/sonar-topk  # top-k, JS reordering
    /usr/bin/python3 tools/decoder_search_io.py remove-cross   models/mini/sonar /tmp/sonar-nocc  # constants every step

`add` gives an older pack what export_onnx.export_decoder now writes, without re-exporting from PyTorch; `remove`,
`remove-reorder` and `remove-cross` give the runtime's fallback paths (tests, bench). Weights are untouched; pack.json gets the roles and
new file hashes."""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import onnx  # noqa: E402

from concept_tools.cross_cache import PAST, PRESENT, remove_cross_cache  # noqa: E402
from concept_tools.export_onnx import (REORDER_INPUT, TOPK_IDS, TOPK_INPUT, TOPK_VALUES, add_search_io,  # noqa: E402
                                       remove_decoder_reorder, remove_search_io)
from concept_tools.pack import write_pack  # noqa: E402


def cache_inputs(g: dict) -> list[str]:
    return [g["inputs"][role].replace("{i}", str(i)) for i in range(g["layers"]) for role in ("past_key", "past_value")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=["add", "remove", "remove-reorder", "remove-cross"])
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
        add_search_io(m, cache_inputs(g), g["outputs"]["logprobs"])
        g["inputs"].update({"topk": TOPK_INPUT, "beam_index": REORDER_INPUT, "past_cross": PAST})
        g["outputs"].update({"topk_logprobs": TOPK_VALUES, "topk_ids": TOPK_IDS, "present_cross": PRESENT})
    elif a.action == "remove":
        remove_search_io(m)
        for role in ("topk", "beam_index", "past_cross"):
            g["inputs"].pop(role, None)
        for role in ("topk_logprobs", "topk_ids", "present_cross"):
            g["outputs"].pop(role, None)
    elif a.action == "remove-cross":
        remove_cross_cache(m)
        g["inputs"].pop("past_cross", None)
        g["outputs"].pop("present_cross", None)
    else:
        remove_decoder_reorder(m)
        g["inputs"].pop("beam_index", None)
    onnx.save_model(m, path)
    meta.pop("files", None)
    meta.pop("format", None)
    write_pack(a.out, meta)
    print(json.dumps({"out": a.out, "action": a.action, "decoder": path}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
