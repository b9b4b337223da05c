"""Stock as of the end of a day, from the moves.

A move counts on the day it corrects (`StockMove.corrects_date`, set on the moves of a correction of
an earlier day and of its reversal), else on the local date (Asia/Shanghai) of `created_at`. Stock
on hand today is the balance table (`gongxiao.commerce.stock`); these figures are for a past day:
the reserve's day-by-day compliance, and the check that a correction leaves no day negative.

Keys are ``(location_id, product_id)``, or ``(location_id, product_id, batch_id or 0)`` with
``by_batch=True``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import DateField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from gongxiao.commerce.models import StockMove

ZERO = Decimal("0")
QTY = Decimal("0.001")

Key = tuple[int, ...]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def counts_before(day: dt.date) -> Q:
    """Moves that count on a day before `day`."""
    return Q(corrects_date__lt=day) | Q(corrects_date__isnull=True, created_at__lt=_start_of(day))


def counts_between(first: dt.date, last: dt.date) -> Q:
    """Moves that count on a day from `first` through `last`."""
    return Q(corrects_date__gte=first, corrects_date__lte=last) | Q(
        corrects_date__isnull=True,
        created_at__gte=_start_of(first),
        created_at__lt=_start_of(last + dt.timedelta(days=1)),
    )


def _moves(
    locations: Iterable[int] | None, products: Iterable[int] | None, batches: Iterable[int] | None = None
) -> QuerySet[StockMove]:
    moves = StockMove.objects.all()
    if locations is not None:
        moves = moves.filter(location_id__in=list(locations))
    if products is not None:
        moves = moves.filter(product_id__in=list(products))
    if batches is not None:
        wanted = list(batches)
        q = Q(batch_id__in=[b for b in wanted if b])
        if 0 in wanted:
            q |= Q(batch__isnull=True)
        moves = moves.filter(q)
    return moves


def _key_fields(by_batch: bool) -> list[str]:
    return ["location_id", "product_id", "batch_id"] if by_batch else ["location_id", "product_id"]


def _key(row: dict, by_batch: bool) -> Key:
    if by_batch:
        return (row["location_id"], row["product_id"], row["batch_id"] or 0)
    return (row["location_id"], row["product_id"])


def _quantity(value: object) -> Decimal:
    # SQLite sums NUMERIC columns in floating point: back to the column's places
    return Decimal(str(value or 0)).quantize(QTY)


def stock_as_of(
    day: dt.date,
    *,
    locations: Iterable[int] | None = None,
    products: Iterable[int] | None = None,
    batches: Iterable[int] | None = None,
    by_batch: bool = False,
) -> dict[Key, Decimal]:
    """Stock at the end of `day` per location and product (and batch), for the keys with moves."""
    rows = (
        _moves(locations, products, batches)
        .filter(counts_before(day + dt.timedelta(days=1)))
        .values(*_key_fields(by_batch))
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    return {_key(row, by_batch): _quantity(row["quantity"]) for row in rows}


def stock_series(
    first: dt.date,
    last: dt.date,
    *,
    locations: Iterable[int] | None = None,
    products: Iterable[int] | None = None,
    batches: Iterable[int] | None = None,
    by_batch: bool = False,
) -> dict[Key, dict[dt.date, Decimal]]:
    """Stock at the end of each day from `first` through `last`, per key: two queries.

    A key with no move up to `last` is absent; callers read a missing key as 0 every day.
    """
    locations = list(locations) if locations is not None else None
    products = list(products) if products is not None else None
    batches = list(batches) if batches is not None else None
    opening = stock_as_of(
        first - dt.timedelta(days=1),
        locations=locations,
        products=products,
        batches=batches,
        by_batch=by_batch,
    )
    fields = _key_fields(by_batch)
    changes: dict[Key, dict[dt.date, Decimal]] = {}
    rows = (
        _moves(locations, products, batches)
        .filter(counts_between(first, last))
        .annotate(day=Coalesce("corrects_date", TruncDate("created_at"), output_field=DateField()))
        .values(*fields, "day")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    for row in rows:
        day = row["day"]
        if isinstance(day, str):  # pragma: no cover - a backend without a date converter here
            day = dt.date.fromisoformat(day)
        by_day = changes.setdefault(_key(row, by_batch), {})
        by_day[day] = by_day.get(day, ZERO) + _quantity(row["quantity"])
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    series: dict[Key, dict[dt.date, Decimal]] = {}
    for key in set(opening) | set(changes):
        running = opening.get(key, ZERO)
        by_day = changes.get(key, {})
        series[key] = {}
        for day in days:
            running += by_day.get(day, ZERO)
            series[key][day] = running
    return series


def first_negative_day(
    first: dt.date, last: dt.date, key: Key, change: Decimal
) -> tuple[dt.date, Decimal] | None:
    """The first day from `first` through `last` whose stock at `key` (location, product, batch)
    would be negative with `change` added, and that stock; None when every day stays at 0 or above."""
    if change >= 0 or last < first:
        return None
    location_id, product_id, batch_key = key
    series = stock_series(
        first, last, locations=[location_id], products=[product_id], batches=[batch_key], by_batch=True
    ).get(key, {})
    day = first
    while day <= last:
        stock = series.get(day, ZERO) + change
        if stock < 0:
            return day, stock
        day += dt.timedelta(days=1)
    return None
