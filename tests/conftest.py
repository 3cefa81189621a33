"""Test-session settings: hypothesis explores new examples locally and replays fixed ones in CI."""

from __future__ import annotations

import os

from hypothesis import settings

# CI must give the same verdict on the same commit; local runs keep drawing fresh examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
