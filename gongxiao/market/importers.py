"""The import of a channel's orders through the foundation's engine (`core.excel.run_import`).

Every mall exports orders in its own columns; the channel's saved mapping says which header is
the order number, the time, the product (code or name), quantity, price, buyer, status and
refund. `IMPORTERS["channel_orders:<channel id>"]` is the importer bound to one channel, so the
import job (and its background thread) and its confirmation find it. The same importer checks
the orders a mall pushes as JSON (`layout="push"`: the columns are the JSON keys).

A row is one line of an order; (order number, product) is its key within the channel, so a file
imported twice changes nothing, and a later file that marks an order refunded or cancelled
reverses its sale (`actions.apply_changes`). Products are found by code or name as the channel
says; an unknown or ambiguous product is a row error naming the value, never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.caravan.models import VillagePoint
from gongxiao.commerce.models import Business, Product
from gongxiao.core import clock
from gongxiao.core.excel import (
    Column,
    Importer,
    RowError,
    cell_text,
    choice_labels,
    choice_parser,
    insert_rows,
    parse_bool,
    parse_date,
    parse_decimal,
    register,
)
from gongxiao.core.models import Organization, User
from gongxiao.core.numbers import plain
from gongxiao.core.regions import VillageLookup
from gongxiao.market import actions
from gongxiao.market.models import (
    Allocation,
    BuyerOrder,
    Channel,
    ChannelOrder,
    ProductionPlan,
    Season,
)
from gongxiao.members.models import Member

LOCAL = ZoneInfo(settings.TIME_ZONE)
SALE = ChannelOrder.SALE_STATUSES
FULL = "full"  # a refund flag without an amount: the whole order
TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
)

# The fields of an order, in the order of the mapping form and of a pushed order's JSON keys.
FIELDS: list[tuple[str, Any, bool]] = [
    ("order_no", gettext_lazy("order number"), True),
    ("ordered_at", gettext_lazy("order time"), True),
    ("product", gettext_lazy("product (code or name)"), True),
    ("quantity", gettext_lazy("quantity"), True),
    ("unit_price", gettext_lazy("unit price"), True),
    ("buyer", gettext_lazy("buyer"), False),
    ("status", gettext_lazy("order status"), False),
    ("refund", gettext_lazy("refund (amount, or 是/否)"), False),
]
PUSH_KEYS = {"order_no": "order_no", "unit_price": "price"}  # the JSON key where it is not the field


def parse_order_time(value: Any) -> dt.datetime:
    """An order time as malls write it: an Excel date, 2022-03-05 10:23:45, 2022/3/5 10:23 ..."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        text = cell_text(value)
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in TIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise RowError(_("must be a time like 2022-03-05 10:23:45")) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LOCAL)  # China has had no daylight saving time since 1991
    return moment.astimezone(LOCAL)


def parse_quantity(value: Any) -> Decimal:
    quantity = parse_decimal(value, 3)
    if quantity <= 0:
        raise RowError(_("must be greater than 0"))
    return quantity


def parse_price(value: Any) -> Decimal:
    price = parse_decimal(value, 4)
    if price < 0:
        raise RowError(_("must not be negative"))
    return price


