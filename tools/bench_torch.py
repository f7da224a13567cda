#!/usr/bin/env python3
"""PyTorch side of `npm run bench` (bench/README.md): the reference implementation of every benchmarked graph,
with the weights read from the pack's own ONNX files (concept_tools.onnx_weights), timed on the same inputs and with
the same thread count as the onnxruntime side.

Protocol: one JSON job per line on stdin, one JSON answer per line on stdout (`{"ok": true, ...}` or
`{"ok": false, "error": ...}`), until EOF. `echo '{"op": "hello", "threads": 2}' | python3 tools/bench_torch.py`
runs a single job. Thread count: `threads` of the first job (torch intra-op threads, one inter-op thread); BLAS
threads come from OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS, which bench/run.ts sets.

Timing policy (the same as bench/run.ts): `warmup` untimed runs, then runs until `budget_s` seconds have passed and
at least `min_reps` were made (at most `max_reps`); the median run time is reported with all samples.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from concept_tools.generate import EOS, beam_search, greedy_batch  # noqa: E402
from concept_tools.lcm_model import SamplerOptions, sample_next  # noqa: E402
from concept_tools.onnx_weights import (load_base_lcm, load_sonar_decoder, load_sonar_encoder,  # noqa: E402
                                        load_two_tower)

_models: dict = {}
_threads_set = False


def set_threads(n: int) -> None:
    global _threads_set
    if n and n > 0:
        torch.set_num_threads(n)
        if not _threads_set:
            try:
                torch.set_num_interop_threads(1)
            except RuntimeError:  # already set once parallel work started
                pass
    _threads_set = True


def measure(fn, job: dict) -> dict:
    warmup = int(job.get("warmup", 1))
    budget = float(job.get("budget_s", 1.0))
    min_reps = int(job.get("min_reps", 3))
    max_reps = int(job.get("max_reps", 1000))
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < max_reps and (len(samples) < min_reps or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(samples), "min_s": min(samples), "reps": len(samples), "samples": samples}


def model(kind: str, pack: str):
    key = (kind, os.path.abspath(pack))
    if key not in _models:
        loader = {"encoder": load_sonar_encoder, "decoder": load_sonar_decoder, "base": load_base_lcm,
                  "two-tower": load_two_tower}[kind]
        _models[key] = loader(pack)
    return _models[key]


def padded(batch: list[list[int]]):
    t = max(len(s) for s in batch)
    ids = torch.zeros(len(batch), t, dtype=torch.long)
    mask = torch.zeros(len(batch), t, dtype=torch.long)
    for r, s in enumerate(batch):
        ids[r, :len(s)] = torch.tensor(s)
        mask[r, :len(s)] = 1
    return ids, mask


# ------------------------------------------------------------------------------------------------------- ops
def op_hello(job):
    return {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
            "interop_threads": torch.get_num_interop_threads(), "python": sys.version.split()[0],
            "blas": os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")}


def _mkn(job) -> tuple[int, int, int]:
    n = int(job.get("n", 1024))
    return int(job.get("m", n)), int(job.get("k", n)), n


def op_matmul(job):
    """sgemm [m,k] @ [k,n] (m = k = n unless given): numpy (its BLAS) and torch.mm, GFLOP/s = 2mkn / median time."""
    m, k, n = _mkn(job)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    flops = 2.0 * m * k * n
    which = job.get("which", "both")
    out = {}
    if which in ("both", "numpy"):
        r = measure(lambda: a @ b, job)
        out["numpy"] = {**r, "gflops": flops / r["median_s"] / 1e9}
    if which in ("both", "torch"):
        with torch.inference_mode():
            r = measure(lambda: torch.mm(ta, tb), job)
        out["torch"] = {**r, "gflops": flops / r["median_s"] / 1e9}
        if which == "torch":
            out.update(r)  # top-level timing for compare()
    return out


def op_make_graphs(job):
    """ONNX graphs only the benchmark needs, written into job['dir']: one matmul graph per shape of `shapes`
    ([m, k, n]: A[m,k] @ B[k,n], B an initializer; default [[n, n, n]]) and, with `layer`, layer.onnx = a SONAR-shaped
    encoder of `layers` layer(s), random weights."""
    import onnx
    from onnx import helper, numpy_helper
    d = job["dir"]
    os.makedirs(d, exist_ok=True)
    n = int(job.get("n", 1024))
    rng = np.random.default_rng(1)
    out = {"matmuls": []}
    for m_, k, n_ in job.get("shapes") or [[n, n, n]]:
        b = rng.standard_normal((k, n_), dtype=np.float32)
        g = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul",
                              [helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, [m_, k])],
                              [helper.make_tensor_value_info("c", onnx.TensorProto.FLOAT, [m_, n_])],
                              [numpy_helper.from_array(b, "b")])
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        path = os.path.join(d, f"matmul_{m_}x{k}x{n_}.onnx")
        onnx.save(model, path)
        out["matmuls"].append({"shape": [m_, k, n_], "path": path})
    if job.get("layer"):
        from concept_tools import export_onnx
        from concept_tools.sonar_model import SonarConfig, SonarTextEncoder
        lc = job["layer"]
        torch.manual_seed(0)
        cfg = SonarConfig(vocab_size=int(lc.get("vocab", 1024)), model_dim=int(lc["dim"]), num_heads=int(lc["heads"]),
                          ffn_dim=int(lc["ffn"]), encoder_layers=int(lc.get("layers", 1)), decoder_layers=1,
                          max_seq_len=int(lc.get("max_seq_len", 514)), dropout=0.0)
        enc = SonarTextEncoder(cfg).eval()
        path = os.path.join(d, "layer.onnx")
        export_onnx.export_encoder(enc, path)
        torch.save(enc.state_dict(), os.path.join(d, "layer.pt"))
        out["layer"] = path
        out["layer_config"] = cfg.to_dict()
    return out


def op_encoder(job):
    """Encode the given batches (lists of token-id lists, already grouped as the engine groups them) with the pack's
    encoder; one timed run = all batches. Returns the embeddings of the last run (for the parity check)."""
    enc = model("encoder", job["pack"])
    batches = [padded(b) for b in job["batches"]]
    res = {}

    def run():
        res["embs"] = [enc(ids, mask) for ids, mask in batches]

    with torch.inference_mode():
        r = measure(run, job)
    out = {**r}
    if job.get("return_embeddings"):
        out["embeddings"] = [e.tolist() for e in res["embs"]]
    return out


def op_full_layer(job):
    """The SONAR-shaped encoder written by make_graphs, same weights, same input."""
    from concept_tools.sonar_model import SonarConfig, SonarTextEncoder
    key = ("full_layer", job["weights"])
    if key not in _models:
        enc = SonarTextEncoder(SonarConfig(**job["config"])).eval()
        enc.load_state_dict(torch.load(job["weights"]))
        _models[key] = enc
    enc = _models[key]
    ids, mask = padded(job["batch"])
    with torch.inference_mode():
        r = measure(lambda: enc(ids, mask), job)
        emb = enc(ids, mask)
    return {**r, "embedding0": emb[0, :8].tolist()}


def op_decoder(job):
    """Decode N embeddings with the reference generate.py: greedy_batch (batched) or beam_search (one input at a
    time: the reference has no batched beam search). Tokens = content tokens of the best hypothesis + its EOS."""
    dec = model("decoder", job["pack"])
    embs = torch.tensor(job["embeddings"], dtype=torch.float32)
    lang = int(job["lang_id"])
    max_len = int(job["max_len"])
    mode = job["mode"]
    res = {}

    def run():
        if mode == "greedy":
            res["tokens"] = greedy_batch(dec, embs, [lang] * embs.shape[0], max_len=max_len)
        else:
            toks = []
            for e in embs:
                best = beam_search(dec, e, lang, beam=int(job.get("beam", 5)), max_len=max_len,
                                   len_penalty=float(job.get("length_penalty", 1.0)))[0]
                toks.append([t for t in best[0][2:] if t != EOS])
            res["tokens"] = toks
    r = measure(run, job)
    return {**r, "tokens": res["tokens"]}


def select_sentences(embs: np.ndarray, k: int, lam: float = 0.7) -> list[int]:
    """The engine's extractive selection (main/engine/tasks/extractive.ts, centroid centrality + MMR)."""
    u = embs / np.maximum(np.linalg.norm(embs, axis=1, keepdims=True), 1e-12)
    c = u.sum(0)
    c = c / max(np.linalg.norm(c), 1e-12)
    cent = u @ c
    n = len(u)
    red = np.full(n, -np.inf)
    taken = np.zeros(n, bool)
    chosen = []
    for _ in range(min(k, n)):
        score = lam * cent - (1 - lam) * np.where(np.isinf(red), 0.0, red)
        score[taken] = -np.inf
        best = int(np.argmax(score))
        taken[best] = True
        chosen.append(best)
        red = np.maximum(red, u @ u[best])
    return sorted(chosen)


