#!/usr/bin/env python3
"""Convert the official SONAR text checkpoints into a Concept Studio SONAR pack (run on your own machine; the
weights are CC-BY-NC-4.0 and are never shipped with the app).

    /usr/bin/python3 tools/convert_sonar.py --encoder sonar_text_encoder.pt --decoder sonar_text_decoder.pt \
        --spm sentencepiece.source.256000.model --out ~/ConceptStudio/packs/sonar

Files: https://dl.fbaipublicfiles.com/SONAR/{sonar_text_encoder.pt,sonar_text_decoder.pt,
sentencepiece.source.256000.model}. Needs ~12 GB of RAM at the peak and ~6.5 GB of disk for the pack
(measured on random full-size checkpoints: 3 min on 2 busy cores)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concept_tools.convert_sonar import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