def parse_refund(value: Any) -> Decimal | str:
    """A refund column: an amount (0 = none), or a flag 是/否 meaning the whole order or nothing."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = parse_decimal(value, 2)
    else:
        text = cell_text(value)
        try:
            return FULL if parse_bool(text) else Decimal("0")
        except RowError:
            pass
        try:
            amount = parse_decimal(text, 2)
        except RowError:
            raise RowError(_("must be a refund amount, or 是 / 否")) from None
    if amount < 0:
        raise RowError(_("must not be negative"))
    return amount


def status_parser(channel: Channel) -> Any:
    """The mall's status word as paid, refunded or cancelled, by the channel's lists of words."""
    refunded = channel.words(channel.refund_words) | {
        ChannelOrder.Status.REFUNDED.value,
        str(ChannelOrder.Status.REFUNDED.label),
    }
    cancelled = channel.words(channel.cancel_words) | {
        ChannelOrder.Status.CANCELLED.value,
        str(ChannelOrder.Status.CANCELLED.label),
    }

    def parse(value: Any) -> str:
        text = cell_text(value)
        if text in cancelled:
            return ChannelOrder.Status.CANCELLED
        if text in refunded:
            return ChannelOrder.Status.REFUNDED
        return ChannelOrder.Status.PAID

    return parse


class ChannelOrderImporter(Importer):
    name = "channel_orders"
    label = gettext_lazy("Channel orders")
    model = ChannelOrder
    permission = "market.import_orders"
    columns: ClassVar[list[Column]] = []
    key_fields = ("order_no", "product_id")
    compare_fields = ("status", "refund_amount")
    ignores_other_columns = True
    channel: ClassVar[Channel]
    layout: ClassVar[str] = "file"

    @classmethod
    def bind(cls, argument: str) -> type[Importer]:
        try:
            channel = Channel.objects.select_related("organization", "location").get(pk=int(argument))
        except (Channel.DoesNotExist, ValueError):
            raise KeyError(argument) from None
        return cls.for_channel(channel)

    @classmethod
    def for_channel(cls, channel: Channel, layout: str = "file") -> type[ChannelOrderImporter]:
        """The importer of this channel's files (its mapping), or of its pushed JSON orders."""
        return type(
            f"ChannelOrderImporter{channel.pk}",
            (cls,),
            {
                "channel": channel,
                "layout": layout,
                "columns": columns_for(channel, layout),
                "label": format_lazy("{}（{}）", gettext_lazy("Channel orders"), channel.name),
            },
        )

    def __init__(self, user: User, organization: Organization | None = None) -> None:
        if organization is None and hasattr(self, "channel"):
            organization = self.channel.organization
        super().__init__(user, organization)
        self.headers = {column.field: str(column.header) for column in self.columns}
        self.source = ChannelOrder.Source.PUSH if self.layout == "push" else ChannelOrder.Source.IMPORT

    def prepare(self) -> None:
        if not hasattr(self, "channel"):
            raise LookupError("channel_orders: name the channel, channel_orders:<id>")
        if not self.user.can_manage(self.channel.organization):
            raise PermissionError(self.channel)
        self.products = product_lookup(self.channel)
        self.latest = clock.now() + dt.timedelta(days=1)

    def _error(self, field: str, message: str) -> RowError:
        return RowError(message, self.headers.get(field, ""))

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        order_no = values["order_no"]
        if len(order_no) > 64:
            raise self._error("order_no", _("at most 64 characters"))
        text = values["product"]
        product = self.products.get(text)
        if product is None:
            raise self._error(
                "product",
                _("no product with the %(how)s “%(value)s”; register it in the products or correct the file")
                % {"how": self.channel.get_product_match_display(), "value": text},
            )
        if isinstance(product, str):
            raise self._error("product", product)
        ordered_at = values["ordered_at"]
        if ordered_at > self.latest:
            raise self._error("ordered_at", _("lies in the future"))
        quantity = values["quantity"]
        price = values["unit_price"]
        amount = actions.line_amount(quantity, price)
        status = values.get("status", ChannelOrder.Status.PAID)
        refund = values.get("refund", Decimal("0"))
        refund_amount = Decimal("0")
        if status == ChannelOrder.Status.CANCELLED:
            pass  # no money changed hands, or all of it went back: the order is simply not a sale
        elif status == ChannelOrder.Status.REFUNDED or refund:
            refund_amount = amount if refund in (FULL, Decimal("0")) else refund
            if refund_amount > amount:
                raise self._error(
                    "refund",
                    _("the refund %(refund)s is more than the order's amount %(amount)s")
                    % {"refund": refund_amount, "amount": amount},
                )
            status = (
                ChannelOrder.Status.REFUNDED
                if refund_amount == amount
                else ChannelOrder.Status.PARTLY_REFUNDED
            )
        buyer = values.get("buyer", "")
        if len(buyer) > 100:
            raise self._error("buyer", _("at most 100 characters"))
        return {
            "order_no": order_no,
            "product_id": product.pk,
            "ordered_at": ordered_at,
            "quantity": quantity,
            "unit_price": price,
            "amount": amount,
            "refund_amount": refund_amount,
            "status": status,
            "buyer": buyer,
        }

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], ChannelOrder]:
        orders = ChannelOrder.objects.filter(channel=self.channel).select_related("document")
        if not orders.exists():
            return {}
        numbers = sorted({key[0] for key in keys})
        found: dict[tuple[Any, ...], ChannelOrder] = {}
        for start in range(0, len(numbers), 500):
            for order in orders.filter(order_no__in=numbers[start : start + 500]):
                found[(order.order_no, order.product_id)] = order
        return found

    def may_change(self, instance: Any) -> bool:
        return bool(self.user.can_manage(self.channel.organization))

    def check_existing(self, instance: Any, values: dict[str, Any]) -> None:
        order: ChannelOrder = instance
        for field, label in (("quantity", _("quantity")), ("unit_price", _("unit price"))):
            if getattr(order, field) != values[field]:
                raise self._error(
                    field,
                    _(
                        "order %(order)s was imported with %(field)s %(old)s, the file says %(new)s; "
                        "an order on the books is not changed: refunds come as a refund"
                    )
                    % {
                        "order": order.order_no,
                        "field": label,
                        "old": plain(getattr(order, field)),
                        "new": plain(values[field]),
                    },
                )
        if not order.is_sale and values["status"] in SALE:
            raise self._error(
                "status",
                _("order %(order)s is already %(status)s and cannot become a sale again")
                % {"order": order.order_no, "status": order.get_status_display()},
            )
        if order.is_sale and values["status"] in SALE and values["refund_amount"] < order.refund_amount:
            raise self._error(
                "refund",
                _("order %(order)s already has %(old)s yuan refunded; a refund is not taken back")
                % {"order": order.order_no, "old": order.refund_amount},
            )
        if (
            order.document is not None
            and order.reversal_id is None
            and order.document.status != order.document.Status.CONFIRMED
            and values["status"] != order.status
        ):
            raise self._error(
                "status",
                _("the sale document %(number)s of order %(order)s was reversed in the trade documents")
                % {"number": order.document, "order": order.order_no},
            )

    def check_writes(self, new: list[dict[str, Any]], changed: list[Any]) -> list[str]:
        if not self.channel.is_active:
            return [_("The channel %(channel)s is closed.") % {"channel": self.channel}]
        need: dict[int, Decimal] = defaultdict(Decimal)
        for row in new:
            if row["status"] in SALE:
                need[row["product_id"]] += row["quantity"]
        return actions.stock_shortages(self.channel, need)

    def create(self, rows: list[dict[str, Any]]) -> None:
        """Post the new sales (and any pushed ones waiting) in one document, then store the rows."""
        channel = actions.lock_channel(self.channel)
        document = None
        pending: list[ChannelOrder] = []
        if self.layout == "file":
            pending = list(channel.lines().pending().order_by("pk"))
            sales = [actions.Sale.of(order) for order in pending]
            sales += actions.Sale.of_rows(row for row in rows if row["status"] in SALE)
            if sales:
                document = actions.post_sales(self.user, channel, sales)
        for row in rows:
            row["document_id"] = document.pk if document is not None and row["status"] in SALE else None
        insert_rows(
            ChannelOrder,
            rows,
            common={"channel_id": channel.pk, "source": self.source, "created_at": clock.now()},
        )
        if pending:
            ChannelOrder.objects.filter(pk__in=[order.pk for order in pending]).update(document=document)

    def bulk_update(self, objs: list[Any], fields: Any) -> None:
        actions.apply_changes(self.user, actions.lock_channel(self.channel), objs)

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "order_no": obj.order_no,
            "ordered_at": obj.ordered_at,
            "product": obj.product.code,
            "quantity": obj.quantity,
            "unit_price": obj.unit_price,
            "buyer": obj.buyer,
            "status": obj.get_status_display(),
            "refund": obj.refund_amount,
        }


