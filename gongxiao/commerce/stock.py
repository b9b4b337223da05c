"""The stock ledger: append moves and update balances in one transaction, under row locks.

Balances are locked with ``select_for_update`` in key order (location, product, batch) so that two
documents touching the same rows never deadlock. The new quantity and value are computed in
Decimal from the locked row and written as values, not as ``F()`` arithmetic: the lock already
rules out lost updates, and SQLite would do ``F()`` arithmetic on NUMERIC columns in floating
point, leaving residues like 8.8e-16 yuan on an empty shelf. On SQLite the lock is the database's
single writer (transactions start IMMEDIATE). Costs are moving averages per location, product
and batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gongxiao.commerce.errors import InsufficientStock
from gongxiao.commerce.models import Batch, Document, Location, Product, StockBalance, StockMove
from gongxiao.core import clock
from gongxiao.core.numbers import plain

CENT = Decimal("0.01")
COST_PLACES = Decimal("0.0001")
ZERO = Decimal("0")


@dataclass
class MoveSpec:
    location: Location
    product: Product
    quantity: Decimal  # signed, in the product's base unit
    kind: str
    batch: Batch | None = None
    unit_cost: Decimal | None = None  # receipts at a known cost; otherwise the location's average
    line_no: int = 0  # the document line, for messages
    cost_of_previous: bool = False  # a transfer's receiving side takes the issuing side's cost

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.location.pk, self.product.pk, self.batch.pk if self.batch else 0)


def _key_filter(keys: Iterable[tuple[int, int, int]]) -> Q:
    query = Q(pk__in=[])
    for location_id, product_id, batch_key in keys:
        query |= Q(location_id=location_id, product_id=product_id, batch_key=batch_key)
    return query


def lock_balances(keys: set[tuple[int, int, int]]) -> dict[tuple[int, int, int], StockBalance]:
    """Create missing balance rows, then lock all of them in key order."""
    existing = set(
        StockBalance.objects.filter(_key_filter(keys)).values_list("location_id", "product_id", "batch_key")
    )
    missing = [
        StockBalance(location_id=loc, product_id=prod, batch_id=batch or None, batch_key=batch)
        for loc, prod, batch in sorted(keys - existing)
    ]
    if missing:
        StockBalance.objects.bulk_create(missing, ignore_conflicts=True)
    locked = (
        StockBalance.objects.select_for_update()
        .filter(_key_filter(keys))
        .order_by("location_id", "product_id", "batch_key")
    )
    return {(b.location_id, b.product_id, b.batch_key): b for b in locked}


def _unit_label(product: Product) -> str:
    return str(product.get_base_unit_display())


def apply_moves(specs: list[MoveSpec], document: Document | None = None) -> list[StockMove]:
    """Write the moves and update the balances; refuse (and write nothing) if any stock would go negative."""
    if not specs:
        return []
    with transaction.atomic():
        balances = lock_balances({spec.key for spec in specs})
        state = {key: [b.quantity, b.value] for key, b in balances.items()}
        now = clock.now()
        moves: list[StockMove] = []
        for spec in specs:
            quantity, value = state[spec.key]
            if spec.quantity >= 0:
                if spec.cost_of_previous and moves:
                    unit_cost = moves[-1].unit_cost
                elif spec.unit_cost is not None:
                    unit_cost = spec.unit_cost
                else:
                    unit_cost = (
                        (value / quantity).quantize(COST_PLACES) if quantity > 0 else spec.product.price
                    )
                delta_value = (spec.quantity * unit_cost).quantize(CENT, ROUND_HALF_UP)
            else:
                if quantity + spec.quantity < 0:
                    message = _(
                        "not enough stock of %(product)s at %(location)s: %(available)s %(unit)s on hand, "
                        "%(wanted)s %(unit)s wanted"
                    ) % {
                        "product": spec.product,
                        "location": spec.location,
                        "available": plain(quantity),
                        "wanted": plain(-spec.quantity),
                        "unit": _unit_label(spec.product),
                    }
                    if spec.line_no:
                        message = _("Line %(line)s “%(field)s”: %(message)s") % {
                            "line": spec.line_no,
                            "field": _("quantity"),
                            "message": message,
                        }
                    raise InsufficientStock(message, code="insufficient_stock")
                if spec.unit_cost is not None:
                    unit_cost = spec.unit_cost
                else:
                    unit_cost = (value / quantity).quantize(COST_PLACES) if quantity > 0 else ZERO
                if quantity + spec.quantity == 0:
                    delta_value = -value
                else:
                    delta_value = (spec.quantity * unit_cost).quantize(CENT, ROUND_HALF_UP)
            state[spec.key] = [quantity + spec.quantity, value + delta_value]
            moves.append(
                StockMove(
                    created_at=now,
                    location=spec.location,
                    product=spec.product,
                    batch=spec.batch,
                    kind=spec.kind,
                    quantity=spec.quantity,
                    unit_cost=unit_cost,
                    value=delta_value,
                    document=document,
                )
            )
        for key, balance in balances.items():
            quantity, value = state[key]
            if quantity != balance.quantity or value != balance.value:
                StockBalance.objects.filter(pk=balance.pk).update(quantity=quantity, value=value)
        StockMove.objects.bulk_create(moves)
    return moves


def on_hand(location: Location, product: Product, batch: Batch | None = None) -> Decimal:
    balance = StockBalance.objects.filter(
        location=location, product=product, batch_key=batch.pk if batch else 0
    ).first()
    return balance.quantity if balance else ZERO
