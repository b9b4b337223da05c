"""Writing an outlet that has passed its checks: the store's stock location, the outlet, its villages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from gongxiao.network.models import Outlet, store_location


def save_outlet(user: Any, outlet: Outlet, villages: Iterable[int] | None = None) -> Outlet:
    """Save `outlet` in one transaction; a store without a stock location gets one first, as on the form.

    The history row names `user`, also when no request is running (imports in a thread, the demo).
    """
    with transaction.atomic():
        if outlet.is_store and outlet.location_id is None:
            location = store_location(outlet.organization, outlet.code, outlet.name, outlet.address)
            location.save()
            outlet.location = location
        outlet._history_user = user  # type: ignore[attr-defined]
        outlet.save()
        if villages is not None:
            outlet.villages.set(villages)
    return outlet
