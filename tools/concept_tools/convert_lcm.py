"""LCM checkpoints trained with facebookresearch/large_concept_model -> an LCM pack (models/FORMAT.md).

Their checkpoints are fairseq2 `{"model": state_dict}` files (`checkpoints/step_N/model.pt`, DDP prefix `module.`
possibly present, stripped as their `convert_lcm_checkpoint` does). Module names come from their builders
(fairseq2 0.3): see KEY RULES below. Our modules (lcm_model.py) compute the same functions under other names; the
configuration is inferred from tensor shapes, except the head count (not visible in shapes: `--heads`, default
model_dim / 128 as in every released arch) and the RoPE table length (`--max-seq-len`, default 4096).

KEY RULES (their name -> our name), applied in order, first match wins; `{i}` is a layer index:
  any `module.` prefix                                       -> stripped (DDP)
  Base-LCM (`base_lcm`):
    frontend.pre_linear.{weight,bias}                        -> prenet.{weight,bias}
    frontend.sonar_normalizer.{center,scale}                 -> normalizer.{center,scale}
    lcm.layers.{i}.<layer rules>                             -> decoder.layers.{i}.<layer rules>
    lcm.layer_norm.weight                                    -> decoder.layer_norm.weight
    postnet.fc.{weight,bias}                                 -> postnet.{weight,bias}
  Two-Tower (`two_tower_diffusion_lcm`):
    sonar_normalizer.{center,scale}                          -> normalizer.{center,scale}
    encoder_frontend.pre_linear.{weight,bias}                -> contextualizer.prenet.{weight,bias}
    context_encoder.layers.{i}.<layer rules>                 -> contextualizer.decoder.layers.{i}.<layer rules>
    context_encoder.layer_norm.weight                        -> contextualizer.decoder.layer_norm.weight
    denoiser.embed_time.fc{1,2}.{weight,bias}                -> denoiser.timestep_embedder.fc{1,2}.{weight,bias}
    denoiser.initial_proj.fc.{weight,bias}                   -> denoiser.prenet.{weight,bias}
    denoiser.layers.{i}.cross_attention_layer_norm.weight    -> denoiser.layers.{i}.cross_attn_layer_norm.weight
    denoiser.layers.{i}.cross_attention.<attn>               -> denoiser.layers.{i}.cross_attn.<attn>
    denoiser.layers.{i}.modulator.fc.{weight,bias}           -> denoiser.layers.{i}.modulator.{weight,bias}
    denoiser.layers.{i}.<layer rules>                        -> denoiser.layers.{i}.<layer rules>
    denoiser.layer_norm.weight                               -> denoiser.layer_norm.weight
    denoiser.final_proj.fc.{weight,bias}                     -> denoiser.postnet.{weight,bias}
  <layer rules> (same names on both sides): self_attn_layer_norm.weight, ffn_layer_norm.weight,
    self_attn.{q,k,v,output}_proj.{weight,bias}, ffn.{gate,inner,output}_proj.{weight,bias}
  dropped: `*.self_attn.pos_encoder.freqs` (attention RoPE table; non-persistent in fairseq2 0.3, recomputed).
  filled:  a missing attention `output_proj.bias` (their default `mha_output_proj_bias=False`, e.g. the toy archs) or
           a missing pre/post-linear bias (`pre_linear_bias` / `linear_bias` False) -> zeros (same function).
  folded:  torch weight-norm parametrizations (`X.parametrizations.weight.original0/1`, their
           `weight_normalization=True` options) -> X.weight = g * v / ||v|| (norm over all but dim 0).

DIFFERENCES CHECKED (their code vs lcm_model.py), none needs a permutation for the released archs:
  - RoPE: fairseq2 `RotaryEncoder` multiplies view_as_complex(x.unflatten(-1, (-1, 2))) by polar(pos * theta^(-2i/d)):
    interleaved pairs (x[2i], x[2i+1]), positions from 0, applied per head to q and k after the head split = our
    `apply_rope`. No q/k row permutation is needed (a HF/Llama-style half-split checkpoint would need one; theirs
    is not). theta 10000 (their `rope_theta` default; ours is fixed at 10000: another theta is refused).
  - SwiGLU: fairseq2 `GLUFeedForwardNetwork(bias=True)`: output_proj(silu(gate_proj x) * inner_proj x), inner size
    int(2/3 * nominal) rounded up to 256 = ours (`gate_proj` / `inner_proj` keep their roles; biases kept).
  - AdaLN modulator: fc(silu(temb)).chunk(3) -> (self-attn, cross-attn, ffn), each .chunk(3) -> (shift, scale, gate)
    = our chunk(9) with shift 3i, scale 3i+1, gate 3i+2: identity mapping, no row permutation.
  - Timestep code: DiT `[cos(t f_k), sin(t f_k)]`, f_k = exp(-ln(1e4) k / 128), cos first = our `timestep_code`.
  - RMSNorm: fairseq2 RMSNorm(bias=False), eps 1e-5, normalised in fp32 = ours.
  - Denoiser cross-attention keys/values: [zero row; context] with the padding mask shifted by one = ours.
  - Base-LCM frontend: pre_linear(embed_scale * x); embed_scale = sqrt(model_dim) only with
    `frontend.scale_embeddings=True` (default False) -> folded into prenet.weight with `--scale-embeddings`.
REFUSED (cannot be expressed by our modules; the converter stops with the reason): learned/sinusoidal positions in
  the frontend (`frontend.pos_encoder.weight`), QK-LayerNorm (`q_layer_norm`), residual scales, normalizer clipping
  (`clip_min`/`clip_max`), a different ffn size or head count between the two towers, a linear beta schedule.
  Not visible in a state dict and assumed as in every released arch (state them if your model card differs):
  RoPE in the causal towers, no positions in the denoiser, pre-norm order, no FFT in the normalizer.
"""
from __future__ import annotations

