"""Shared test configuration: hypothesis profiles.

``ci`` (the default under CI=true) keeps the suite quick on 2 cores and is derandomized, so a
CI run is a pure function of the commit (a gate that a new random example can turn red one run
in five is no gate); ``dev``, the default locally, explores new random examples every run and
is where bugs are found (then pinned with ``@example``); ``thorough`` is for hunting bugs by
hand (HYPOTHESIS_PROFILE=thorough).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