register(ChannelOrderImporter)


def columns_for(channel: Channel, layout: str = "file") -> list[Column]:
    parsers: dict[str, tuple[Any, bool]] = {
        "order_no": (cell_text, False),
        "ordered_at": (parse_order_time, True),  # the lines of one order share its time
        "product": (cell_text, False),
        "quantity": (parse_quantity, True),
        "unit_price": (parse_price, True),
        "buyer": (cell_text, False),
        "status": (status_parser(channel), True),
        "refund": (parse_refund, True),
    }
    mapping = (
        channel.mapping() if layout == "file" else {name: PUSH_KEYS.get(name, name) for name, *_r in FIELDS}
    )
    columns = []
    for name, label, required in FIELDS:
        header = mapping.get(name)
        if not header:
            continue
        parse, repeats = parsers[name]
        columns.append(
            Column(header, name, required=required, parse=parse, repeats=repeats, help=label, width=18)
        )
    return columns


def product_lookup(channel: Channel) -> dict[str, Product | str]:
    """Products the channel may sell, by code and/or name as its mapping says; an ambiguous name
    maps to the message that says so."""
    org = channel.organization
    ancestors = [org.path[:n] for n in range(org.steplen, len(org.path), org.steplen)]
    products = Product.objects.filter(
        Q(organization__path__startswith=org.path) | Q(organization__path__in=ancestors)
    ).order_by("code")
    by_code: dict[str, Product | str] = {}
    by_name: dict[str, list[Product]] = defaultdict(list)
    for product in products:
        by_code[product.code] = product
        by_name[product.name].append(product)
        full = str(product)
        if full != product.name:
            by_name[full].append(product)
    lookup: dict[str, Product | str] = {}
    match = channel.product_match
    if match in (Channel.ProductMatch.NAME, Channel.ProductMatch.EITHER):
        for name, found in by_name.items():
            if len(found) == 1:
                lookup[name] = found[0]
            else:
                lookup[name] = _(
                    "“%(name)s” is the name of several products (codes %(codes)s); use the product code"
                ) % {"name": name, "codes": "、".join(p.code for p in found)}
    if match in (Channel.ProductMatch.CODE, Channel.ProductMatch.EITHER):
        lookup.update(by_code)
    for key, value in list(lookup.items()):
        if isinstance(value, Product):
            refusal = actions.sale_refusal(value)
            if refusal:
                lookup[key] = refusal
    return lookup


