"""Random checkpoints written exactly in the official formats, built from the documented key lists (not from our
modules), so a converter test proves that real files would load:

- SONAR (research/sonar.md §5): `torch.save({"model": state_dict})`, encoder 387 tensors / decoder 628 tensors at
  24 layers, fairseq2 names, `final_proj.weight` equal to the decoder embedding (stored as its own copy).
- large_concept_model (lcm/models/*/builder.py, fairseq2 0.3 module names): Base-LCM
  (`frontend.pre_linear`, `frontend.sonar_normalizer`, `lcm.layers.{i}`, `postnet.fc`) and Two-Tower
  (`sonar_normalizer`, `encoder_frontend.pre_linear`, `context_encoder.layers.{i}`, `denoiser.{embed_time,
  initial_proj.fc, layers.{i}.{self_attn,cross_attention,ffn,modulator.fc,...}, layer_norm, final_proj.fc}`), and
  the normalizer file `{"model": {"center", "scale"}}`.
"""
from __future__ import annotations

import math

import torch


def _lin(out: int, inp: int, g: torch.Generator, bias: bool = True, std: float | None = None):
    std = std if std is not None else inp ** -0.5
    w = torch.randn(out, inp, generator=g) * std
    return (w, torch.randn(out, generator=g) * 0.02) if bias else (w, None)


def _ln(d: int, g: torch.Generator, bias: bool = True):
    return 1.0 + 0.1 * torch.randn(d, generator=g), (0.02 * torch.randn(d, generator=g) if bias else None)


def sonar_state_dict(kind: str, vocab: int, dim: int, layers: int, ffn: int, seed: int = 0) -> dict:
    """fairseq2 `text_sonar_basic_{encoder,decoder}` state dict with random values."""
    g = torch.Generator().manual_seed(seed)
    sd: dict[str, torch.Tensor] = {}

    def put_lin(prefix, out, inp, std=None):
        w, b = _lin(out, inp, g, std=std)
        sd[prefix + ".weight"], sd[prefix + ".bias"] = w, b

    def put_ln(prefix):
        sd[prefix + ".weight"], sd[prefix + ".bias"] = _ln(dim, g)

    side = "encoder" if kind == "encoder" else "decoder"
    emb = torch.randn(vocab, dim, generator=g) * dim ** -0.5
    sd[f"{side}_frontend.embed.weight"] = emb
    attns = ["self_attn"] if kind == "encoder" else ["self_attn", "encoder_decoder_attn"]
    for i in range(layers):
        p = f"{side}.layers.{i}."
        for a in attns:
            put_ln(p + a + "_layer_norm")
            for proj in ("q_proj", "k_proj", "v_proj", "output_proj"):
                put_lin(p + a + "." + proj, dim, dim)
        put_ln(p + "ffn_layer_norm")
        put_lin(p + "ffn.inner_proj", ffn, dim)
        put_lin(p + "ffn.output_proj", dim, ffn)
    if kind == "encoder":
        put_ln("layer_norm")
    else:
        put_ln("decoder.layer_norm")
        sd["final_proj.weight"] = emb.clone()  # same values as the embedding, own storage
    return sd


def save_official(path: str, state: dict, **extra) -> None:
    torch.save({"model": state, **extra}, path)


