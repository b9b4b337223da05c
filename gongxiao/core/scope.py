"""Helpers for views and the API that fetch one object through the data scope."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_visible_or_404(queryset: QuerySet[M], user: Any, **lookup: Any) -> M:
    """The object if it exists *and* the user may see it; a 404 otherwise, never a 403 that leaks it."""
    try:
        return queryset.visible_to(user).get(**lookup)  # type: ignore[attr-defined]
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None