import gc
import os
import re
import time
import warnings

import torch

from .convert_sonar import load_checkpoint, log
from .lcm_model import BaseLCM, BaseLCMConfig, TwoTowerConfig, TwoTowerLCM, swiglu_inner

SPACE = "sonar-v1"
LAYER_RULES = ("self_attn_layer_norm.weight", "ffn_layer_norm.weight") + tuple(
    f"self_attn.{p}_proj.{w}" for p in ("q", "k", "v", "output") for w in ("weight", "bias")) + tuple(
    f"ffn.{p}_proj.{w}" for p in ("gate", "inner", "output") for w in ("weight", "bias"))
SCHEDULE_ALIASES = {"squaredcos_cap_v2": "cosine", "cosine": "cosine", "scaled_linear": "quadratic",
                    "quadratic": "quadratic", "sigmoid": "sigmoid"}


class Unmappable(ValueError):
    """The checkpoint uses a feature our modules cannot express with the same math."""


# ----------------------------------------------------------------------------------------------- preprocessing
def fold_weight_norm(state: dict) -> dict:
    """X.parametrizations.weight.original0 (g, [out,1,...]) / original1 (v) -> X.weight = g * v / ||v||."""
    out, done = {}, set()
    for k, v in state.items():
        m = re.match(r"(.*)\.parametrizations\.weight\.original([01])$", k)
        if not m:
            out[k] = v
            continue
        base = m.group(1)
        if base in done:
            continue
        g, vv = state[f"{base}.parametrizations.weight.original0"], state[f"{base}.parametrizations.weight.original1"]
        norm = vv.reshape(vv.shape[0], -1).norm(dim=1).reshape(g.shape)
        out[f"{base}.weight"] = g * vv / norm
        done.add(base)
    return out


def refuse_unmappable(state: dict) -> None:
    checks = [
        (r"^(frontend|encoder_frontend|denoiser)\.pos_encoder\.",
         "learned/sinusoidal position embeddings in a frontend (our towers use RoPE only)"),
        (r"\.(q|k)_layer_norm\.", "QK-LayerNorm (enable_qk_layernorm=True)"),
        (r"\.residual_scale$", "scaled residuals (scale_residual)"),
        (r"sonar_normalizer\.clip_(min|max)$", "normalizer clipping (clip_proba)"),
        (r"\.self_attn_norm\.", "NormFormer norm order"),
        (r"\.head_scale_weight$", "scaled attention heads"),
        (r"\.bias_[kv]$", "attention bias_k / bias_v"),
    ]
    for pat, what in checks:
        hits = [k for k in state if re.search(pat, k)]
        if hits:
            raise Unmappable(f"{what} is not supported by Concept Studio's LCM modules (e.g. `{hits[0]}`)")