def write_spm(path: str, pieces: int) -> None:
    """A valid SentencePiece unigram model with exactly `pieces` pieces (<unk>, <s>, </s>, characters, fillers),
    written as a ModelProto: stands in for the 256,000-piece NLLB model, which cannot be downloaded here."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    m = pb.ModelProto()
    m.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    m.trainer_spec.vocab_size = pieces
    m.trainer_spec.unk_id, m.trainer_spec.bos_id, m.trainer_spec.eos_id, m.trainer_spec.pad_id = 0, 1, 2, -1
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = True
    m.normalizer_spec.remove_extra_whitespaces = True
    m.normalizer_spec.escape_whitespaces = True
    for text, typ in (("<unk>", pb.ModelProto.SentencePiece.UNKNOWN), ("<s>", pb.ModelProto.SentencePiece.CONTROL),
                      ("</s>", pb.ModelProto.SentencePiece.CONTROL)):
        p = m.pieces.add()
        p.piece, p.score, p.type = text, 0.0, typ
    base = ["\u2581"] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + [chr(c) for c in range(ord("A"), ord("Z") + 1)] \
        + list("0123456789.,!?'-") + ["\u2581" + w for w in ("the", "hello", "world", "cat", "cats", "I", "have", "two")]
    for k, text in enumerate(base):
        p = m.pieces.add()
        p.piece, p.score = text, -1.0 - 0.01 * k
    k = 0
    while len(m.pieces) < pieces:
        p = m.pieces.add()
        p.piece, p.score = f"\u2581x{k}", -20.0 - 1e-6 * k
        k += 1
    with open(path, "wb") as f:
        f.write(m.SerializeToString())


# ------------------------------------------------------------------------------------------- large_concept_model
def _swiglu_inner(nominal: int) -> int:
    """fairseq2 GLUFeedForwardNetwork: int(nominal * 2/3), rounded up to a multiple of 256."""
    inner = int(nominal * (2 / 3))
    return 256 * ((inner + 255) // 256)


def _causal_layer(sd, p, d, inner, g, out_bias=True):
    sd[p + "self_attn_layer_norm.weight"] = _ln(d, g, bias=False)[0]
    for proj in ("q_proj", "k_proj", "v_proj"):
        sd[p + f"self_attn.{proj}.weight"], sd[p + f"self_attn.{proj}.bias"] = _lin(d, d, g)
    w, b = _lin(d, d, g, bias=out_bias)
    sd[p + "self_attn.output_proj.weight"] = w
    if out_bias:
        sd[p + "self_attn.output_proj.bias"] = b
    sd[p + "ffn_layer_norm.weight"] = _ln(d, g, bias=False)[0]
    for proj, (o, i) in (("gate_proj", (inner, d)), ("inner_proj", (inner, d)), ("output_proj", (d, inner))):
        sd[p + f"ffn.{proj}.weight"], sd[p + f"ffn.{proj}.bias"] = _lin(o, i, g)


def normalizer_state(dim: int, g: torch.Generator) -> dict:
    return {"center": 0.01 * torch.randn(dim, generator=g), "scale": 0.05 + 0.02 * torch.rand(dim, generator=g)}


def base_lcm_state_dict(sonar_dim=1024, model_dim=64, heads_ffn_nominal=256, layers=2, seed=0,
                        with_normalizer=True, out_bias=True) -> dict:
    g = torch.Generator().manual_seed(seed)
    inner = _swiglu_inner(heads_ffn_nominal)
    sd = {}
    sd["frontend.pre_linear.weight"], sd["frontend.pre_linear.bias"] = _lin(model_dim, sonar_dim, g)
    if with_normalizer:
        for k, v in normalizer_state(sonar_dim, g).items():
            sd["frontend.sonar_normalizer." + k] = v
    for i in range(layers):
        _causal_layer(sd, f"lcm.layers.{i}.", model_dim, inner, g, out_bias)
    sd["lcm.layer_norm.weight"] = _ln(model_dim, g, bias=False)[0]
    sd["postnet.fc.weight"], sd["postnet.fc.bias"] = _lin(sonar_dim, model_dim, g)
    return sd


def two_tower_state_dict(sonar_dim=1024, model_dim=64, ffn_nominal=256, context_layers=2, denoiser_layers=2,
                         seed=0, out_bias=True) -> dict:
    g = torch.Generator().manual_seed(seed)
    inner = _swiglu_inner(ffn_nominal)
    d = model_dim
    sd = {}
    for k, v in normalizer_state(sonar_dim, g).items():
        sd["sonar_normalizer." + k] = v
    sd["encoder_frontend.pre_linear.weight"], sd["encoder_frontend.pre_linear.bias"] = _lin(d, sonar_dim, g)
    for i in range(context_layers):
        _causal_layer(sd, f"context_encoder.layers.{i}.", d, inner, g, out_bias)
    sd["context_encoder.layer_norm.weight"] = _ln(d, g, bias=False)[0]
    sd["denoiser.embed_time.fc1.weight"], sd["denoiser.embed_time.fc1.bias"] = _lin(d, 256, g, std=0.3)
    sd["denoiser.embed_time.fc2.weight"], sd["denoiser.embed_time.fc2.bias"] = _lin(d, d, g)
    sd["denoiser.initial_proj.fc.weight"], sd["denoiser.initial_proj.fc.bias"] = _lin(d, sonar_dim, g)
    for i in range(denoiser_layers):
        p = f"denoiser.layers.{i}."
        _causal_layer(sd, p, d, inner, g, out_bias)
        sd[p + "cross_attention_layer_norm.weight"] = _ln(d, g, bias=False)[0]
        for proj in ("q_proj", "k_proj", "v_proj", "output_proj"):
            w, b = _lin(d, d, g, bias=proj != "output_proj" or out_bias)
            sd[p + f"cross_attention.{proj}.weight"] = w
            if b is not None:
                sd[p + f"cross_attention.{proj}.bias"] = b
        # AdaLN-zero is zero at init: give it values so the order of shift/scale/gate is actually tested
        sd[p + "modulator.fc.weight"], sd[p + "modulator.fc.bias"] = _lin(9 * d, d, g, std=0.3 / math.sqrt(d))
    sd["denoiser.layer_norm.weight"] = _ln(d, g, bias=False)[0]
    sd["denoiser.final_proj.fc.weight"], sd["denoiser.final_proj.fc.bias"] = _lin(sonar_dim, d, g)
    return sd
