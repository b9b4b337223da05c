"""Marketing over the API: channels, orders, brands, statistics, a fair's stall, and the push of a
mall's orders authenticated by the channel's own token.

The same actions and checks as the pages; a channel outside the user's subtree answers 404, a
refused write changes nothing and says why in Chinese.
"""

# No `from __future__ import annotations` here: ninja reads a paginated view's parameter types in
# the globals of its pagination wrapper, where `dt.date` as a string cannot be resolved.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Response
from ninja.security import HttpBearer

from gongxiao.commerce.api import DocumentOut
from gongxiao.commerce.errors import InsufficientStock, TradeError
from gongxiao.commerce.models import Product
from gongxiao.core import clock
from gongxiao.core.api import require_perm
from gongxiao.core.excel import run_import
from gongxiao.core.http import AuthedRequest
from gongxiao.market import actions, statistics
from gongxiao.market.importers import FIELDS, PUSH_KEYS, ChannelOrderImporter
from gongxiao.market.models import Brand, Channel, ChannelOrder

router = Router(tags=["marketing"])

MAX_PUSH = 5000


class ChannelOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    platform: str
    operator: str
    organization_id: int
    location_id: int
    is_active: bool
    starts_on: dt.date | None
    ends_on: dt.date | None
    venue: str
    organizers: str
    visitors: int | None
    online_views: int | None
    mapping: dict[str, str]
    has_push_token: bool

    @staticmethod
    def resolve_mapping(obj: Channel) -> dict[str, str]:
        return obj.mapping()

    @staticmethod
    def resolve_has_push_token(obj: Channel) -> bool:
        return bool(obj.push_token_digest)


class OrderOut(Schema):
    id: int
    channel_id: int
    order_no: str
    ordered_at: dt.datetime
    product_id: int
    product_code: str = Field(alias="product.code")
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    refund_amount: Decimal
    status: str
    buyer: str
    payment_method: str
    source: str
    document_id: int | None
    reversal_id: int | None


class BrandOut(Schema):
    id: int
    name: str
    slogan: str
    launched_year: int | None
    organization_id: int
    product_ids: list[int]
    producer_ids: list[int]

    @staticmethod
    def resolve_product_ids(obj: Brand) -> list[int]:
        return sorted(p.pk for p in obj.products.all())

    @staticmethod
    def resolve_producer_ids(obj: Brand) -> list[int]:
        return sorted(m.pk for m in obj.producers.all())


class FigureOut(Schema):
    key: Any
    label: str
    orders: int
    amount: Decimal
    quantity: Decimal


class StatisticsOut(Schema):
    first: dt.date
    last: dt.date
    orders: int
    amount: Decimal
    amount_wan: Decimal
    refunded_orders: int
    refunded_amount: Decimal
    sentence: str
    events: int
    visitors: int
    online_views: int
    by_channel: list[FigureOut]
    by_month: list[FigureOut]
    by_product: list[FigureOut]
    by_brand: list[FigureOut]

    @staticmethod
    def resolve_sentence(obj: statistics.Statistics) -> str:
        return obj.sentence()


def _channel(request: AuthedRequest, channel_id: int) -> Channel:
    require_perm(request, "market.view_channel")
    return get_object_or_404(
        Channel.objects.visible_to(request.user).select_related("organization", "location"), pk=channel_id
    )


def _refusal(exc: TradeError) -> Response:
    code = getattr(exc, "code", None)
    if code == "forbidden":
        raise HttpError(403, "；".join(exc.messages))
    status = 409 if isinstance(exc, InsufficientStock) else 422
    return Response(
        {"detail": "；".join(exc.messages), "errors": [{"field": "", "message": m} for m in exc.messages]},
        status=status,
    )


REFUSALS = {
    "responses": {
        "409": {
            "description": "Refused, nothing written: not enough stock, or another write at the same time"
        },
        "422": {
            "description": "Refused, nothing written: one message per order (or line) and field, in Chinese"
        },
    }
}