# ----------------------------------------------------------------------------------------------- key mapping
def _map_layer_tail(tail: str) -> str | None:
    return tail if tail in LAYER_RULES else None


def map_key(key: str, variant: str) -> str | None:
    """Their state-dict name -> our name (None: not a weight of ours; the caller reports it)."""
    if re.search(r"\.self_attn\.pos_encoder\.freqs$", key):
        return ""  # an attention RoPE table (non-persistent in fairseq2 0.3, recomputed by us): dropped on purpose
    if variant == "base":
        simple = {"frontend.pre_linear.weight": "prenet.weight", "frontend.pre_linear.bias": "prenet.bias",
                  "frontend.sonar_normalizer.center": "normalizer.center",
                  "frontend.sonar_normalizer.scale": "normalizer.scale",
                  "lcm.layer_norm.weight": "decoder.layer_norm.weight",
                  "postnet.fc.weight": "postnet.weight", "postnet.fc.bias": "postnet.bias"}
        if key in simple:
            return simple[key]
        m = re.match(r"lcm\.layers\.(\d+)\.(.+)$", key)
        if m and _map_layer_tail(m.group(2)):
            return f"decoder.layers.{m.group(1)}.{m.group(2)}"
        return None
    simple = {"sonar_normalizer.center": "normalizer.center", "sonar_normalizer.scale": "normalizer.scale",
              "encoder_frontend.pre_linear.weight": "contextualizer.prenet.weight",
              "encoder_frontend.pre_linear.bias": "contextualizer.prenet.bias",
              "context_encoder.layer_norm.weight": "contextualizer.decoder.layer_norm.weight",
              "denoiser.initial_proj.fc.weight": "denoiser.prenet.weight",
              "denoiser.initial_proj.fc.bias": "denoiser.prenet.bias",
              "denoiser.layer_norm.weight": "denoiser.layer_norm.weight",
              "denoiser.final_proj.fc.weight": "denoiser.postnet.weight",
              "denoiser.final_proj.fc.bias": "denoiser.postnet.bias"}
    if key in simple:
        return simple[key]
    m = re.match(r"denoiser\.embed_time\.(fc[12]\.(weight|bias))$", key)
    if m:
        return f"denoiser.timestep_embedder.{m.group(1)}"
    m = re.match(r"context_encoder\.layers\.(\d+)\.(.+)$", key)
    if m and _map_layer_tail(m.group(2)):
        return f"contextualizer.decoder.layers.{m.group(1)}.{m.group(2)}"
    m = re.match(r"denoiser\.layers\.(\d+)\.(.+)$", key)
    if m:
        i, tail = m.groups()
        if tail == "cross_attention_layer_norm.weight":
            return f"denoiser.layers.{i}.cross_attn_layer_norm.weight"
        mm = re.match(r"cross_attention\.((q|k|v|output)_proj\.(weight|bias))$", tail)
        if mm:
            return f"denoiser.layers.{i}.cross_attn.{mm.group(1)}"
        mm = re.match(r"modulator\.fc\.(weight|bias)$", tail)
        if mm:
            return f"denoiser.layers.{i}.modulator.{mm.group(1)}"
        if _map_layer_tail(tail):
            return f"denoiser.layers.{i}.{tail}"
    return None


def detect_variant(state: dict) -> str:
    if any(k.startswith("denoiser.") for k in state) and any(k.startswith("context_encoder.") for k in state):
        return "two-tower"
    if any(k.startswith("lcm.layers.") for k in state):
        return "base"
    raise ValueError("neither a Base-LCM (`lcm.layers.*`) nor a Two-Tower LCM (`context_encoder.*`, `denoiser.*`) "
                     "checkpoint")


