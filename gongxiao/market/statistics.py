"""Sales of the channels per period: orders, amounts, by channel, month, product and brand.

Read from the orders themselves (their order time, their net amount after refunds), so that a
period means when customers bought, whatever day the sales were posted to the trading core. An
order is counted once however many product lines it has; a refunded or cancelled order is not a
sale; a partly refunded one is, at its net amount.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from gongxiao.market.models import Brand, Channel, ChannelOrder

ZERO = Decimal("0")
CENT = Decimal("0.01")
QUANTITY = Decimal("0.001")
TEN_THOUSAND = Decimal("10000")
LOCAL = ZoneInfo(settings.TIME_ZONE)


@dataclass
class Figure:
    """Orders and net sales of one group (a channel, a month, a product, a brand)."""

    key: Any
    label: str
    orders: int = 0
    amount: Decimal = ZERO
    quantity: Decimal = ZERO

    @property
    def amount_wan(self) -> Decimal:
        return (self.amount / TEN_THOUSAND).quantize(Decimal("0.01"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "orders": self.orders,
            "amount": self.amount,
            "quantity": self.quantity,
        }


@dataclass
class Statistics:
    first: dt.date
    last: dt.date
    orders: int = 0
    amount: Decimal = ZERO
    refunded_orders: int = 0
    refunded_amount: Decimal = ZERO
    by_channel: list[Figure] = field(default_factory=list)
    by_month: list[Figure] = field(default_factory=list)
    by_product: list[Figure] = field(default_factory=list)
    by_brand: list[Figure] = field(default_factory=list)
    events: int = 0  # the fairs of the channels in the period, and their own figures
    event_orders: int = 0
    event_amount: Decimal = ZERO
    visitors: int = 0
    online_views: int = 0

    @property
    def amount_wan(self) -> Decimal:
        return (self.amount / TEN_THOUSAND).quantize(Decimal("0.01"))

    @property
    def whole_year(self) -> bool:
        return (self.first.month, self.first.day, self.last.month, self.last.day) == (1, 1, 12, 31) and (
            self.first.year == self.last.year
        )

    def sentence(self) -> str:
        """The report's words: 全年实现销售笔数 N 笔，累计销售额度 X 万元."""
        values = {"count": f"{self.orders:,}", "amount": f"{self.amount_wan:,}"}
        if self.whole_year:
            # Translators: the annual report's words: 全年实现销售笔数 %(count)s 笔，累计销售额度 %(amount)s 万元
            return (
                _("over the year %(count)s sales orders, %(amount)s ten thousand yuan of sales in all")
                % values
            )
        return _("%(count)s sales orders, %(amount)s ten thousand yuan of sales in all") % values

    def event_sentence(self) -> str:
        """The report's words for fairs: 两次活动累计完成订单约 N 笔，累计销售 X 万元，活动平台点击率超 Y 万人次."""
        return _(
            "%(events)s events: %(count)s orders, %(amount)s ten thousand yuan of sales, "
            "%(visitors)s visitors and %(views)s ten thousand online views"
        ) % {
            "events": self.events,
            "count": f"{self.event_orders:,}",
            "amount": f"{(self.event_amount / TEN_THOUSAND).quantize(Decimal('0.01')):,}",
            "visitors": f"{self.visitors:,}",
            "views": f"{(Decimal(self.online_views) / TEN_THOUSAND).quantize(Decimal('0.1')):,}",
        }

    def chart(self) -> dict[str, Any]:
        """What the page's ECharts draw, as JSON-safe values (amounts in yuan as numbers)."""
        return {
            "months": [f.label for f in self.by_month],
            "month_orders": [f.orders for f in self.by_month],
            "month_amounts": [float(f.amount) for f in self.by_month],
            "channels": [
                {"name": f.label, "value": float(f.amount), "orders": f.orders} for f in self.by_channel
            ],
            "brands": [{"name": f.label, "value": float(f.amount)} for f in self.by_brand],
            "products": [{"name": f.label, "value": float(f.amount)} for f in self.by_product[:15]],
        }


def summed(value: Any, places: Decimal = CENT) -> Decimal:
    """A database sum as a Decimal of the column's places: SQLite sums NUMERIC columns in floating
    point (639242.300000004), PostgreSQL exactly."""
    return Decimal(value or 0).quantize(places)


