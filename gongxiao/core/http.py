from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from gongxiao.core.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind login_required (or an authenticated API route)."""

    user: User  # type: ignore[assignment]