# ---------------------------------------------------------------- contract farming (订单农业)

CHINA_LONGITUDE = (Decimal("73"), Decimal("136"))
CHINA_LATITUDE = (Decimal("18"), Decimal("54"))
RESIDENT_ID_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _year(value: Any) -> int:
    text = cell_text(value)
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise RowError(_("must be a year like 2023"))
    return int(text)


def _kg(value: Any) -> Decimal:
    number = parse_decimal(value, 3)
    if number < 0:
        raise RowError(_("must not be negative"))
    return number


def _money(value: Any) -> Decimal:
    number = parse_decimal(value, 2)
    if number < 0:
        raise RowError(_("must not be negative"))
    return number


def _coordinate(value: Any) -> Decimal:
    return parse_decimal(value, 6)


def _header(columns: list[Column], field: str) -> str:
    return str(next(c.header for c in columns if c.field == field))


def _check_in_china(columns: list[Column], field: str, value: Decimal) -> None:
    low, high = CHINA_LONGITUDE if field == "longitude" else CHINA_LATITUDE
    if not low <= value <= high:
        raise RowError(
            _("%(value)s is not in China (%(low)s to %(high)s); are longitude and latitude swapped?")
            % {"value": f"{value.normalize():f}", "low": low, "high": high},
            _header(columns, field),
        )