def period_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
    return start, end


def _grouped(sales: QuerySet, *fields: str) -> dict[Any, tuple[int, Decimal, Decimal]]:
    """Orders, net amount and quantity by the first field(s); orders counted per channel, then summed."""
    result: dict[Any, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    rows = (
        sales.values(*fields, "channel_id")
        .annotate(
            orders=Count("order_no", distinct=True),
            gross=Sum("amount"),
            refunds=Sum("refund_amount"),
            quantity=Sum("quantity"),
        )
        .order_by()
    )
    for row in rows:
        key = tuple(row[f] for f in fields) if len(fields) > 1 else row[fields[0]]
        entry = result[key]
        entry[0] += row["orders"]
        entry[1] += summed(row["gross"]) - summed(row["refunds"])
        entry[2] += summed(row["quantity"], QUANTITY)
    return {key: (value[0], value[1], value[2]) for key, value in result.items()}


def compute(orders: QuerySet, first: dt.date, last: dt.date, channels: QuerySet | None = None) -> Statistics:
    """The statistics of these orders (already scoped and filtered by channel) from `first` to `last`.

    `channels` are the channels the figures are about, for the events' visitors and views.
    """
    start, end = period_bounds(first, last)
    in_period = orders.filter(ordered_at__gte=start, ordered_at__lt=end)
    sales = in_period.filter(status__in=ChannelOrder.SALE_STATUSES)
    stats = Statistics(first=first, last=last)

    by_channel = _grouped(sales, "channel_id")
    names = dict(Channel.objects.filter(pk__in=by_channel).values_list("pk", "name"))
    stats.by_channel = sorted(
        (Figure(pk, names[pk], *by_channel[pk]) for pk in by_channel), key=lambda f: (-f.amount, f.label)
    )
    stats.orders = sum(f.orders for f in stats.by_channel)
    stats.amount = sum((f.amount for f in stats.by_channel), ZERO)
    fairs = set(
        Channel.objects.filter(pk__in=by_channel, kind=Channel.Kind.EVENT).values_list("pk", flat=True)
    )
    stats.event_orders = sum(f.orders for f in stats.by_channel if f.key in fairs)
    stats.event_amount = sum((f.amount for f in stats.by_channel if f.key in fairs), ZERO)

    by_month = _grouped(sales.annotate(month=TruncMonth("ordered_at", tzinfo=LOCAL)), "month")
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    month_of = {(m.date() if isinstance(m, dt.datetime) else m): v for m, v in by_month.items()}
    stats.by_month = [
        Figure(m.isoformat()[:7], m.strftime("%Y-%m"), *month_of.get(m, (0, ZERO, ZERO))) for m in months
    ]

    by_product = _grouped(sales, "product_id", "product__code", "product__name")
    stats.by_product = sorted(
        (Figure(key[0], f"{key[2]}（{key[1]}）", *value) for key, value in by_product.items()),
        key=lambda f: (-f.amount, f.label),
    )

    by_brand = _grouped(sales, "product__market_brands")
    brand_names = dict(Brand.objects.filter(pk__in=[k for k in by_brand if k]).values_list("pk", "name"))
    stats.by_brand = sorted(
        (
            Figure(key, brand_names[key] if key else _("(no regional brand)"), *value)
            for key, value in by_brand.items()
        ),
        key=lambda f: (f.key is None, -f.amount, f.label),
    )

    refunds = in_period.exclude(status=ChannelOrder.Status.PAID).aggregate(
        lines=Count("pk"), amount=Sum("refund_amount", filter=~Q(status=ChannelOrder.Status.CANCELLED))
    )
    stats.refunded_orders = (
        in_period.filter(status__in=[ChannelOrder.Status.REFUNDED, ChannelOrder.Status.PARTLY_REFUNDED])
        .values("channel_id", "order_no")
        .distinct()
        .count()
    )
    stats.refunded_amount = summed(refunds["amount"])

    if channels is not None:
        events = channels.filter(kind=Channel.Kind.EVENT, starts_on__lte=last, ends_on__gte=first)
        totals = events.aggregate(count=Count("pk"), visitors=Sum("visitors"), views=Sum("online_views"))
        stats.events = totals["count"] or 0
        stats.visitors = totals["visitors"] or 0
        stats.online_views = totals["views"] or 0
    return stats
