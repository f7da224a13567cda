"""Build SONAR and LCM packs (graphs + tokenizer/normalizer + pack.json) from PyTorch modules."""
from __future__ import annotations

import json
import os
import shutil

from .export_onnx import export_base_lcm, export_decoder, export_encoder, export_two_tower
from .languages import CODES
from .pack import write_pack

DECODING_DEFAULTS = {"beam": 5, "length_penalty": 1.0, "max_tokens": 256, "min_gen_len": 1, "banned_ids": [1],
                     "normalize_scores": True}
SAMPLER_DEFAULTS = {"steps": 40, "spacing": "trailing", "guidance_scale": 3.0, "guidance_rescale": 0.7,
                    "initial_noise_scale": 0.6, "epsilon_scaling": 1.00045, "eta": 0.0, "clip_noise": 100.0}
GENERATION_DEFAULTS = {"eos_threshold": 0.9, "repetition_threshold": 0.9, "max_concepts": 32}


def build_sonar_pack(enc, dec, spm_path: str, out: str, *, name: str, space: str, license: str,
                     description: str, sp_size: int, languages_trained: dict | None = None,
                     extra: dict | None = None, decoding: dict | None = None) -> dict:
    os.makedirs(out, exist_ok=True)
    enc_io = export_encoder(enc, os.path.join(out, "encoder.onnx"))
    dec_io = export_decoder(dec, os.path.join(out, "decoder.onnx"))
    shutil.copyfile(spm_path, os.path.join(out, "sentencepiece.model"))
    meta = sonar_pack_meta(enc.cfg, dec.cfg, enc_io, dec_io, name=name, space=space, license=license,
                           description=description, sp_size=sp_size, languages_trained=languages_trained, extra=extra,
                           decoding=decoding)
    return write_pack(out, meta)


def sonar_pack_meta(cfg, dec_cfg, enc_io: dict, dec_io: dict, *, name: str, space: str, license: str,
                    description: str, sp_size: int, languages_trained: dict | None = None,
                    extra: dict | None = None, decoding: dict | None = None) -> dict:
    """pack.json of a SONAR pack without `files` (shared with the graph templates of sonar_templates.py)."""
    meta = {
        "name": name, "kind": "sonar", "space": space, "dim": cfg.model_dim, "license": license,
        "description": description,
        "graphs": {"encoder": {"file": "encoder.onnx", **enc_io}, "decoder": {"file": "decoder.onnx", **dec_io}},
        "tokenizer": {"file": "sentencepiece.model", "type": "sentencepiece", "pad": 0, "unk": 1, "bos": 2, "eos": 3,
                      "piece_offset": 1, "lang_offset": sp_size + 1, "vocab_size": cfg.vocab_size,
                      "languages": CODES, "max_source_tokens": cfg.max_seq_len + 2},
        "languages_trained": languages_trained or {c: None for c in CODES},
        "decoding": {**DECODING_DEFAULTS, **(decoding or {}), "max_positions": dec_cfg.max_seq_len},
        "config": cfg.to_dict(),
        **(extra or {}),
    }
    return meta


def _write_normalizer(model, out):
    with open(os.path.join(out, "normalizer.json"), "w") as f:
        json.dump({"center": model.normalizer.center.tolist(), "scale": model.normalizer.scale.tolist()}, f)


def build_lcm_pack(model, variant: str, out: str, *, name: str, space: str, license: str, description: str,
                   end_of_text: str = "End of text.", instructions: dict | None = None,
                   extra: dict | None = None) -> dict:
    os.makedirs(out, exist_ok=True)
    _write_normalizer(model, out)
    cfg = model.cfg
    if variant == "base":
        graphs = {"base": {"file": "base_lcm.onnx", **export_base_lcm(model, os.path.join(out, "base_lcm.onnx"))}}
        sampler = None
    else:
        ctx, den = export_two_tower(model, os.path.join(out, "contextualizer.onnx"), os.path.join(out, "denoiser.onnx"))
        graphs = {"contextualizer": {"file": "contextualizer.onnx", **ctx},
                  "denoiser": {"file": "denoiser.onnx", **den, "context_dim": cfg.model_dim}}
        sampler = {**SAMPLER_DEFAULTS, "num_train_steps": cfg.num_train_steps, "schedule": cfg.schedule,
                   "schedule_args": cfg.schedule_args,
                   "alphas_cumprod": [float(x) for x in model.alphas_cumprod.tolist()]}
    meta = {
        "name": name, "kind": "lcm", "variant": variant, "space": space, "dim": cfg.sonar_dim, "license": license,
        "description": description, "graphs": graphs,
        "normalizer": {"file": "normalizer.json", "method": "gaussian_robust (median, IQR/1.349)"},
        "end_of_text": end_of_text,
        "instructions": instructions or {"summarize": "[MODEL]:", "expand": "[MODEL]:", "continue": None},
        "generation": GENERATION_DEFAULTS,
        "config": cfg.to_dict(),
        **({"sampler": sampler} if sampler else {}),
        **(extra or {}),
    }
    return write_pack(out, meta)
