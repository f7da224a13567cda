"""Large Concept Model architectures (research/lcm.md §2-4): robust normalizer, Base-LCM (MSE) and the Two-Tower
diffusion LCM (contextualizer + AdaLN-zero denoiser), noise schedules with zero terminal SNR, and the reference
DDIM sampler with classifier-free guidance used for fixtures and evaluation."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------- normalizer
class Normalizer(nn.Module):
    """normalize = (x - center) / scale; center = median, scale = IQR / 1.349 with the *true* quartiles
    (the reference script passes (0.25, 0.75) to sklearn, which reads them as percentiles: lcm.md §2 caveat 1)."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("center", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(dim))

    @torch.no_grad()
    def fit(self, x: torch.Tensor) -> None:
        q = torch.quantile(x.float(), torch.tensor([0.25, 0.5, 0.75]), dim=0)
        self.center.copy_(q[1])
        self.scale.copy_(((q[2] - q[0]) / 1.349).clamp_min(1e-8))

    def normalize(self, x):
        return (x - self.center) / self.scale

    def denormalize(self, x):
        return x * self.scale + self.center


# ----------------------------------------------------------------------------------------------- blocks
class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * self.weight


def rope_tables(max_len: int, head_dim: int, theta: float = 10000.0):
    inv = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    ang = torch.arange(max_len, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Interleaved-pair (complex) convention: (x[2i], x[2i+1]) rotated by pos * theta^(-2i/d). x (B,H,L,hd)."""
    b, h, l, d = x.shape
    xp = x.reshape(b, h, l, d // 2, 2)
    x0, x1 = xp[..., 0], xp[..., 1]
    c, s = cos[:l][None, None], sin[:l][None, None]
    return torch.stack([x0 * c - x1 * s, x0 * s + x1 * c], dim=-1).reshape(b, h, l, d)


def swiglu_inner(nominal: int) -> int:
    """fairseq2: scale the nominal inner size by 2/3 and round up to a multiple of 256 (8192 -> 5632)."""
    return int(math.ceil(nominal * 2 / 3 / 256) * 256)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, kv_dim: int | None = None):
        super().__init__()
        kv_dim = kv_dim or dim
        self.heads, self.head_dim = heads, dim // heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(kv_dim, dim)
        self.v_proj = nn.Linear(kv_dim, dim)
        self.output_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.output_proj.weight)

    def _split(self, x):
        b, l, _ = x.shape
        return x.view(b, l, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, kv, bias, rope=None):
        q, k, v = self._split(self.q_proj(x)), self._split(self.k_proj(kv)), self._split(self.v_proj(kv))
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        s = torch.matmul(q, k.transpose(-1, -2)) * self.head_dim ** -0.5
        if bias is not None:
            s = s + bias
        o = torch.matmul(torch.softmax(s, dim=-1), v)
        b, h, l, d = o.shape
        return self.output_proj(o.transpose(1, 2).reshape(b, l, h * d))


class SwiGLU(nn.Module):
    def __init__(self, dim: int, nominal_inner: int):
        super().__init__()
        inner = swiglu_inner(nominal_inner)
        self.gate_proj = nn.Linear(dim, inner)
        self.inner_proj = nn.Linear(dim, inner)
        self.output_proj = nn.Linear(inner, dim)

    def forward(self, x):
        return self.output_proj(F.silu(self.gate_proj(x)) * self.inner_proj(x))


class CausalLayer(nn.Module):
    def __init__(self, dim, heads, ffn, dropout):
        super().__init__()
        self.self_attn_layer_norm = RMSNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.ffn_layer_norm = RMSNorm(dim)
        self.ffn = SwiGLU(dim, ffn)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias, rope):
        y = self.self_attn_layer_norm(x)
        x = x + self.drop(self.self_attn(y, y, bias, rope))
        return x + self.drop(self.ffn(self.ffn_layer_norm(x)))


def causal_bias(l: int) -> torch.Tensor:
    return torch.full((l, l), torch.finfo(torch.float32).min).triu(1)[None, None]


class CausalTransformer(nn.Module):
    def __init__(self, dim, heads, ffn, layers, dropout, max_len):
        super().__init__()
        self.layers = nn.ModuleList([CausalLayer(dim, heads, ffn, dropout) for _ in range(layers)])
        self.layer_norm = RMSNorm(dim)
        cos, sin = rope_tables(max_len, dim // heads)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    def forward(self, x):
        bias = causal_bias(x.shape[1])
        for layer in self.layers:
            x = layer(x, bias, (self.rope_cos, self.rope_sin))
        return self.layer_norm(x)


# ----------------------------------------------------------------------------------------------- Base-LCM
@dataclass
class BaseLCMConfig:
    sonar_dim: int = 1024
    model_dim: int = 2048
    num_heads: int = 16
    ffn_dim: int = 8192
    layers: int = 32
    dropout: float = 0.1
    max_seq_len: int = 4096

    def to_dict(self):
        return asdict(self)


class BaseLCM(nn.Module):
    """PreNet Linear -> causal RMSNorm/RoPE/SwiGLU decoder -> PostNet Linear, on *normalized* concepts:
    output position i predicts concept i+1."""

    def __init__(self, cfg: BaseLCMConfig):
        super().__init__()
        self.cfg = cfg
        self.prenet = nn.Linear(cfg.sonar_dim, cfg.model_dim)
        self.decoder = CausalTransformer(cfg.model_dim, cfg.num_heads, cfg.ffn_dim, cfg.layers, cfg.dropout,
                                         cfg.max_seq_len)
        self.postnet = nn.Linear(cfg.model_dim, cfg.sonar_dim)
        self.normalizer = Normalizer(cfg.sonar_dim)

    def forward(self, concepts: torch.Tensor) -> torch.Tensor:
        return self.postnet(self.decoder(self.prenet(concepts)))


# ----------------------------------------------------------------------------------------------- Two-Tower
@dataclass
class TwoTowerConfig:
    sonar_dim: int = 1024
    model_dim: int = 2048
    num_heads: int = 16
    ffn_dim: int = 8192
    context_layers: int = 5
    denoiser_layers: int = 13
    dropout: float = 0.1
    max_seq_len: int = 4096
    num_train_steps: int = 100
    schedule: str = "cosine"
    schedule_args: dict = field(default_factory=dict)
    cfg_dropout: float = 0.15

    def to_dict(self):
        return asdict(self)


def timestep_code(t: torch.Tensor, dim: int = 256) -> torch.Tensor:
    """DiT-style sinusoidal code of the integer timestep, cos first: [cos(t f_k), sin(t f_k)]."""
    half = dim // 2
    f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    a = t.float()[..., None] * f
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


class TimestepEmbedder(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(256, dim)
        self.fc2 = nn.Linear(dim, dim)
        for m in (self.fc1, self.fc2):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)

    def forward(self, t):
        return self.fc2(F.silu(self.fc1(timestep_code(t))))


class DenoiserLayer(nn.Module):
    """Self-attention (diagonal mask), cross-attention over [0-vector; context], SwiGLU; each AdaLN-zero modulated."""

    def __init__(self, dim, heads, ffn, dropout):
        super().__init__()
        self.self_attn_layer_norm = RMSNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.cross_attn_layer_norm = RMSNorm(dim)
        self.cross_attn = Attention(dim, heads)
        self.ffn_layer_norm = RMSNorm(dim)
        self.ffn = SwiGLU(dim, ffn)
        self.modulator = nn.Linear(dim, 9 * dim)
        nn.init.zeros_(self.modulator.weight)
        nn.init.zeros_(self.modulator.bias)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, temb, kv, cross_bias):
        mod = self.modulator(F.silu(temb)).chunk(9, dim=-1)  # temb (B,L,d)

        def adaln(norm, i):
            return norm(x) * (1 + mod[3 * i + 1]) + mod[3 * i]

        y = adaln(self.self_attn_layer_norm, 0)
        # a diagonal-only mask: each position attends to itself, so attention weights are exactly 1
        l = x.shape[1]
        ar = torch.arange(l)
        diag = torch.where(ar[:, None] == ar[None, :], torch.zeros(()), torch.full((), torch.finfo(torch.float32).min))
        x = x + mod[2] * self.drop(self.self_attn(y, y, diag[None, None]))
        y = adaln(self.cross_attn_layer_norm, 1)
        x = x + mod[5] * self.drop(self.cross_attn(y, kv, cross_bias))
        y = adaln(self.ffn_layer_norm, 2)
        return x + mod[8] * self.drop(self.ffn(y))


class Contextualizer(nn.Module):
    def __init__(self, cfg: TwoTowerConfig):
        super().__init__()
        self.prenet = nn.Linear(cfg.sonar_dim, cfg.model_dim)
        self.decoder = CausalTransformer(cfg.model_dim, cfg.num_heads, cfg.ffn_dim, cfg.context_layers, cfg.dropout,
                                         cfg.max_seq_len)

    def forward(self, concepts):
        return self.decoder(self.prenet(concepts))


class Denoiser(nn.Module):
    def __init__(self, cfg: TwoTowerConfig):
        super().__init__()
        self.prenet = nn.Linear(cfg.sonar_dim, cfg.model_dim)
        self.timestep_embedder = TimestepEmbedder(cfg.model_dim)
        self.layers = nn.ModuleList([DenoiserLayer(cfg.model_dim, cfg.num_heads, cfg.ffn_dim, cfg.dropout)
                                     for _ in range(cfg.denoiser_layers)])
        self.layer_norm = RMSNorm(cfg.model_dim)
        self.postnet = nn.Linear(cfg.model_dim, cfg.sonar_dim)

    def forward(self, x_t, t, context, cross_keep):
        """x_t (B,L,D); t (B,L) int; context (B,Lc,d); cross_keep (B,L,Lc) 1 where row i may see context j.
        The literal zero row prepended to the context is always visible (its keys/values are the biases)."""
        b = context.shape[0]
        kv = torch.cat([torch.zeros(b, 1, context.shape[2], dtype=context.dtype), context], dim=1)
        keep = torch.cat([torch.ones_like(cross_keep[..., :1]), cross_keep], dim=-1).float()
        bias = ((1.0 - keep) * torch.finfo(torch.float32).min)[:, None]
        temb = self.timestep_embedder(t)
        h = self.prenet(x_t)
        for layer in self.layers:
            h = layer(h, temb, kv, bias)
        return self.postnet(self.layer_norm(h))


class TwoTowerLCM(nn.Module):
    def __init__(self, cfg: TwoTowerConfig):
        super().__init__()
        self.cfg = cfg
        self.contextualizer = Contextualizer(cfg)
        self.denoiser = Denoiser(cfg)
        self.normalizer = Normalizer(cfg.sonar_dim)
        self.register_buffer("alphas_cumprod", make_schedule(cfg.schedule, cfg.num_train_steps,
                                                             **cfg.schedule_args), persistent=False)


# ----------------------------------------------------------------------------------------------- schedules
def _betas_from_alpha_bar(fn, T: int, max_beta: float = 0.999) -> torch.Tensor:
    return torch.tensor([min(1 - fn((i + 1) / T) / fn(i / T), max_beta) if fn(i / T) > 0 else max_beta for i in range(T)], dtype=torch.float64)


def rescale_zero_terminal_snr(betas: torch.Tensor) -> torch.Tensor:
    """Lin et al. 2024: shift sqrt(alpha_bar) so its last value is 0, scale so the first is unchanged."""
    ab_sqrt = torch.cumprod(1 - betas, 0).sqrt()
    a0, aT = ab_sqrt[0].clone(), ab_sqrt[-1].clone()
    ab_sqrt = (ab_sqrt - aT) * a0 / (a0 - aT)
    ab = ab_sqrt ** 2
    alphas = torch.cat([ab[0:1], ab[1:] / ab[:-1]])
    return 1 - alphas


def make_schedule(name: str, T: int = 100, beta_start: float = 1e-4, beta_end: float = 0.02,
                  sigmoid_scale: float = 1.5, sigmoid_center: float = 0.0) -> torch.Tensor:
    """alpha_bar_t (float32, length T) for cosine | quadratic | sigmoid, always with zero terminal SNR."""
    if name == "cosine":
        betas = _betas_from_alpha_bar(lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2, T)
    elif name == "quadratic":
        betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, T, dtype=torch.float64) ** 2
    elif name == "sigmoid":
        def ab(u):
            u = min(max(u, 1e-32), 1 - 1e-32)
            if u >= 1.0:  # 1 - 1e-32 rounds to 1 in float64: logit = +inf, alpha_bar = 0
                return 0.0
            return 1 / (1 + math.exp(-(sigmoid_center - sigmoid_scale * math.log(u / (1 - u)))))
        betas = _betas_from_alpha_bar(ab, T)
    else:
        raise ValueError(f"unknown schedule {name}")
    betas = rescale_zero_terminal_snr(betas)
    return torch.cumprod(1 - betas, 0).float()


def timesteps(T: int, S: int, spacing: str = "trailing") -> list[int]:
    """'trailing': the reference code's list t = T-1-k*i (k = T//S) while >= 0 (T=100, S=40 -> 99, 97, ..., 1);
    'paper': round(flip(arange(T, 0, -T/S))) made 0-based, S distinct steps."""
    if spacing == "trailing":
        k = T // S
        return [T - 1 - k * i for i in range(T) if T - 1 - k * i >= 0]
    if spacing == "paper":
        vals = sorted({int(round(T - i * T / S)) - 1 for i in range(S)}, reverse=True)
        return [v for v in vals if v >= 0]
    raise ValueError(spacing)


# ----------------------------------------------------------------------------------------------- sampler
@dataclass
class SamplerOptions:
    steps: int = 40
    spacing: str = "trailing"
    guidance_scale: float = 3.0
    guidance_rescale: float = 0.7
    initial_noise_scale: float = 0.6
    epsilon_scaling: float | None = 1.00045
    eta: float = 0.0
    clip_noise: float = 100.0


@torch.no_grad()
def sample_next(model: TwoTowerLCM, context: torch.Tensor, z: torch.Tensor, opts: SamplerOptions,
                step_noise: list[torch.Tensor] | None = None, trajectory: list | None = None) -> torch.Tensor:
    """One next concept (normalized space) for a batch. context (B,L,d) from the contextualizer over the normalized
    prefix; z (B,1,D) is the initial noise already multiplied by the initial noise scale. Conditional and
    unconditional halves run as one doubled batch (research/lcm.md §4.6). Returns x0_hat of the last step."""
    ab = model.alphas_cumprod
    T = ab.shape[0]
    b, l, _ = context.shape
    g = opts.guidance_scale
    ts = timesteps(T, opts.steps, opts.spacing)
    z = z.clamp(-opts.clip_noise, opts.clip_noise)
    ctx2 = torch.cat([context, torch.zeros_like(context)], 0)
    keep = torch.cat([torch.ones(b, 1, l), torch.zeros(b, 1, l)], 0)
    x0 = z
    for n, t in enumerate(ts):
        tt = torch.full((2 * b, 1), t, dtype=torch.long)
        out = model.denoiser(torch.cat([z, z], 0), tt, ctx2, keep)
        x0c, x0u = out[:b], out[b:]
        a_t = ab[t]
        if t == T - 1 or g == 1.0:
            x0 = x0c
            eps = (z - a_t.sqrt() * x0) / (1 - a_t).sqrt() if t != T - 1 else None
        else:
            ec = (z - a_t.sqrt() * x0c) / (1 - a_t).sqrt()
            eu = (z - a_t.sqrt() * x0u) / (1 - a_t).sqrt()
            eg = eu + g * (ec - eu)
            if opts.guidance_rescale > 0:
                r = opts.guidance_rescale
                factor = ec.std(dim=-1, keepdim=True) / eg.std(dim=-1, keepdim=True)
                eg = (r * factor + (1 - r)) * eg
            eps = eg
            x0 = (z - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        if eps is None:  # t = T-1: alpha_bar = 0, z is pure noise, eps = z
            eps = z
        if opts.epsilon_scaling:
            eps = eps / opts.epsilon_scaling
        t_prev = ts[n + 1] if n + 1 < len(ts) else -1
        a_prev = ab[t_prev] if t_prev >= 0 else torch.tensor(1.0)
        sigma = opts.eta * ((1 - a_prev) / (1 - a_t)).sqrt() * (1 - a_t / a_prev).sqrt() if opts.eta > 0 else 0.0
        z = a_prev.sqrt() * x0 + (1 - a_prev - sigma ** 2).clamp_min(0).sqrt() * eps
        if opts.eta > 0:
            z = z + sigma * step_noise[n]
        z = z.clamp(-opts.clip_noise, opts.clip_noise)
        if trajectory is not None:
            trajectory.append({"t": t, "x0": x0.clone(), "z": z.clone()})
    return x0
