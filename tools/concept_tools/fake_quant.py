"""The int8 encoder's arithmetic simulated in PyTorch ("fake quantization"), to ask *which* rounding costs what
before changing a graph: each Linear of a module computes on activations and weights rounded as the int8 variant's
graph rounds them (sonar_templates._int8_variant), or on either one left in float32.

- activations: "tensor" = DynamicQuantizeLinear (one uint8 scale and zero point for the whole tensor, the range
  widened to include 0, round half to even); "row" = the same per row (per token); None = float32.
- weights: "channel" = quantize_per_channel's symmetric int8 per output channel; None = float32.
- the token embedding table: quantized per vocabulary row (the encoder's int8 lookup) when `embedding` is set.

A smoothing factor per input channel (SmoothQuant's migration, x / s and W * s: exact in float) can be given per
Linear, to see whether moving activation outliers into the weights helps before building it into a graph."""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from .sonar_templates import quantize_per_channel


def quantize_tensor(x: torch.Tensor) -> torch.Tensor:
    """x rounded as DynamicQuantizeLinear -> dequantize rounds it: uint8, one scale and zero point for all of x."""
    return _asymmetric_uint8(x, x.min(), x.max())


def quantize_rows(x: torch.Tensor) -> torch.Tensor:
    """The same with one scale and zero point per row (the last axis): a token no longer shares another's range."""
    return _asymmetric_uint8(x, x.amin(-1, keepdim=True), x.amax(-1, keepdim=True))


def _asymmetric_uint8(x, lo, hi):
    lo, hi = torch.clamp(lo, max=0), torch.clamp(hi, min=0)
    scale = ((hi - lo) / 255).clamp(min=torch.finfo(x.dtype).tiny)  # an all-zero row stays zero
    zp = torch.clamp(torch.round(-lo / scale), 0, 255)
    return (torch.clamp(torch.round(x / scale) + zp, 0, 255) - zp) * scale


def quantize_channels(w_out_in: torch.Tensor) -> torch.Tensor:
    """A Linear weight [out, in] rounded by the variant's own quantizer (sonar_templates.quantize_per_channel),
    dequantized."""
    q, scale = quantize_per_channel(w_out_in.detach().numpy())
    return torch.from_numpy(q.T.astype("float32") * scale[:, None])


ACTIVATIONS = {"tensor": quantize_tensor, "row": quantize_rows, None: lambda x: x}
WEIGHTS = {"channel": quantize_channels, None: lambda w: w}


@contextlib.contextmanager
def fake_quantized(module: torch.nn.Module, *, activations: str | None = "tensor", weights: str | None = "channel",
                   embedding: bool = True, linears: bool = True, only: tuple[str, ...] = (),
                   smooth: dict[str, torch.Tensor] | None = None):
    """Inside the block, every Linear of `module` (or those whose name contains one of `only`; none with
    `linears=False`) computes with the chosen rounding, and with `embedding` every `*.embed` table is rounded per
    vocabulary row; the module is restored on exit."""
    act, wq = ACTIVATIONS[activations], WEIGHTS[weights]
    patched, saved_tables = [], []
    for name, m in module.named_modules():
        if isinstance(m, torch.nn.Linear) and linears and (not only or any(o in name for o in only)):
            s = (smooth or {}).get(name)
            w = wq(m.weight.detach() if s is None else m.weight.detach() * s)  # once: the weights do not change

            def forward(x, m=m, s=s, w=w):
                return F.linear(act(x if s is None else x / s), w, m.bias)
            m.forward = forward
            patched.append(m)
        elif embedding and name.rsplit(".", 1)[-1] == "embed" and hasattr(m, "weight"):
            saved_tables.append((m, m.weight.data))
            m.weight.data = quantize_channels(m.weight.data)  # a row per vocabulary entry is an "output channel"
    try:
        yield
    finally:
        for m in patched:
            del m.forward  # back to the class's forward
        for m, table in saved_tables:
            m.weight.data = table


def input_absmax(module: torch.nn.Module, run) -> dict[str, torch.Tensor]:
    """The largest |input| per channel of each Linear of `module` while `run()` runs (calibration for smoothing)."""
    stats: dict[str, torch.Tensor] = {}
    hooks = []
    for name, m in module.named_modules():
        if isinstance(m, torch.nn.Linear):
            def hook(_m, inp, _out, name=name):
                a = inp[0].detach().abs().reshape(-1, inp[0].shape[-1]).amax(0)
                stats[name] = torch.maximum(stats[name], a) if name in stats else a
            hooks.append(m.register_forward_hook(hook))
    try:
        run()
    finally:
        for h in hooks:
            h.remove()
    return stats


def smoothing(module: torch.nn.Module, absmax: dict[str, torch.Tensor], alpha: float = 0.5) -> dict[str, torch.Tensor]:
    """SmoothQuant's factor per input channel: s = max|x|^alpha / max|W[:, j]|^(1 - alpha)."""
    linears = dict(module.named_modules())
    out = {}
    for name, a in absmax.items():
        w = linears[name].weight.detach().abs().amax(0)
        out[name] = (a.clamp(min=1e-5) ** alpha / w.clamp(min=1e-5) ** (1 - alpha)).clamp(min=1e-5)
    return out
