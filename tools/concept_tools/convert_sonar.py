"""Official SONAR text checkpoints (fairseq2 `{"model": state_dict}`) -> a SONAR pack (models/FORMAT.md).

The official files (research/sonar.md §5): `sonar_text_encoder.pt` (387 tensors), `sonar_text_decoder.pt` (628
tensors incl. `final_proj.weight`, the tied head) and the NLLB SentencePiece model with 256,000 pieces. Our modules
(sonar_model.py) use the fairseq2 parameter names, so the state dicts load strictly without any renaming; what this
module adds is the configuration inferred from tensor shapes, the checks, and the pack.
"""
from __future__ import annotations

import gc
import os
import re
import time
import warnings

import torch

from . import prepacked_tables
from .languages import CODES
from .sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder, load_official_state_dict

LICENSE = "CC-BY-NC-4.0"
SPACE = "sonar-v1"
N_DATA_TAGS = 3  # <MINED_DATA>, <MMT_BT_DATA>, <SMT_BT_DATA>


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load_checkpoint(path: str) -> dict:
    """torch.load a fairseq2 checkpoint and return its state dict (`checkpoint["model"]`).

    fairseq2 itself loads these files with `weights_only=False`; we try the safe unpickler first and fall back, with
    a warning, only when it refuses (the file then runs pickle code: use official files only)."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # a torch without weights_only
        warnings.warn("this torch has no weights_only: loading with the full unpickler")
        ckpt = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - the safe unpickler rejects some pickled objects
        warnings.warn(f"weights_only load of {path} failed ({type(e).__name__}: {str(e)[:200]}); "
                      "falling back to the full unpickler - only do this with files from a trusted source")
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(ckpt, dict) and "model" in ckpt and isinstance(ckpt["model"], dict):
        state = ckpt["model"]
    elif isinstance(ckpt, dict) and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        state = ckpt  # a bare state dict
    else:
        raise ValueError(f"{path}: expected a fairseq2 checkpoint {{'model': state_dict}}")
    # DDP prefix, stripped from every key that has it (torch's consume_prefix_in_state_dict_if_present, which
    # large_concept_model's convert_lcm_checkpoint applies)
    if any(k.startswith("module.") for k in state):
        state = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}
    return state


def _layers(state: dict, prefix: str) -> int:
    idx = {int(m.group(1)) for k in state if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))}
    if not idx:
        raise ValueError(f"no `{prefix}<i>.` tensors in the checkpoint")
    if idx != set(range(len(idx))):
        raise ValueError(f"layer indices under `{prefix}` are not contiguous: {sorted(idx)[:10]}")
    return len(idx)


def infer_config(enc_state: dict, dec_state: dict) -> SonarConfig:
    """vocab, dim, layers, ffn from shapes; heads = dim / 64 (head dim 64 in every SONAR text model)."""
    for key, st in (("encoder_frontend.embed.weight", enc_state), ("decoder_frontend.embed.weight", dec_state)):
        if key not in st:
            raise ValueError(f"missing {key}: not a fairseq2 SONAR text {'encoder' if st is enc_state else 'decoder'}")
    v, d = enc_state["encoder_frontend.embed.weight"].shape
    if tuple(dec_state["decoder_frontend.embed.weight"].shape) != (v, d):
        raise ValueError("encoder and decoder embeddings differ in shape: "
                         f"{tuple(enc_state['encoder_frontend.embed.weight'].shape)} vs "
                         f"{tuple(dec_state['decoder_frontend.embed.weight'].shape)}")
    ffn = enc_state["encoder.layers.0.ffn.inner_proj.weight"].shape[0]
    dffn = dec_state["decoder.layers.0.ffn.inner_proj.weight"].shape[0]
    if ffn != dffn:
        raise ValueError(f"encoder ffn {ffn} != decoder ffn {dffn}")
    if d % 64:
        raise ValueError(f"model dim {d} is not a multiple of the head dim 64")
    return SonarConfig(vocab_size=v, model_dim=d, num_heads=d // 64, ffn_dim=ffn,
                       encoder_layers=_layers(enc_state, "encoder.layers."),
                       decoder_layers=_layers(dec_state, "decoder.layers."), max_seq_len=512, dropout=0.0)


def default_description(cfg: SonarConfig) -> str:
    return (f"SONAR text encoder/decoder converted from the official fairseq2 checkpoints "
            f"({cfg.encoder_layers}+{cfg.decoder_layers} layers, d={cfg.model_dim}). "
            "Weights CC-BY-NC-4.0 (Meta): non-commercial use only, never redistributed.")


def sp_piece_count(spm_path: str) -> int:
    import sentencepiece as spm
    return spm.SentencePieceProcessor(model_file=spm_path).get_piece_size()


def check_vocab(cfg: SonarConfig, sp_size: int) -> None:
    """fairseq2 NLLB layout: 4 specials (SP ids shifted by one), 202 languages, 3 data tags."""
    expected = sp_size + 1 + len(CODES) + N_DATA_TAGS
    if cfg.vocab_size != expected:
        raise ValueError(f"checkpoint vocabulary {cfg.vocab_size} != SentencePiece {sp_size} + 1 + {len(CODES)} "
                         f"languages + {N_DATA_TAGS} = {expected}: wrong tokenizer model for these weights")


def initializer_summary(path: str) -> list[tuple[str, list[int], int]]:
    """(name, dims, bytes) of every initializer, read without loading external data (a table the head reads under
    a second name counts once: prepacked_tables.py)."""
    import onnx
    m = prepacked_tables.load_joined(path, load_external_data=False)
    out = []
    for t in m.graph.initializer:
        n = 1
        for x in t.dims:
            n *= x
        out.append((t.name, list(t.dims), n * (2 if t.data_type == onnx.TensorProto.FLOAT16 else 4)))
    return out


def count_table(summary, vocab: int, dim: int) -> int:
    return sum(1 for _, dims, _ in summary if sorted(dims) == sorted([vocab, dim]))


def print_summary(label: str, path: str, summary, vocab: int, dim: int) -> None:
    total = sum(b for _, _, b in summary)
    big = sorted(summary, key=lambda s: -s[2])[:5]
    data = path + ".data"
    sizes = f"{os.path.getsize(path) / 1e6:.1f} MB graph"
    if os.path.exists(data):
        sizes += f" + {os.path.getsize(data) / 1e9:.3f} GB external data ({os.path.basename(data)})"
    log(f"{label}: {len(summary)} initializers, {total / 1e9:.3f} GB of weights; {sizes}")
    for name, dims, b in big:
        log(f"    {name:48s} {str(dims):18s} {b / 1e6:10.1f} MB")
    log(f"    [V,D] = [{vocab},{dim}] tables: {count_table(summary, vocab, dim)}")


def convert(encoder: str, decoder: str, spm: str, out: str, *, name: str = "sonar-text-basic",
            description: str | None = None, verify_graphs: bool = True, variant: str = "fp32") -> dict:
    from .packs_build import build_sonar_pack
    from .pack import verify_pack
    t0 = time.time()
    torch.set_grad_enabled(False)
    sp_size = sp_piece_count(spm)
    log(f"tokenizer: {spm} ({sp_size} pieces)")

    log(f"loading encoder checkpoint {encoder}")
    enc_state = load_checkpoint(encoder)
    log(f"  {len(enc_state)} tensors")
    if "encoder_frontend.embed.weight" in enc_state:  # fail early, before reading the decoder
        check_vocab(SonarConfig(vocab_size=enc_state["encoder_frontend.embed.weight"].shape[0]), sp_size)
    log(f"loading decoder checkpoint {decoder}")
    dec_state = load_checkpoint(decoder)
    log(f"  {len(dec_state)} tensors")
    cfg = infer_config(enc_state, dec_state)
    check_vocab(cfg, sp_size)
    log(f"config from shapes: vocab {cfg.vocab_size}, dim {cfg.model_dim}, heads {cfg.num_heads}, ffn {cfg.ffn_dim}, "
        f"layers {cfg.encoder_layers}+{cfg.decoder_layers}")

    log("building the encoder and loading its weights (strict)")
    enc = SonarTextEncoder(cfg).eval()
    load_official_state_dict(enc, enc_state)
    del enc_state
    gc.collect()
    log("building the decoder and loading its weights (strict, tied head checked)")
    dec = SonarTextDecoder(cfg).eval()
    if "final_proj.weight" not in dec_state:
        log("  note: no final_proj.weight in the checkpoint; the head is the tied embedding")
    load_official_state_dict(dec, dec_state)
    del dec_state
    gc.collect()
    assert dec.final_proj.weight is dec.decoder_frontend.embed.weight

    desc = description or default_description(cfg)
    log(f"exporting ONNX graphs to {out} (encoder, decoder step; > 2 GB goes to external data)")
    pack = build_sonar_pack(enc, dec, spm, out, name=name, space=SPACE, license=LICENSE, description=desc,
                            sp_size=sp_size, languages_trained={c: None for c in CODES},
                            extra={"source": {"encoder": os.path.basename(encoder),
                                              "decoder": os.path.basename(decoder),
                                              "tokenizer": os.path.basename(spm)}})
    del enc, dec
    gc.collect()
    log(f"pack.json written ({len(pack['files'])} files)")

    report = {}
    for g in ("encoder", "decoder"):
        path = os.path.join(out, pack["graphs"][g]["file"])
        summ = initializer_summary(path)
        print_summary(g, path, summ, cfg.vocab_size, cfg.model_dim)
        report[g] = {"tables": count_table(summ, cfg.vocab_size, cfg.model_dim), "initializers": len(summ),
                     "external": os.path.exists(path + ".data")}
        if report[g]["tables"] != 1:
            raise RuntimeError(f"{g}.onnx holds {report[g]['tables']} copies of the [V,D] embedding table, "
                               "expected exactly one")
    if variant == "fp16":
        from .sonar_fp16 import pack_to_fp16
        log("fp16 variant: weights rounded to float16 (round to nearest even) + Cast nodes")
        pack = pack_to_fp16(out)
    elif variant != "fp32":
        raise ValueError(f"variant {variant!r}: fp32 or fp16 (int8 is written by the app's converter; its reference "
                         "quantizer is sonar_templates.quantize_per_channel)")
    problems = verify_pack(out)
    if problems:
        raise RuntimeError(f"pack verification failed: {problems}")
    if verify_graphs:
        import onnx
        for g in ("encoder", "decoder"):  # structure check; external data is checked by path, not loaded
            onnx.checker.check_model(os.path.join(out, pack["graphs"][g]["file"]))
        log("onnx.checker: both graphs valid")
    log(f"done in {time.time() - t0:.0f} s: {out}")
    return {"pack": pack, "config": cfg, "report": report}


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(
        description="Convert the official SONAR text checkpoints into a Concept Studio SONAR pack. Needs about "
                    "12 GB of RAM at the peak for the full model (measured) and ~6.5 GB of disk for the pack.")
    ap.add_argument("--encoder", required=True, help="sonar_text_encoder.pt")
    ap.add_argument("--decoder", required=True, help="sonar_text_decoder.pt (or finetuned_decoder.pt)")
    ap.add_argument("--spm", required=True, help="sentencepiece.source.256000.model")
    ap.add_argument("--out", required=True, help="output pack folder")
    ap.add_argument("--name", default="sonar-text-basic")
    ap.add_argument("--description", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--no-check", action="store_true", help="skip onnx.checker")
    ap.add_argument("--variant", choices=("fp32", "fp16"), default="fp32",
                    help="fp16: weights stored as float16 (half the disk), widened to float32 in the graph")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    convert(a.encoder, a.decoder, a.spm, a.out, name=a.name, description=a.description, verify_graphs=not a.no_check,
            variant=a.variant)
    return 0
