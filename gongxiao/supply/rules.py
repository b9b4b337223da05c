"""The rules of 《农药管理条例》 for every sale line of a pesticide, whatever page or API sells it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongxiao.commerce.models import Document, DocumentLine
from gongxiao.core import clock


def current_licence(outlet):  # type: ignore[no-untyped-def]
    from gongxiao.supply.models import PesticideLicence

    today = clock.today()
    return (
        PesticideLicence.objects.filter(outlet=outlet, valid_from__lte=today, valid_to__gte=today)
        .order_by("-valid_to")
        .first()
    )


def pesticide_sale_check(document: Document, line: DocumentLine) -> str | None:
    """A pesticide is sold only at a licensed store, restricted ones only under that scope, by real name."""
    from gongxiao.network.models import Outlet
    from gongxiao.supply.models import PesticideSaleRecord

    product = line.product
    if not product.is_pesticide:
        return None
    outlet = Outlet.objects.filter(location_id=document.location_id).first()
    if outlet is None:
        return _("pesticides are sold only at a store with a pesticide business licence")
    licence = current_licence(outlet)
    if licence is None:
        return _("the store's pesticide business licence is missing or expired; pesticides cannot be sold")
    if product.is_restricted and not licence.covers_restricted:
        return _("a restricted-use pesticide; the store's licence does not cover restricted-use pesticides")
    if not PesticideSaleRecord.objects.filter(line=line).exists():
        return _("real-name sale: the buyer's name, resident ID, address, crop and pest are required")
    return None
