#!/usr/bin/env python3
"""Regenerate the random-graph packs and fixtures under test/fixtures/random (seconds, no training needed)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from concept_tools.fixtures import ROOT, random_family  # noqa: E402

if __name__ == "__main__":
    torch.set_num_threads(1)
    random_family(os.path.join(ROOT, "test", "fixtures", "random"))
    print("wrote test/fixtures/random")
