#!/usr/bin/env python3
"""Retrain the whole bundled mini model family (SONAR-style encoder/decoder, Base-LCM, Two-Tower LCM), export the
packs to models/mini/, evaluate on held-out data and write the reference fixtures.

    /usr/bin/python3 tools/train_mini.py [--work .work/mini] [--sonar-steps N] [--device cpu|cuda]

Every stage checkpoints into --work and resumes from there; seeds are fixed."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(os.path.dirname(__file__), "..", ".work", "mini"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models", "mini"))
    ap.add_argument("--sonar-steps", type=int, default=2800)  # ~1.45 s/step on 2 quiet cores
    ap.add_argument("--sonar-minutes", type=float, default=None, help="stop SONAR training after this long")
    ap.add_argument("--lcm-steps", type=int, default=400)  # Base ~0.75 s/step, Two-Tower ~1.6 s/step
    ap.add_argument("--lcm-minutes", type=float, default=None, help="fit each LCM's step count into this budget")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(__file__), "..", "test", "fixtures"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--stage", default="all", choices=["all", "sonar", "lcm", "export"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    from concept_tools import train_sonar
    t0 = time.time()
    budget = args.sonar_minutes * 60 if args.sonar_minutes else None
    enc, dec, tok, cfg, ex = train_sonar.train(args.work, args.sonar_steps, device=args.device,
                                               time_budget_s=budget)
    print(f"sonar done in {(time.time() - t0) / 60:.1f} min", flush=True)
    if args.stage == "sonar":
        return
    from concept_tools import mini_pipeline
    mini_pipeline.run(args, enc.cpu(), dec.cpu(), tok, cfg, ex)


if __name__ == "__main__":
    main()