def plan_batches(lengths: list[int], max_tokens: int = 8192, max_size: int = 64) -> list[list[int]]:
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches, cur, cur_max = [], [], 0
    for i in order:
        nm = max(cur_max, lengths[i])
        if cur and (len(cur) + 1 > max_size or nm * (len(cur) + 1) > max_tokens):
            batches.append(cur)
            cur, cur_max = [], 0
        cur.append(i)
        cur_max = max(cur_max, lengths[i])
    if cur:
        batches.append(cur)
    return batches


def op_e2e(job):
    """One document: tokenize its sentences (segmented by the engine), encode in length batches, pick k sentences
    (extractive), beam-decode each into the target language, detokenize. One timed run = the whole document."""
    from concept_tools.tokenizer import SonarTokenizer
    pack = json.load(open(os.path.join(job["pack"], "pack.json"), encoding="utf-8"))
    tk = pack["tokenizer"]
    tok = SonarTokenizer(os.path.join(job["pack"], tk["file"]), tk["languages"])
    enc = model("encoder", job["pack"])
    dec = model("decoder", job["pack"])
    tgt = tok.lang_id(job["to"])
    max_len = int(job["max_len"])
    sentences, lang, k = job["sentences"], job["lang"], int(job["k"])
    res = {}

    def run():
        ids = [tok.encode_source(s, lang, tk.get("max_source_tokens")) for s in sentences]
        embs = [None] * len(ids)
        with torch.inference_mode():
            for b in plan_batches([len(x) for x in ids]):
                x, m = padded([ids[i] for i in b])
                for i, e in zip(b, enc(x, m)):
                    embs[i] = e
        e = torch.stack(embs)
        pick = select_sentences(e.numpy(), k)
        texts = []
        for i in pick:
            best = beam_search(dec, e[i], tgt, beam=5, max_len=max_len)[0]
            texts.append(tok.decode(best[0]))
        res.update(pick=pick, texts=texts, ids=ids)
    r = measure(run, job)
    return {**r, "pick": res["pick"], "texts": res["texts"], "ids": res["ids"]}