class _ProduceLookup:
    """The farm produce the user's organization may use, by product code."""

    def __init__(self, user: User) -> None:
        self.by_code: dict[str, list[int]] = defaultdict(list)
        produce = Product.objects.visible_to(user).filter(business=Business.FARM_PRODUCE)
        for pk, code in produce.values_list("pk", "code"):
            self.by_code[code].append(pk)

    def find(self, code: str, column: str) -> int:
        found = self.by_code.get(code, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise RowError(
                _(
                    "several farm products have the code “%(code)s”; ask the county office to correct the catalog"
                )
                % {"code": code},
                column,
            )
        raise RowError(
            _("no farm produce with the code “%(code)s”; register it in the products or correct the file")
            % {"code": code},
            column,
        )


def _allocated(field_name: str, keys: list[int]) -> dict[int, Decimal]:
    rows = (
        Allocation.objects.filter(**{f"{field_name}__in": keys})
        .values(field_name)
        .annotate(kg=Sum("quantity_kg"))
    )
    return {row[field_name]: row["kg"] for row in rows}


# the product and the season a plan or an order is for: the same three columns in both files
_PRODUCT_YEAR_SEASON = [
    Column(
        gettext_lazy("product code"),
        "product",
        True,
        width=12,
        help=gettext_lazy("The code of a farm produce product in the product catalog"),
    ),
    Column(gettext_lazy("year"), "year", True, _year, width=8, repeats=True),
    Column(
        gettext_lazy("season"),
        "season",
        True,
        choice_parser(Season.choices),
        choices=choice_labels(Season.choices),
        width=8,
        repeats=True,
    ),
]


@register
class ProductionPlanImporter(Importer):
    """Village production plans: one row per village, product, year and season (the plan's natural
    key, as on the page); a plan already stored under that key takes the file's figures. The village
    by division code or name (`core.regions.VillageLookup`); the collection point, when left blank,
    is the village's stopping place (caravan); the members taking part by their ID numbers, a blank
    cell leaving the plan's members as they are."""

    name = "production_plans"
    label = gettext_lazy("Village production plans")
    model = ProductionPlan
    permission = "market.add_productionplan"
    # named after the columns, so that a key refused names them; `create` writes them as ids
    key_fields = ("village", "product", "year", "season")
    compare_fields = ("area_mu", "expected_kg", "latitude", "longitude", "note", "member_ids")
    columns = [
        Column(
            gettext_lazy("division code"),
            "code",
            width=14,
            help=gettext_lazy("The village's 12-digit division code; or fill in the village column"),
        ),
        Column(
            gettext_lazy("Village"),
            "village",
            width=16,
            help=gettext_lazy(
                "Village name, or town name + village name when two villages share a name, or the 12-digit division code"
            ),
        ),
        *_PRODUCT_YEAR_SEASON,
        Column(gettext_lazy("area (mu)"), "area_mu", True, _money, width=10),
        Column(
            gettext_lazy("expected yield (kg)"),
            "expected_kg",
            True,
            _kg,
            width=14,
            help=gettext_lazy("Kilograms, up to 3 decimals"),
        ),
        Column(
            gettext_lazy("longitude"),
            "longitude",
            parse=_coordinate,
            width=12,
            help=gettext_lazy("The collection point, degrees east; blank: the village's stopping place"),
        ),
        Column(
            gettext_lazy("latitude"),
            "latitude",
            parse=_coordinate,
            width=12,
            help=gettext_lazy("The collection point, degrees north; blank: the village's stopping place"),
        ),
        Column(
            gettext_lazy("participating members (ID numbers)"),
            "members",
            width=40,
            help=gettext_lazy(
                "The members' ID numbers separated by commas or 、; blank leaves the plan's members as they are"
            ),
        ),
        Column(gettext_lazy("note"), "note", width=20),
    ]

    def prepare(self) -> None:
        county = self.organization.county
        self.villages = VillageLookup(county.region if county.region_id else None)
        self.produce = _ProduceLookup(self.user)
        self.points = {
            village_id: (latitude, longitude)
            for village_id, latitude, longitude in VillagePoint.objects.values_list(
                "village_id", "latitude", "longitude"
            )
        }
        self.members = dict(
            Member.objects.visible_to(self.user).filter(is_active=True).values_list("id_number", "pk")
        )

    def _village(self, values: dict[str, Any]) -> int:
        code, name = values.get("code", ""), values.get("village", "")
        if not code and not name:
            raise RowError(
                _("give the village's division code or its name"), _header(self.columns, "village")
            )
        village_id = self.villages.find(code or name, _header(self.columns, "code" if code else "village"))
        if code and name and self.villages.find(name, _header(self.columns, "village")) != village_id:
            raise RowError(
                _("“%(name)s” is not the village with the division code %(code)s")
                % {"name": name, "code": code},
                _header(self.columns, "village"),
            )
        return village_id

    def _member_ids(self, text: str) -> frozenset[int]:
        ids = set()
        column = _header(self.columns, "members")
        for number in RESIDENT_ID_SEPARATORS.split(text.upper()):
            if not number:
                continue
            if number not in self.members:
                raise RowError(
                    _("no active member with the ID number %(number)s among your members")
                    % {"number": number},
                    column,
                )
            ids.add(self.members[number])
        return frozenset(ids)

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        village_id = self._village(values)
        product_id = self.produce.find(values["product"], _header(self.columns, "product"))
        latitude, longitude = values.get("latitude"), values.get("longitude")
        if latitude is None and longitude is None:
            if village_id not in self.points:
                raise RowError(
                    _(
                        "the village has no stopping place yet; fill in the collection point's longitude and latitude"
                    ),
                    _header(self.columns, "longitude"),
                )
            latitude, longitude = self.points[village_id]
        elif latitude is None or longitude is None:
            raise RowError(
                _("fill in both longitude and latitude, or leave both blank"),
                _header(self.columns, "latitude" if latitude is None else "longitude"),
            )
        else:
            _check_in_china(self.columns, "longitude", longitude)
            _check_in_china(self.columns, "latitude", latitude)
        cleaned = {
            "village": village_id,
            "product": product_id,
            "year": values["year"],
            "season": values["season"],
            "area_mu": values["area_mu"],
            "expected_kg": values["expected_kg"],
            "latitude": latitude,
            "longitude": longitude,
            "note": values.get("note", ""),
        }
        if values.get("members"):
            cleaned["member_ids"] = self._member_ids(values["members"])
        return cleaned

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], ProductionPlan]:
        wanted = set(keys)
        found: dict[tuple[Any, ...], ProductionPlan] = {}
        villages = sorted({key[0] for key in keys})
        for start in range(0, len(villages), 900):
            plans = (
                ProductionPlan.objects.filter(village_id__in=villages[start : start + 900])
                .select_related("organization")
                .prefetch_related("members")
            )
            for plan in plans:
                key = (plan.village_id, plan.product_id, plan.year, plan.season)
                if key in wanted:
                    plan.member_ids = frozenset(m.pk for m in plan.members.all())  # type: ignore[attr-defined]
                    found[key] = plan
        self.allocated = _allocated("plan", [plan.pk for plan in found.values()])
        return found

    def check_existing(self, instance: Any, values: dict[str, Any]) -> None:
        allocated = self.allocated.get(instance.pk, Decimal(0))
        if values["expected_kg"] < allocated:
            raise RowError(
                _("%(kg)s kg of this plan are already allocated to buyers; the expected yield cannot be less")
                % {"kg": plain(allocated)},
                _header(self.columns, "expected_kg"),
            )

    def create(self, rows: list[dict[str, Any]]) -> None:
        for values in rows:
            member_ids = values.pop("member_ids", None)
            values["village_id"], values["product_id"] = values.pop("village"), values.pop("product")
            plan = ProductionPlan.objects.create(organization=self.organization, **values)
            if member_ids:
                plan.members.set(member_ids)

    def bulk_update(self, objs: list[Any], fields: Sequence[str]) -> None:
        super().bulk_update(objs, [f for f in fields if f != "member_ids"])
        for plan in objs:
            plan.members.set(plan.member_ids)


