#!/usr/bin/env python3
"""Write the SONAR graph templates that the app's TypeScript converter fills with checkpoint weights
(tools/concept_tools/sonar_templates.py explains the format). Run once per architecture size; the output is committed.

    /usr/bin/python3 tools/make_sonar_templates.py --out main/engine/packs/templates/sonar \\
        --spm test/fixtures/random/test_model.model                          # the test size (d 64, 2+2 layers)
    /usr/bin/python3 tools/make_sonar_templates.py --out main/engine/packs/templates/sonar --full --export-vocab 4096"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concept_tools.sonar_templates import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