class _CountingDenoiser(torch.nn.Module):
    """Counts runs; with split=True the doubled [cond; uncond] batch runs as two separate calls."""

    def __init__(self, den, split: bool):
        super().__init__()
        self.den, self.split, self.calls = den, split, 0

    def forward(self, x_t, t, context, keep):
        if not self.split:
            self.calls += 1
            return self.den(x_t, t, context, keep)
        b = x_t.shape[0] // 2
        self.calls += 2
        return torch.cat([self.den(x_t[:b], t[:b], context[:b], keep[:b]),
                          self.den(x_t[b:], t[b:], context[b:], keep[b:])], 0)


def op_lcm(job):
    """Generate `len(noises)` (two-tower) or `n` (base) concepts after a raw prefix, each appended to the prefix
    (no stopping rule). One timed run = the whole generation; seconds per concept = median / count."""
    variant = job["variant"]
    prefix0 = torch.tensor(job["prefix"], dtype=torch.float32)
    res = {}
    if variant == "base":
        m = model("base", job["pack"])
        n = int(job["n"])
        max_len = m.cfg.max_seq_len

        def run():
            p = prefix0
            outs = []
            for _ in range(n):
                x = m.normalizer.normalize(p[-max_len:])[None]
                nxt = m.normalizer.denormalize(m(x)[0, -1])
                outs.append(nxt)
                p = torch.cat([p, nxt[None]], 0)
            res["outs"] = outs
        with torch.inference_mode():
            r = measure(run, job)
        return {**r, "count": n, "outputs": [o.tolist() for o in res["outs"]]}

    m = model("two-tower", job["pack"])
    s = job.get("sampler", {})
    opts = SamplerOptions(**{k: v for k, v in s.items() if k in SamplerOptions.__dataclass_fields__})
    noises = [torch.tensor(z, dtype=torch.float32).reshape(1, 1, -1) for z in job["noises"]]
    orig = m.denoiser
    counting = _CountingDenoiser(orig, job.get("guidance") == "separate")
    max_len = m.cfg.max_seq_len

    def run():
        p = prefix0
        outs = []
        counting.calls = 0
        for z in noises:
            ctx = m.contextualizer(m.normalizer.normalize(p[-max_len:])[None])
            x0 = sample_next(m, ctx, z * opts.initial_noise_scale, opts)
            nxt = m.normalizer.denormalize(x0[0, 0])
            outs.append(nxt)
            p = torch.cat([p, nxt[None]], 0)
        res["outs"] = outs
        res["calls"] = counting.calls
    m.denoiser = counting
    try:
        with torch.inference_mode():
            r = measure(run, job)
    finally:
        m.denoiser = orig
    return {**r, "count": len(noises), "denoiser_calls": res["calls"], "outputs": [o.tolist() for o in res["outs"]]}


OPS = {"hello": op_hello, "matmul": op_matmul, "make_graphs": op_make_graphs, "encoder": op_encoder,
       "full_layer": op_full_layer, "decoder": op_decoder, "e2e": op_e2e, "lcm": op_lcm}


def main() -> int:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            job = json.loads(line)
            set_threads(int(job.get("threads", 0)))
            t0 = time.perf_counter()
            out = {"ok": True, **OPS[job["op"]](job), "wall_s": time.perf_counter() - t0}
        except Exception as e:  # noqa: BLE001 - reported to the caller
            out = {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
