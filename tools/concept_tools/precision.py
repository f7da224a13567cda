"""Which arithmetic training runs in: bf16 autocast (fp32 master weights, bf16 matrix products accumulated in fp32)
or plain fp32.

On CUDA bf16 always pays. On CPUs it depends on the chip: with AVX512-BF16 or AMX a bf16 matrix product of the mini
model's shapes ran 4.5x faster than fp32 on the 2-core machines this project trains on (AMD EPYC, 2026-12), while
CPUs without bf16 instructions emulate it and run slower than fp32. So `auto` measures it on the spot, with the
model's own layer shape, and chooses bf16 only when it is clearly faster."""
from __future__ import annotations

import functools
import time

import torch

MIN_GAIN = 1.5  # bf16 must beat fp32 by this much: rounding costs a little accuracy, a marginal gain is not worth it


def _best_of(fn, reps: int = 5) -> float:
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@functools.lru_cache(maxsize=None)
def cpu_bf16_gain(dim: int, ffn: int, rows: int = 2048, trials: int = 3) -> float:
    """fp32 time / bf16 time of one feed-forward projection (rows x dim -> ffn) on this CPU: the best of `trials`
    interleaved measurements, once per process. A single measurement read 0.73x and 0.80x on a CPU that measures
    3.8-4.1x the rest of the time (a transient stall of the bf16 kernel), which would have run a whole stage in fp32
    at a quarter of the speed; a CPU without bf16 instructions never measures a gain, so the best trial is safe."""
    x, w = torch.randn(rows, dim), torch.randn(ffn, dim)
    xb, wb = x.bfloat16(), w.bfloat16()
    gains = []
    with torch.no_grad():
        for _ in range(trials):
            fp32 = _best_of(lambda: torch.nn.functional.linear(x, w))
            bf16 = _best_of(lambda: torch.nn.functional.linear(xb, wb))
            gains.append(fp32 / bf16)
    return max(gains)


def choose(precision: str, device: str, dim: int, ffn: int, log=print) -> tuple[bool, str]:
    """(use bf16 autocast, a line for the logs and the model card) for `precision` in auto | bf16 | fp32."""
    if precision not in ("auto", "bf16", "fp32"):
        raise ValueError(f"precision must be auto, bf16 or fp32, not {precision!r}")
    if precision != "auto":
        return precision == "bf16", f"{precision} (asked for)"
    if device.startswith("cuda"):
        return True, "bf16 autocast (CUDA)"
    gain = cpu_bf16_gain(dim, ffn)
    use = gain >= MIN_GAIN
    line = (f"bf16 autocast: bf16 matrix products measured {gain:.1f}x faster than fp32 on this CPU" if use else
            f"fp32: bf16 matrix products measured {gain:.2f}x fp32 on this CPU (bf16 needs >= {MIN_GAIN}x)")
    log("precision: " + line)
    return use, line
