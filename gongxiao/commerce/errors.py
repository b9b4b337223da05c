"""Refusals of the trading core, with the Chinese message a clerk reads."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class TradeError(ValidationError):
    """A document cannot be confirmed or reversed as it stands; nothing was written."""


class InsufficientStock(TradeError):
    pass
