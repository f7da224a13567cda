"""Shared helpers: import path for tools/, and a bridge to onnxruntime-node (the runtime the app uses)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
sys.path.insert(0, HERE)

FULL_SIZE = os.environ.get("CONCEPT_FULL_SIZE") == "1"


def save_graph(m, path: str, external: bool) -> None:
    """Save a test graph with its weights inline, or all of them in `<file>.data` beside it (as large packs are)."""
    import onnx
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if external:
        onnx.save_model(m, path, save_as_external_data=True, location=os.path.basename(path) + ".data",
                        size_threshold=0)
    else:
        onnx.save_model(m, path)


def have_ort_node() -> bool:
    return shutil.which("node") is not None and os.path.exists(os.path.join(ROOT, "node_modules", "onnxruntime-node"))


needs_ort = pytest.mark.skipif(not have_ort_node(), reason="node + onnxruntime-node not installed (npm ci)")

_NP = {"float32": np.float32, "int64": np.int64}


def ort_run(model: str, runs: list[dict], threads: int = 2, timeout: int = 1800) -> list[dict]:
    """Run `model` in onnxruntime-node once per entry of `runs` (each {name: np.ndarray}); an input given as the
    string "prev:<output>" takes that output of the previous run. Returns [{output: np.ndarray}] per run."""
    work = tempfile.mkdtemp(prefix="ort-")
    results = []
    prev = None
    try:
        for r, feeds in enumerate(runs):
            inputs = {}
            for name, val in feeds.items():
                if isinstance(val, str) and val.startswith("prev:"):
                    val = prev[val[5:]]
                arr = np.ascontiguousarray(val)
                typ = "int64" if arr.dtype.kind in "iu" else "float32"
                arr = arr.astype(_NP[typ])
                if typ == "float32":
                    f = os.path.join(work, f"in{r}_{name}.bin")
                    arr.tofile(f)
                    inputs[name] = {"type": typ, "dims": list(arr.shape), "file": f}
                else:
                    inputs[name] = {"type": typ, "dims": list(arr.shape), "data": arr.reshape(-1).tolist()}
            out = os.path.join(work, f"out{r}")
            spec = os.path.join(work, f"spec{r}.json")
            with open(spec, "w") as f:
                json.dump({"model": os.path.abspath(model), "out": out, "threads": threads, "inputs": inputs}, f)
            p = subprocess.run(["node", os.path.join(HERE, "ort_run.mjs"), spec], cwd=ROOT, capture_output=True,
                               text=True, timeout=timeout)
            if p.returncode != 0:
                raise RuntimeError(f"onnxruntime-node failed on {model}:\n{p.stderr[-3000:]}")
            with open(os.path.join(out, "outputs.json")) as f:
                meta = json.load(f)
            res = {"_meta": {k: v for k, v in meta.items() if k.startswith("_")}}
            for name, m in meta.items():
                if name.startswith("_"):
                    continue
                a = np.fromfile(os.path.join(out, f"{name}.bin"), dtype=_NP[m["type"]])
                res[name] = a.reshape(m["dims"])
            results.append(res)
            prev = res
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
