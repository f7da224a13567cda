#!/usr/bin/env python3
"""Convert a Large Concept Model checkpoint trained with facebookresearch/large_concept_model (Base-LCM or Two-Tower
diffusion LCM, fairseq2 `{"model": state_dict}`) into a Concept Studio LCM pack.

    /usr/bin/python3 tools/convert_lcm.py --checkpoint checkpoints/step_N/model.pt [--normalizer normalizer.pt] \
        --out ~/ConceptStudio/packs/my-lcm [--heads 16] [--schedule cosine --train-steps 100]

The key-name mapping and the architecture differences that were checked are documented in
tools/concept_tools/convert_lcm.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concept_tools.convert_lcm import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
