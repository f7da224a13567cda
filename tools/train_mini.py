#!/usr/bin/env python3
"""Retrain a bundled model family (SONAR-style encoder/decoder, Base-LCM, Two-Tower LCM), export the packs,
evaluate on held-out data and write the model card (and, for the mini family, the reference fixtures).

    /usr/bin/python3 tools/train_mini.py                  # 2 CPU cores, < 2 h -> models/mini/ (d=256, 3+3 layers)
    /usr/bin/python3 tools/train_mini.py --device cuda    # one GPU, ~10 min -> models/small/ (d=512, 6+6, bf16)

Every stage checkpoints into --work and resumes from there; seeds are fixed."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402


DECODER_MINUTES = 15  # the decoder-only stage of the CPU recipe
EXTEND_MINUTES = 15  # the phrase stage of the CPU recipe: joint training continued with CLDR phrase pairs
PHRASE_SHARE = 0.2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=["mini", "small"], default=None,
                    help="model size; default: mini on the CPU, small with --device cuda")
    ap.add_argument("--work", default=None, help="checkpoints (default .work/<preset>)")
    ap.add_argument("--out", default=None, help="pack folder (default models/<preset>)")
    ap.add_argument("--toy", action="store_true", help="tiny model and batch: checks a recipe's code path in seconds")
    ap.add_argument("--sonar-steps", type=int, default=None, help="default: the preset's (small 8000; mini on the CPU: 100000, a ceiling: "
                         "the time budget ends the run)")
    ap.add_argument("--sonar-minutes", type=float, default=None, help="stop SONAR training after this long")
    ap.add_argument("--sonar-lr-cap", type=float, default=1.0,
                    help="cap the SONAR learning rate at this fraction of the peak (to extend a finished run)")
    ap.add_argument("--sonar-extend-minutes", type=float, default=None,
                    help="after the SONAR budget, continue this long with the LR scaled by --sonar-extend-lr "
                         "(to extend a finished run; default 0)")
    ap.add_argument("--sonar-extend-lr", type=float, default=0.5)
    ap.add_argument("--sonar-extend-steps", type=int, default=6000, help="step ceiling of the extension")
    ap.add_argument("--phrase-share", type=float, default=None,
                    help="share of CLDR phrase pairs (npm cldr-*) in the extension and the decoder stage "
                         f"(default {PHRASE_SHARE} for the CPU mini recipe, else 0)")
    ap.add_argument("--decoder-minutes", type=float, default=None,
                    help="after the SONAR stages, train the decoder alone this long (encoder frozen, see "
                         "concept_tools/train_decoder.py)")
    ap.add_argument("--decoder-lr", type=float, default=0.2, help="decoder stage peak LR as a fraction of the preset's")
    ap.add_argument("--lcm-steps", type=int, default=400)  # Base ~0.75 s/step, Two-Tower ~1.6 s/step
    ap.add_argument("--lcm-minutes", type=float, default=None, help="fit each LCM's step count into this budget")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(__file__), "..", "test", "fixtures"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                    help="auto: bf16 autocast on CUDA, and on a CPU where a bf16 matrix product measures >= 1.5x "
                         "faster than fp32 (concept_tools/precision.py)")
    ap.add_argument("--stage", default="all", choices=["all", "sonar", "lcm", "export", "eval"],
                    help="eval: measure the SONAR pack in --out again (no training; keeps the training figures)")
    args = ap.parse_args()
    args.preset = args.preset or ("small" if args.device.startswith("cuda") else "mini")
    if args.preset == "mini" and not args.toy:
        # the CPU recipe is sized by time, not steps: SONAR 40 min on one schedule (sentences only, the curriculum),
        # 15 min more with a fifth of the items CLDR phrase pairs (vocabulary for the languages with few sentences),
        # then 15 min of the decoder alone (encoder frozen: the retrieval stops moving before the decoder does),
        # LCMs 2 x 4 min, concept encoding, export and evaluation ~20 min -- about 95 minutes in all. On the 2-core
        # machines this project trains on, bf16 autocast makes a step ~4x faster than fp32 (tools/bench_train.py), so
        # these 70 minutes buy more updates than the 230 fp32 minutes of the previous recipe did; a CPU without fast
        # bf16 gets fewer.
        args.sonar_minutes = args.sonar_minutes or 40
        args.lcm_minutes = args.lcm_minutes or 4
        if args.sonar_steps is None:
            args.sonar_steps = 100000  # a ceiling only: the time budget ends the run
            if args.sonar_extend_minutes is None:
                args.sonar_extend_minutes = EXTEND_MINUTES
                args.sonar_extend_steps = 100000  # a ceiling on the total step count: the time budget ends it
            if args.phrase_share is None:
                args.phrase_share = PHRASE_SHARE
            if args.decoder_minutes is None:
                args.decoder_minutes = DECODER_MINUTES
    root = os.path.join(os.path.dirname(__file__), "..")
    args.work = args.work or os.path.join(root, ".work", args.preset)
    args.out = args.out or os.path.join(root, "models", args.preset)
    if args.preset != "mini":
        args.fixtures = None  # the test fixtures pin the bundled mini packs only
    torch.set_num_threads(args.threads)
    from concept_tools.allocator import keep_freed_memory
    keep_freed_memory()  # vocabulary-sized tensors are reused instead of page-faulted in every step
    if args.stage == "eval":
        from concept_tools import mini_pipeline
        mini_pipeline.reevaluate_sonar(args.out)
        return
    os.makedirs(args.work, exist_ok=True)
    from concept_tools import train_sonar
    t0 = time.time()
    budget = args.sonar_minutes * 60 if args.sonar_minutes else None
    enc, dec, tok, cfg, ex = train_sonar.train(args.work, args.sonar_steps, device=args.device,
                                               time_budget_s=budget, preset=args.preset, toy=args.toy,
                                               lr_cap=args.sonar_lr_cap, precision=args.precision)
    if args.sonar_extend_minutes and budget:
        # resumes the checkpoint; the time budget counts the first stage's minutes too
        enc, dec, tok, cfg, ex = train_sonar.train(
            args.work, args.sonar_extend_steps, device=args.device, preset=args.preset, toy=args.toy,
            time_budget_s=budget + args.sonar_extend_minutes * 60, lr_cap=args.sonar_extend_lr,
            precision=args.precision, phrase_share=args.phrase_share or 0.0)
        enc.train_info["schedule"] = (f"{args.sonar_minutes:.0f} min on the full schedule, then "
                                      f"{args.sonar_extend_minutes:.0f} min with the LR scaled by "
                                      f"{args.sonar_extend_lr:g} (decaying to the end)"
                                      + (f", {100 * args.phrase_share:.0f}% of the items CLDR phrase pairs"
                                         if args.phrase_share else ""))
    if args.decoder_minutes:
        from concept_tools import train_decoder
        dec, dinfo = train_decoder.train(args.work, enc, dec, tok, ex, time_budget_s=args.decoder_minutes * 60,
                                         lr_cap=args.decoder_lr, device=args.device, preset=args.preset,
                                         toy=args.toy, precision=args.precision,
                                         phrase_share=args.phrase_share or 0.0)
        enc.train_info["decoder_stage"] = {k: v for k, v in dinfo.items() if k != "probes"}
        enc.train_info["probes"] = list(enc.train_info.get("probes") or []) + [
            {**p, "stage": "decoder"} for p in dinfo["probes"]]
        enc.train_info["minutes"] += dinfo["minutes"]
        enc.train_info["schedule"] = (enc.train_info.get("schedule") or "the SONAR stage") + (
            f"; then {args.decoder_minutes:.0f} min ({dinfo['steps']} steps) of the decoder alone, encoder frozen, "
            f"LR {args.decoder_lr:g} x the peak decaying to the end")
    print(f"sonar done in {(time.time() - t0) / 60:.1f} min", flush=True)
    if args.stage == "sonar":
        return
    from concept_tools import mini_pipeline
    mini_pipeline.run(args, enc.cpu(), dec.cpu(), tok, cfg, ex)


if __name__ == "__main__":
    main()