@router.get("/market/channels", response=list[ChannelOut])
def list_channels(request: AuthedRequest, kind: str | None = None) -> Any:
    require_perm(request, "market.view_channel")
    channels = Channel.objects.visible_to(request.user).order_by("code")
    if kind:
        channels = channels.filter(kind=kind)
    return channels


@router.get("/market/channels/{channel_id}", response=ChannelOut)
def get_channel(request: AuthedRequest, channel_id: int) -> Any:
    return _channel(request, channel_id)


@router.get("/market/orders", response=list[OrderOut])
@paginate(PageNumberPagination, page_size=100)
def list_orders(
    request: AuthedRequest,
    channel_id: int | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Any:
    """Order lines, newest first; an order of two products is two lines with one number."""
    require_perm(request, "market.view_channelorder")
    orders = (
        ChannelOrder.objects.visible_to(request.user).select_related("product").order_by("-ordered_at", "-pk")
    )
    if channel_id is not None:
        orders = orders.filter(channel=_channel(request, channel_id))
    if status:
        orders = orders.filter(status=status)
    if date_from:
        orders = orders.filter(ordered_at__gte=statistics.period_bounds(date_from, date_from)[0])
    if date_to:
        orders = orders.filter(ordered_at__lt=statistics.period_bounds(date_to, date_to)[1])
    return orders


@router.get("/market/brands", response=list[BrandOut])
def list_brands(request: AuthedRequest) -> Any:
    require_perm(request, "market.view_brand")
    return Brand.objects.visible_to(request.user).prefetch_related("products", "producers").order_by("name")


@router.get("/market/brands/{brand_id}", response=BrandOut)
def get_brand(request: AuthedRequest, brand_id: int) -> Any:
    require_perm(request, "market.view_brand")
    return get_object_or_404(Brand.objects.visible_to(request.user), pk=brand_id)


@router.get("/market/statistics", response=StatisticsOut)
def get_statistics(
    request: AuthedRequest,
    year: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel_id: int | None = None,
    kind: str | None = None,
) -> Any:
    """Orders and sales of the channels in a year (or from `date_from` to `date_to`), by channel,
    month, product and brand, with the report's sentence."""
    require_perm(request, "market.view_channelorder")
    orders = ChannelOrder.objects.visible_to(request.user)
    channels = Channel.objects.visible_to(request.user)
    if channel_id is not None:
        channel = _channel(request, channel_id)
        orders, channels = orders.filter(channel=channel), channels.filter(pk=channel.pk)
    elif kind:
        orders, channels = orders.filter(channel__kind=kind), channels.filter(kind=kind)
    if date_from and date_to:
        if date_to < date_from:
            raise HttpError(422, _("“date_to”: must not be before date_from"))
        first, last = date_from, date_to
    else:
        year = year or clock.today().year
        if not 2000 <= year <= clock.today().year + 1:
            raise HttpError(422, _("“year”: from 2000 to next year"))
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return statistics.compute(orders, first, last, channels)


@router.post(
    "/market/channels/{channel_id}/post", response={200: DocumentOut, 204: None}, openapi_extra=REFUSALS
)
def post_channel(request: AuthedRequest, channel_id: int) -> Any:
    """Book the orders waiting for posting (pushed by the mall, or a stall's) as one sale document."""
    require_perm(request, "market.import_orders")
    channel = _channel(request, channel_id)
    try:
        document = actions.post_pending(request.user, channel)
    except TradeError as exc:
        return _refusal(exc)
    if document is None:
        return Status(204, None)
    return document


# ---------------------------------------------------------------- a fair's stall


class StallLineIn(Schema):
    product_id: int
    quantity: Decimal = Field(gt=0, decimal_places=3)
    unit_price: Decimal | None = Field(default=None, ge=0, decimal_places=4)


class StallSaleIn(Schema):
    method: str
    buyer: str = Field(default="", max_length=100)
    lines: list[StallLineIn]


@router.post(
    "/market/channels/{channel_id}/stall-orders", response={201: list[OrderOut]}, openapi_extra=REFUSALS
)
def stall_sale(request: AuthedRequest, channel_id: int, payload: StallSaleIn) -> Any:
    """One checkout at a fair's stall: recorded as one order, posted when the stall closes."""
    require_perm(request, "market.sell_at_stall")
    channel = _channel(request, channel_id)
    products = Product.objects.visible_to(request.user).in_bulk({line.product_id for line in payload.lines})
    try:
        missing = [line.product_id for line in payload.lines if line.product_id not in products]
        if missing:
            raise TradeError(
                [
                    _("“product_id”: %(id)s does not exist or is not visible to you") % {"id": pk}
                    for pk in missing
                ],
                code="invalid",
            )
        orders = actions.sell_at_stall(
            request.user,
            channel,
            [
                actions.StallLine(products[line.product_id], line.quantity, line.unit_price)
                for line in payload.lines
            ],
            payload.method,
            payload.buyer,
        )
    except TradeError as exc:
        return _refusal(exc)
    for order in orders:
        order.product = products[order.product_id]
    return Status(201, orders)


# ---------------------------------------------------------------- a mall pushes its orders


class ChannelTokenAuth(HttpBearer):
    """`Authorization: Bearer mk_…`: the channel's push token, not a user's API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        channel = actions.channel_for_token(token)
        if channel is not None:
            request.user = channel.push_token_user  # type: ignore[assignment]
        return channel


class PushOrderIn(Schema):
    order_no: str = Field(max_length=64)
    ordered_at: str = Field(max_length=40, description="2022-03-05 10:23:45, or ISO 8601 with offset")
    product: str = Field(max_length=100, description="product code or name, as the channel's mapping says")
    quantity: Decimal
    price: Decimal
    buyer: str = Field(default="", max_length=100)
    status: str = Field(
        default="", max_length=20, description="the mall's status word, or paid / refunded / cancelled"
    )
    refund: Decimal | str | None = Field(default=None, description="refund amount, or 是 / 否")


class PushIn(Schema):
    orders: list[PushOrderIn] = Field(max_length=MAX_PUSH)


class PushOut(Schema):
    created: int
    updated: int
    unchanged: int
    waiting: int


PUSH_COLUMNS = [PUSH_KEYS.get(name, name) for name, *_rest in FIELDS]


@router.post(
    "/market/push/orders",
    auth=ChannelTokenAuth(),
    response={200: PushOut},
    url_name="push_orders",
    openapi_extra=REFUSALS,
)
def push_orders(request: AuthedRequest, payload: PushIn) -> Any:
    """A mall pushes new and changed orders of its channel; each (order number, product) is recorded
    once, a refund or cancellation reverses the sale. All the orders of a push are written, or none.
    New sales wait for the channel's daily posting (or its next import)."""
    channel: Channel = request.auth  # type: ignore[attr-defined]
    require_perm(request, "market.import_orders")
    if not payload.orders:
        raise HttpError(422, _("“orders”: send at least one order"))
    rows: list[list[Any]] = [PUSH_COLUMNS]
    for order in payload.orders:
        values = order.model_dump()
        rows.append(["" if values[key] is None else values[key] for key in PUSH_COLUMNS])
    importer = ChannelOrderImporter.for_channel(channel, layout="push")(request.user)
    try:
        result = run_import(importer, rows, dry_run=False)
    except TradeError as exc:
        return _refusal(exc)
    except IntegrityError:
        return Response(
            {"detail": _("Another push or import of this channel ran at the same time; send again.")},
            status=409,
        )
    if result.errors:
        errors = []
        for error in result.errors:
            index = error["row"] - 1 if error["row"] else 0
            prefix = _("Order %(index)s") % {"index": index} if index else ""
            where = f"{prefix}“{error['column']}”" if error["column"] else prefix
            errors.append(
                {
                    "order": index or None,
                    "order_no": payload.orders[index - 1].order_no if index else "",
                    "field": error["column"],
                    "message": f"{where}：{error['message']}" if where else error["message"],
                }
            )
        return Response(
            {"detail": _("The orders are not valid; nothing was written."), "errors": errors}, status=422
        )
    waiting = channel.lines().pending().values("order_no").distinct().count()
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "waiting": waiting,
    }
