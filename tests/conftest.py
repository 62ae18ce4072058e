import os
import sys
from pathlib import Path

from hypothesis import settings

# Test helpers (rosterkit, hardrules) live beside the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# CI runs property tests with a fixed seed so a submission's result does not depend on luck;
# locally hypothesis keeps exploring new examples.
if os.environ.get("CI"):
    settings.register_profile("ci", derandomize=True)
    settings.load_profile("ci")
