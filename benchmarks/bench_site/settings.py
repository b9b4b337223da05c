"""Gongxiao's settings with the benchmarks' URLconf (`DJANGO_SETTINGS_MODULE=bench_site.settings`).

Only the benches load this (with `benchmarks/` on the path); the production URLconf has no
baseline endpoint.
"""

from gongxiao.settings import *  # noqa: F403

ROOT_URLCONF = "bench_site.urls"
