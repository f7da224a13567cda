"""An independent functional re-statement of facebookresearch/large_concept_model's inference math, written against
*their* state-dict names and following their modules step by step (fairseq2 0.3 RotaryEncoder with complex
numbers, RMSNorm, GLUFeedForwardNetwork, LCMDenoiserLayer with AdaLNModulator's chunk-of-chunks, DiT timestep
encoder, zero row prepended to the conditioning variables). The converter test checks our mapped modules and the
exported graphs against it, so a wrong key, permutation or chunk order shows up as a numeric mismatch."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _lin(sd, p, x):
    return F.linear(x, sd[p + ".weight"], sd.get(p + ".bias"))


def _rms(sd, p, x, eps=1e-5):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).type_as(x) * sd[p + ".weight"]


def _rotary(x, theta=10000.0):
    """fairseq2 RotaryEncoder: (*, S, E) -> complex pairs (x[2i], x[2i+1]) times polar(1, pos * theta^(-2i/E))."""
    s, e = x.shape[-2], x.shape[-1]
    steps = torch.arange(s, dtype=torch.float32)
    idx = torch.arange(0, e, 2, dtype=torch.float32)
    freqs = torch.polar(torch.ones(s, e // 2), torch.outer(steps, 1.0 / (theta ** (idx / e))))
    c = torch.view_as_complex(x.float().unflatten(-1, (-1, 2)).contiguous()) * freqs
    return torch.view_as_real(c).flatten(-2).type_as(x)


def _mha(sd, p, x, kv, heads, mask=None, rope=False):
    q = _lin(sd, p + ".q_proj", x).unflatten(-1, (heads, -1)).transpose(1, 2)
    k = _lin(sd, p + ".k_proj", kv).unflatten(-1, (heads, -1)).transpose(1, 2)
    v = _lin(sd, p + ".v_proj", kv).unflatten(-1, (heads, -1)).transpose(1, 2)
    if rope:
        q, k = _rotary(q), _rotary(k)
    w = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        w = w + mask
    a = torch.softmax(w, -1) @ v
    return _lin(sd, p + ".output_proj", a.transpose(1, 2).flatten(2, 3))


def _glu(sd, p, x):
    return _lin(sd, p + ".output_proj", F.silu(_lin(sd, p + ".gate_proj", x)) * _lin(sd, p + ".inner_proj", x))


def _causal_stack(sd, p, x, heads):
    s = x.shape[1]
    mask = torch.full((s, s), float("-inf")).triu(1)
    i = 0
    while f"{p}.layers.{i}.self_attn_layer_norm.weight" in sd:
        lp = f"{p}.layers.{i}"
        x = x + _mha(sd, lp + ".self_attn", _rms(sd, lp + ".self_attn_layer_norm", x),
                     _rms(sd, lp + ".self_attn_layer_norm", x), heads, mask, rope=True)
        x = x + _glu(sd, lp + ".ffn", _rms(sd, lp + ".ffn_layer_norm", x))
        i += 1
    return _rms(sd, p + ".layer_norm", x)


def base_forward(sd, x_normalized, heads):
    """BaseLCModel.forward on normalized input (frontend -> lcm -> postnet)."""
    h = _lin(sd, "frontend.pre_linear", x_normalized)
    return _lin(sd, "postnet.fc", _causal_stack(sd, "lcm", h, heads))


def encode(sd, x_normalized, heads):
    """TwoTowerDiffusionLCModel.encode: encoder_frontend -> context_encoder."""
    return _causal_stack(sd, "context_encoder", _lin(sd, "encoder_frontend.pre_linear", x_normalized), heads)


def _timestep_embedding(t, dim=256, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def denoise(sd, x_t, t, context, context_lens, heads):
    """LCMDenoiser.forward at inference: x_t (B,1,D), t (B,) int, context (B,L,d), context_lens (B,) visible lengths."""
    b = x_t.shape[0]
    flat = t.view(-1, 1)
    temb = _lin(sd, "denoiser.embed_time.fc2", F.silu(_lin(sd, "denoiser.embed_time.fc1",
                                                               _timestep_embedding(flat))))
    temb = temb.view(b, 1, -1)
    cond = torch.cat([torch.zeros_like(context[:, 0:1]), context], dim=1)
    lk = cond.shape[1]
    key_mask = torch.where(torch.arange(lk)[None, :] < (context_lens[:, None] + 1), 0.0, float("-inf"))
    key_mask = key_mask[:, None, None, :]
    seqs = _lin(sd, "denoiser.initial_proj.fc", x_t)
    s = seqs.shape[1]
    self_mask = torch.eye(s).log()
    i = 0
    while f"denoiser.layers.{i}.self_attn_layer_norm.weight" in sd:
        p = f"denoiser.layers.{i}"
        mod_san, mod_cross, mod_ffn = _lin(sd, p + ".modulator.fc", F.silu(temb)).chunk(3, dim=-1)
        shift, scale, gate = mod_san.chunk(3, dim=-1)
        y = _rms(sd, p + ".self_attn_layer_norm", seqs) * (1 + scale) + shift
        seqs = seqs + gate * _mha(sd, p + ".self_attn", y, y, heads, self_mask)
        shift, scale, gate = mod_cross.chunk(3, dim=-1)
        y = _rms(sd, p + ".cross_attention_layer_norm", seqs) * (1 + scale) + shift
        seqs = seqs + gate * _mha(sd, p + ".cross_attention", y, cond, heads, key_mask)
        shift, scale, gate = mod_ffn.chunk(3, dim=-1)
        y = _rms(sd, p + ".ffn_layer_norm", seqs) * (1 + scale) + shift
        seqs = seqs + gate * _glu(sd, p + ".ffn", y)
        i += 1
    return _lin(sd, "denoiser.final_proj.fc", _rms(sd, "denoiser.layer_norm", seqs))
