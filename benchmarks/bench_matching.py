"""Contract farming matching: 300 village plans × 100 buyer orders (5 products), solved by the
two-stage linear program of `gongxiao.market.contracts.solve` (HiGHS). Target: under 2 s.

    python benchmarks/run.py matching
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

from _common import setup_django

TITLE = "contract farming matching"
TARGET_S = 2.0


def _setup() -> None:
    """The project's settings, in run.py's process (the solver touches no database)."""
    setup_django(DJANGO_SETTINGS_MODULE="gongxiao.settings", DATABASE_URL="sqlite:///:memory:")


def problem(plans: int, buyers: int, products: int = 5, seed: int = 2023) -> tuple[list[Any], list[Any]]:
    from gongxiao.market.contracts import Demand, Supply

    rng = random.Random(seed)
    supplies = [
        Supply(
            i,
            rng.randrange(products),
            Decimal(rng.randrange(500, 20000)),
            27.6 + rng.random() * 0.6,
            119.8 + rng.random() * 0.8,
        )
        for i in range(plans)
    ]
    demands = [
        Demand(
            j,
            rng.randrange(products),
            Decimal(rng.randrange(5000, 60000)),
            27.5 + rng.random() * 1.0,
            119.6 + rng.random() * 1.2,
        )
        for j in range(buyers)
    ]
    return supplies, demands


def run(options: Any) -> list[dict[str, Any]]:
    _setup()
    from gongxiao.market.contracts import solve

    rows = []
    for plans, buyers in [(30, 10), (300, 100)]:
        supplies, demands = problem(plans, buyers)
        started = time.perf_counter()
        result = solve(supplies, demands)
        seconds = time.perf_counter() - started
        print(f"matching {plans} plans × {buyers} buyers: {seconds:.3f} s", flush=True)
        row = {
            "bench": TITLE,
            "size": f"{plans}×{buyers}",
            "seconds": f"{seconds:.3f}",
            "covered kg": str(result.covered),
            "unmet kg": str(sum(result.unmet.values(), Decimal(0))),
            "unsold kg": str(sum(result.unsold.values(), Decimal(0))),
        }
        if (plans, buyers) == (300, 100):
            row["target"] = f"< {TARGET_S:.0f} s: {'met' if seconds < TARGET_S else 'MISSED'}"
        rows.append(row)
    return rows
