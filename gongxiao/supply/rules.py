"""The rules of 《农药管理条例》 for every sale line of a pesticide, whatever page or API sells it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongxiao.commerce.models import Document, DocumentLine
from gongxiao.core import clock

_STORE = "_pesticide_store"  # per document: ((location, day), the store has an outlet, its licence)


def current_licence(outlet):  # type: ignore[no-untyped-def]
    from gongxiao.supply.models import PesticideLicence

    today = clock.today()
    return (
        PesticideLicence.objects.filter(outlet=outlet, valid_from__lte=today, valid_to__gte=today)
        .order_by("-valid_to")
        .first()
    )


def _store(document: Document) -> tuple[bool, Any]:
    """Whether the document's location is an outlet's, and that outlet's valid licence (or None).

    Looked up once per sale, not once per pesticide line: one query when the licence is valid
    (found through its outlet's location), a second only to tell a missing outlet from a missing
    licence in the refusal.
    """
    from gongxiao.network.models import Outlet
    from gongxiao.supply.models import PesticideLicence

    today = clock.today()
    key = (document.location_id, today)
    cached = getattr(document, _STORE, None)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    licence = (
        PesticideLicence.objects.filter(
            outlet__location_id=document.location_id, valid_from__lte=today, valid_to__gte=today
        )
        .order_by("-valid_to")
        .first()
    )
    has_outlet = licence is not None or Outlet.objects.filter(location_id=document.location_id).exists()
    setattr(document, _STORE, (key, has_outlet, licence))
    return has_outlet, licence


def _has_real_name_record(line: DocumentLine) -> bool:
    """The line's real-name record: one the seller attached to the line before it was saved (the
    counter writes the records with the sale), or else one in the database."""
    from gongxiao.supply.models import PesticideSaleRecord

    relation = DocumentLine._meta.get_field("pesticide_record")
    if relation.is_cached(line):  # type: ignore[union-attr]
        return relation.get_cached_value(line) is not None  # type: ignore[union-attr]
    return line.pk is not None and PesticideSaleRecord.objects.filter(line=line).exists()


def pesticide_sale_check(document: Document, line: DocumentLine) -> str | None:
    """A pesticide is sold only at a licensed store, restricted ones only under that scope, by real name."""
    product = line.product
    if not product.is_pesticide:
        return None
    has_outlet, licence = _store(document)
    if not has_outlet:
        return _("pesticides are sold only at a store with a pesticide business licence")
    if licence is None:
        return _("the store's pesticide business licence is missing or expired; pesticides cannot be sold")
    if product.is_restricted and not licence.covers_restricted:
        return _("a restricted-use pesticide; the store's licence does not cover restricted-use pesticides")
    if not _has_real_name_record(line):
        return _("real-name sale: the buyer's name, resident ID, address, crop and pest are required")
    return None