def map_state_dict(state: dict, variant: str) -> tuple[dict, list[str]]:
    """-> (our state dict without fillers, list of their keys dropped on purpose)."""
    out, dropped, unknown = {}, [], []
    for k, v in state.items():
        ours = map_key(k, variant)
        if ours == "":
            dropped.append(k)
        elif ours is None:
            unknown.append(k)
        else:
            out[ours] = v
    if unknown:
        raise Unmappable(f"{len(unknown)} tensors have no counterpart in our {variant} LCM: {unknown[:8]}")
    return out, dropped


# ----------------------------------------------------------------------------------------------- config
def _count(state: dict, prefix: str) -> int:
    idx = {int(m.group(1)) for k in state if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))}
    if idx != set(range(len(idx))) or not idx:
        raise ValueError(f"no or non-contiguous layers under `{prefix}`: {sorted(idx)[:10]}")
    return len(idx)


def nominal_ffn(inner: int, model_dim: int) -> int:
    """A nominal FFN size whose fairseq2 SwiGLU inner size (2/3, rounded up to 256) is `inner` (4*d preferred)."""
    if swiglu_inner(4 * model_dim) == inner:
        return 4 * model_dim
    guess = (inner * 3) // 2
    for n in sorted(range(max(1, guess - 512), guess + 512), key=lambda n: abs(n - guess)):
        if swiglu_inner(n) == inner:
            return n
    raise Unmappable(f"SwiGLU inner size {inner} is not a multiple of 256 (fairseq2 inner_dim_to_multiple=256); "
                     "our SwiGLU derives its size with that rule")