@register
class BuyerOrderImporter(Importer):
    """Buyers' orders, keyed by the order number within the importing organization (`BuyerOrder.code`):
    importing the same file again changes nothing, a later file with the same numbers updates the
    orders. An order already matched to plans keeps its product and at least its allocated quantity."""

    name = "buyer_orders"
    label = gettext_lazy("Buyer orders")
    model = BuyerOrder
    permission = "market.add_buyerorder"
    key_fields = ("organization_id", "code")
    compare_fields = (
        "buyer_name",
        "buyer_kind",
        "contact",
        "town",
        "latitude",
        "longitude",
        "product_id",
        "year",
        "season",
        "quantity_kg",
        "price",
        "deliver_from",
        "deliver_to",
    )
    columns = [
        Column(
            gettext_lazy("buyer's order number"),
            "code",
            True,
            width=16,
            help=gettext_lazy(
                "Unique within your organization; importing the same number again updates the order"
            ),
        ),
        Column(gettext_lazy("buyer"), "buyer_name", True, width=20),
        Column(
            gettext_lazy("buyer kind"),
            "buyer_kind",
            True,
            choice_parser(BuyerOrder.BuyerKind.choices),
            choices=choice_labels(BuyerOrder.BuyerKind.choices),
            width=14,
            repeats=True,
        ),
        Column(gettext_lazy("contact (person, phone)"), "contact", width=18),
        Column(gettext_lazy("town or address"), "town", width=18, help=gettext_lazy("Where to deliver")),
        Column(
            gettext_lazy("longitude"),
            "longitude",
            True,
            _coordinate,
            width=12,
            help=gettext_lazy("The delivery place, degrees east, up to 6 decimals"),
        ),
        Column(
            gettext_lazy("latitude"),
            "latitude",
            True,
            _coordinate,
            width=12,
            help=gettext_lazy("The delivery place, degrees north, up to 6 decimals"),
        ),
        *_PRODUCT_YEAR_SEASON,
        Column(
            gettext_lazy("quantity (kg)"),
            "quantity_kg",
            True,
            _kg,
            width=12,
            help=gettext_lazy("Kilograms, up to 3 decimals"),
        ),
        Column(gettext_lazy("price per kg"), "price", True, _money, width=10),
        Column(gettext_lazy("deliver from"), "deliver_from", True, parse_date, width=12, repeats=True),
        Column(gettext_lazy("deliver to"), "deliver_to", True, parse_date, width=12, repeats=True),
    ]

    def prepare(self) -> None:
        self.produce = _ProduceLookup(self.user)

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        product_id = self.produce.find(values["product"], _header(self.columns, "product"))
        _check_in_china(self.columns, "longitude", values["longitude"])
        _check_in_china(self.columns, "latitude", values["latitude"])
        if values["deliver_to"] < values["deliver_from"]:
            raise RowError(
                _("The delivery window ends before it starts."), _header(self.columns, "deliver_to")
            )
        return {
            "organization_id": self.organization.pk,
            "code": values["code"],
            "buyer_name": values["buyer_name"],
            "buyer_kind": values["buyer_kind"],
            "contact": values.get("contact", ""),
            "town": values.get("town", ""),
            "latitude": values["latitude"],
            "longitude": values["longitude"],
            "product_id": product_id,
            "year": values["year"],
            "season": values["season"],
            "quantity_kg": values["quantity_kg"],
            "price": values["price"],
            "deliver_from": values["deliver_from"],
            "deliver_to": values["deliver_to"],
        }

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], BuyerOrder]:
        codes = [key[1] for key in keys]
        found: dict[tuple[Any, ...], BuyerOrder] = {}
        for start in range(0, len(codes), 900):
            orders = BuyerOrder.objects.filter(
                organization=self.organization, code__in=codes[start : start + 900]
            ).select_related("organization")
            for order in orders:
                found[(order.organization_id, order.code)] = order
        self.allocated = _allocated("order", [order.pk for order in found.values()])
        return found

    def check_existing(self, instance: Any, values: dict[str, Any]) -> None:
        allocated = self.allocated.get(instance.pk)
        if allocated is None:
            return
        if values["product_id"] != instance.product_id:
            raise RowError(
                _("the order is already matched to production plans; its product cannot change"),
                _header(self.columns, "product"),
            )
        if values["quantity_kg"] < allocated:
            raise RowError(
                _("%(kg)s kg of this order are already allocated; the quantity cannot be less")
                % {"kg": plain(allocated)},
                _header(self.columns, "quantity_kg"),
            )
