"""The number fields of the conventions: money in yuan with 2 places, quantities with 3, unit costs with 4."""

from __future__ import annotations

from typing import Any

from django.db import models


def money_field(label: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=2, **kwargs)


def quantity_field(label: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=3, **kwargs)


def cost_field(label: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=4, **kwargs)
