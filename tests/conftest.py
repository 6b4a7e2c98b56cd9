"""Shared test configuration: hypothesis profiles.

``ci`` (the default under CI=true) keeps the suite quick on 2 cores; ``dev`` is the default
locally; ``thorough`` is for hunting bugs by hand (HYPOTHESIS_PROFILE=thorough).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