def check_heads(heads: int, model_dim: int) -> int:
    if model_dim % heads or (model_dim // heads) % 2:
        raise ValueError(f"{heads} heads do not split model_dim {model_dim} into even head dims")
    return heads


def default_heads(model_dim: int) -> int:
    if model_dim % 128:
        raise ValueError(f"cannot guess the head count for model_dim {model_dim}: pass --heads")
    return model_dim // 128


def infer_base_config(our: dict, heads: int | None, max_seq_len: int) -> BaseLCMConfig:
    d, s = our["prenet.weight"].shape
    inner = our["decoder.layers.0.ffn.gate_proj.weight"].shape[0]
    return BaseLCMConfig(sonar_dim=s, model_dim=d, num_heads=check_heads(heads or default_heads(d), d),
                         ffn_dim=nominal_ffn(inner, d), layers=_count(our, "decoder.layers."), dropout=0.0,
                         max_seq_len=max_seq_len)


def infer_two_tower_config(our: dict, heads: int | None, max_seq_len: int, schedule: str, T: int,
                           schedule_args: dict) -> TwoTowerConfig:
    d, s = our["contextualizer.prenet.weight"].shape
    dd, ds = our["denoiser.prenet.weight"].shape
    if (dd, ds) != (d, s):
        raise Unmappable(f"contextualizer width {d} != denoiser width {dd}: our Two-Tower uses one model_dim")
    inner = our["contextualizer.decoder.layers.0.ffn.gate_proj.weight"].shape[0]
    dinner = our["denoiser.layers.0.ffn.gate_proj.weight"].shape[0]
    if inner != dinner:
        raise Unmappable(f"contextualizer ffn {inner} != denoiser ffn {dinner}: our Two-Tower uses one ffn size")
    te = our["denoiser.timestep_embedder.fc1.weight"].shape
    if tuple(te) != (d, 256):
        raise Unmappable(f"timestep embedder {tuple(te)} != ({d}, 256): frequency_embedding_size must be 256 and "
                         "timestep_embed_dim = model_dim")
    return TwoTowerConfig(sonar_dim=s, model_dim=d, num_heads=check_heads(heads or default_heads(d), d), ffn_dim=nominal_ffn(inner, d),
                          context_layers=_count(our, "contextualizer.decoder.layers."),
                          denoiser_layers=_count(our, "denoiser.layers."), dropout=0.0, max_seq_len=max_seq_len,
                          num_train_steps=T, schedule=schedule, schedule_args=schedule_args)


def fill_missing(model: torch.nn.Module, our: dict) -> list[str]:
    """Zero biases for the Linear layers their config built without bias; anything else missing is an error."""
    filled = []
    for name, p in model.state_dict().items():
        if name in our:
            continue
        if name.endswith(".bias") and name[:-5] + ".weight" in our:
            our[name] = torch.zeros_like(p)
            filled.append(name)
    missing = [k for k in model.state_dict() if k not in our]
    if missing:
        hint = (" (no final layer norm: final_norm_order_style='post' cannot be expressed by our RMSNorm)"
                if any(k.endswith("layer_norm.weight") and ".layers." not in k for k in missing) else "")
        raise Unmappable(f"the checkpoint lacks {len(missing)} tensors our model needs{hint}: {missing[:6]}")
    return filled


def load_normalizer(path: str) -> dict:
    """Their `sonar_normalizer` checkpoint: {"model": {"center", "scale"}} (lcm/cards/sonar_normalizer.yaml)."""
    st = load_checkpoint(path)
    if any(k.startswith("clip_") for k in st):
        raise Unmappable("normalizer clipping (clip_min/clip_max) is not supported")
    if "center" not in st or "scale" not in st:
        raise ValueError(f"{path}: expected a normalizer state dict with `center` and `scale`, got {list(st)[:5]}")
    return {"normalizer.center": st["center"], "normalizer.scale": st["scale"]}


# ----------------------------------------------------------------------------------------------- conversion
def build_model(state: dict, *, heads: int | None = None, max_seq_len: int = 4096, schedule: str = "cosine",
                train_steps: int = 100, schedule_args: dict | None = None, normalizer: str | None = None,
                scale_embeddings: bool = False):
    """Their state dict -> (our model in eval mode, variant, notes)."""
    refuse_unmappable(state)
    state = fold_weight_norm(state)
    variant = detect_variant(state)
    our, dropped = map_state_dict(state, variant)
    notes = []
    if dropped:
        notes.append(f"dropped {len(dropped)} RoPE tables (recomputed)")
    if normalizer:
        our.update(load_normalizer(normalizer))
        notes.append(f"normalizer from {os.path.basename(normalizer)}")
    elif "normalizer.center" in our:
        notes.append("normalizer from the checkpoint")
    else:
        warnings.warn("no normalizer in the checkpoint and none given: identity normalizer (center 0, scale 1), "
                      "which is what their model does without a sonar_normalizer")
        notes.append("identity normalizer")
    sched = SCHEDULE_ALIASES.get(schedule)
    if sched is None:
        raise Unmappable(f"schedule {schedule!r} is not supported (cosine/squaredcos_cap_v2, quadratic/scaled_linear, "
                         "sigmoid)")
    if variant == "base":
        cfg = infer_base_config(our, heads, max_seq_len)
        model = BaseLCM(cfg)
        if scale_embeddings:  # their frontend: pre_linear(sqrt(model_dim) * x)
            our["prenet.weight"] = our["prenet.weight"] * cfg.model_dim ** 0.5
            notes.append("scale_embeddings folded into prenet.weight")
    else:
        cfg = infer_two_tower_config(our, heads, max_seq_len, sched, train_steps, schedule_args or {})
        model = TwoTowerLCM(cfg)
    if "normalizer.center" not in our:
        our["normalizer.center"] = torch.zeros(cfg.sonar_dim)
        our["normalizer.scale"] = torch.ones(cfg.sonar_dim)
    filled = fill_missing(model, our)
    if filled:
        notes.append(f"zero biases for {len(filled)} bias-free projections")
    model.load_state_dict(our, strict=True)
    return model.eval(), variant, notes


def convert(checkpoint: str, out: str, *, normalizer: str | None = None, name: str | None = None,
            description: str | None = None, heads: int | None = None, max_seq_len: int = 4096,
            schedule: str = "cosine", train_steps: int = 100, schedule_args: dict | None = None,
            scale_embeddings: bool = False, end_of_text: str = "End of text.", instructions: dict | None = None,
            space: str = SPACE, license: str = "see the checkpoint's licence") -> dict:
    from .packs_build import build_lcm_pack
    from .pack import verify_pack
    t0 = time.time()
    torch.set_grad_enabled(False)
    log(f"loading {checkpoint}")
    state = load_checkpoint(checkpoint)
    log(f"  {len(state)} tensors")
    model, variant, notes = build_model(state, heads=heads, max_seq_len=max_seq_len, schedule=schedule,
                                        train_steps=train_steps, schedule_args=schedule_args, normalizer=normalizer,
                                        scale_embeddings=scale_embeddings)
    del state
    gc.collect()
    cfg = model.cfg
    log(f"variant {variant}; config from shapes: {cfg.to_dict()}")
    for n in notes:
        log(f"  {n}")
    if cfg.sonar_dim != 1024 and space == SPACE:
        warnings.warn(f"concept dim {cfg.sonar_dim} != 1024 but space {SPACE!r}: the app will only pair this pack "
                      "with a SONAR pack of the same dim; pass --space to name its own space")
    log(f"exporting ONNX graphs to {out}")
    pack = build_lcm_pack(model, variant, out, name=name or f"lcm-{variant}", space=space, license=license,
                          description=description or f"{variant} LCM converted from a large_concept_model checkpoint",
                          end_of_text=end_of_text, instructions=instructions,
                          extra={"source": {"checkpoint": os.path.basename(checkpoint),
                                            **({"normalizer": os.path.basename(normalizer)} if normalizer else {})}})
    problems = verify_pack(out)
    if problems:
        raise RuntimeError(f"pack verification failed: {problems}")
    log(f"done in {time.time() - t0:.0f} s: {out} ({len(pack['files'])} files)")
    return {"pack": pack, "model": model, "variant": variant}


def main(argv=None) -> int:
    import argparse
    import json
    ap = argparse.ArgumentParser(description="Convert a facebookresearch/large_concept_model checkpoint (Base-LCM or "
                                             "Two-Tower diffusion LCM) into a Concept Studio LCM pack.")
    ap.add_argument("--checkpoint", required=True, help="model.pt ({'model': state_dict})")
    ap.add_argument("--out", required=True)
    ap.add_argument("--normalizer", default=None,
                    help="sonar_normalizer checkpoint ({'model': {center, scale}}); default: the one in the checkpoint")
    ap.add_argument("--heads", type=int, default=None, help="attention heads (default model_dim / 128)")
    ap.add_argument("--max-seq-len", type=int, default=4096, help="RoPE table length (their max_seq_len)")
    ap.add_argument("--schedule", default="cosine", help="cosine (squaredcos_cap_v2) | quadratic (scaled_linear) | sigmoid")
    ap.add_argument("--train-steps", type=int, default=100, help="num_diffusion_train_steps T")
    ap.add_argument("--beta-start", type=float, default=None)
    ap.add_argument("--beta-end", type=float, default=None)
    ap.add_argument("--sigmoid-scale", type=float, default=None, help="their sigmoid_schedule_alpha")
    ap.add_argument("--sigmoid-center", type=float, default=None, help="their sigmoid_schedule_beta")
    ap.add_argument("--scale-embeddings", action="store_true", help="the Base-LCM frontend had scale_embeddings=True")
    ap.add_argument("--end-of-text", default="End of text.")
    ap.add_argument("--instructions", default=None, help='JSON: {"summarize": "...", "expand": "...", "continue": null}')
    ap.add_argument("--name", default=None)
    ap.add_argument("--description", default=None)
    ap.add_argument("--space", default=SPACE)
    ap.add_argument("--license", default="see the checkpoint's licence")
    a = ap.parse_args(argv)
    sargs = {k: v for k, v in (("beta_start", a.beta_start), ("beta_end", a.beta_end),
                               ("sigmoid_scale", a.sigmoid_scale), ("sigmoid_center", a.sigmoid_center))
             if v is not None}
    convert(a.checkpoint, a.out, normalizer=a.normalizer, name=a.name, description=a.description, heads=a.heads,
            max_seq_len=a.max_seq_len, schedule=a.schedule, train_steps=a.train_steps, schedule_args=sargs,
            scale_embeddings=a.scale_embeddings, end_of_text=a.end_of_text,
            instructions=json.loads(a.instructions) if a.instructions else None, space=a.space, license=a.license)
    return 0
