"""Settings of the benchmark's web server: production settings, plus the bare JSON view for the overhead ratio."""

from portal.settings import *  # noqa: F403 (the production settings, unchanged)

ROOT_URLCONF = "bench.urls"
