"""How channel orders reach the trading core: batches of sales, refunds by red reversal and blue re-post.

Design, for volume. A mall sells thousands of small orders a month; one confirmed commerce
document per order would make the stock ledger, the document list and the numbering carry tens
of thousands of one-line documents, and confirming one costs tens of milliseconds (locks,
balances, moves, numbering): 100,000 orders would take over an hour. So the orders are kept as
`ChannelOrder` rows (written in bulk by the import engine's `insert_rows`) and their sales reach
`commerce` as **one confirmed sale document per posting**, with one line per product and price:

* a file import posts its new orders (and any pushed orders still waiting) in one document, in
  the import's own transaction: importing a mall's export for a day, a week or a month gives one
  document for that channel and posting day. Documents are dated when they are confirmed (the
  trading core dates stock moves *now*), so the day a document carries is the posting day; the
  orders keep their own order times, and the statistics read those;
* orders pushed by a mall through the API are recorded at once (idempotent, validated) and wait
  to be posted: `post_pending` books all of a channel's waiting orders as one document, run
  daily (`gongxiao post-channel-orders`, e.g. from cron) or from the channel's page;
* a fair's stall records each checkout as orders with their payment method and posts the day's
  takings as one document with its payments when the stall closes (收摊入账);

A refund or cancellation that a later file (or push, or the stall) reports for an order already
posted is handled as Chinese bookkeeping does (红冲蓝补): the document holding the order is
reversed by `commerce.actions.reverse_document` (a red document: stock back, amount negative)
and the orders of it that remain sales are posted again in a new (blue) document. A confirmed
document is never edited; the net sales of the period are right, and the orders say which red
document took them off the books. A partial refund stays a sale at its net price.

Line amounts: orders whose quantity × price is exact in cents are summed into one line per
product and price; any other order (kilograms at a four-place price, a partial refund) gets a
line of its own, so that a document's total is the sum of its orders' net amounts.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongxiao.commerce.actions import (
    DocumentSpec,
    LineSpec,
    PaymentSpec,
    create_and_confirm,
    reverse_document,
)
from gongxiao.commerce.errors import InsufficientStock, TradeError
from gongxiao.commerce.models import Document, Payment, Product, StockBalance
from gongxiao.core import clock
from gongxiao.core.models import DocumentSequence, User
from gongxiao.core.numbers import plain
from gongxiao.market.models import Channel, ChannelOrder

CENT = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
SALE = ChannelOrder.SALE_STATUSES


class Sale(NamedTuple):
    """What posting needs of one order line, from a stored row or a row about to be stored."""

    order_no: str
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    refund_amount: Decimal
    payment_method: str
    ordered_at: Any

    @classmethod
    def of(cls, order: ChannelOrder) -> Sale:
        return cls(
            order.order_no,
            order.product_id,
            order.quantity,
            order.unit_price,
            order.amount,
            order.refund_amount,
            order.payment_method,
            order.ordered_at,
        )

    @classmethod
    def of_rows(cls, rows: Iterable[dict[str, Any]]) -> list[Sale]:
        """The rows an import is about to store (a dict of field values each; no payment method)."""
        values = itemgetter("order_no", "product_id", "quantity", "unit_price", "amount", "refund_amount")
        return [cls._make((*values(row), "", row["ordered_at"])) for row in rows]


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT, ROUND_HALF_UP)


def _line_specs(sales: list[Sale]) -> list[LineSpec]:
    """One line per product and price where the cents add up exactly, else one line per order."""
    grouped: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for number, sale in enumerate(sales):
        if sale.refund_amount:
            price = ((sale.amount - sale.refund_amount) / sale.quantity).quantize(PRICE_PLACES, ROUND_HALF_UP)
        else:
            price = sale.unit_price
        exact = sale.quantity * price
        key: tuple[Any, ...] = (sale.product_id, price)
        if exact != exact.quantize(CENT) or sale.refund_amount:
            key = (sale.product_id, price, number)
        grouped[key] += sale.quantity
    products = Product.objects.in_bulk({key[0] for key in grouped})
    ordered = sorted(grouped.items(), key=lambda item: (products[item[0][0]].code, item[0][1:]))
    return [LineSpec(products[key[0]], quantity, unit_price=key[1]) for key, quantity in ordered]


def _payments(sales: list[Sale]) -> list[PaymentSpec]:
    by_method: dict[str, Decimal] = defaultdict(Decimal)
    for sale in sales:
        if sale.payment_method:
            by_method[sale.payment_method] += sale.amount - sale.refund_amount
    return [PaymentSpec(method, amount) for method, amount in by_method.items() if amount > 0]


def _note(channel: Channel, sales: list[Sale], prefix: str = "") -> str:
    times = [sale.ordered_at for sale in sales]
    first, last = timezone.localtime(min(times)).date(), timezone.localtime(max(times)).date()
    count = len({sale.order_no for sale in sales})
    if first == last:
        text = _("%(count)s orders of %(day)s") % {"count": count, "day": first}
    else:
        text = _("%(count)s orders of %(first)s to %(last)s") % {"count": count, "first": first, "last": last}
    return f"{prefix}{channel.name}：{text}"[:200]


def post_sales(user: User, channel: Channel, sales: list[Sale], prefix: str = "") -> Document:
    """One confirmed sale document of the channel for these order lines (all or nothing)."""
    spec = DocumentSpec(
        kind=Document.Kind.SALE,
        organization=channel.organization,
        location=channel.location,
        lines=_line_specs(sales),
        channel=channel.document_channel,
        partner_name=channel.name[:100],
        note=_note(channel, sales, prefix),
        payments=_payments(sales),
    )
    return create_and_confirm(user, spec)


def lock_channel(channel: Channel) -> Channel:
    """Serialize the postings of one channel (imports, pushes, stall sales, closings)."""
    return Channel.objects.select_for_update().select_related("organization", "location").get(pk=channel.pk)


def post_pending(user: User, channel: Channel) -> Document | None:
    """Book every order of the channel that waits for posting as one sale document."""
    if not user.can_manage(channel.organization):
        raise TradeError(_("You may not post the orders of this channel."), code="forbidden")
    with transaction.atomic():
        channel = lock_channel(channel)
        pending = list(channel.lines().pending().order_by("pk"))
        if not pending:
            return None
        document = post_sales(user, channel, [Sale.of(order) for order in pending])
        ChannelOrder.objects.filter(pk__in=[order.pk for order in pending]).update(document=document)
    return document


def apply_changes(user: User, channel: Channel, changed: list[ChannelOrder]) -> int:
    """Write the new status and refund of orders; reverse and re-post the documents holding them.

    `changed` carries the new values, not yet saved. Returns the number of documents reversed.
    """
    by_document: dict[int, list[ChannelOrder]] = defaultdict(list)
    for order in changed:
        if order.document_id is not None and order.reversal_id is None:
            by_document[order.document_id].append(order)
    for document_id, orders in sorted(by_document.items()):
        document = Document.objects.get(pk=document_id)
        if document.status != Document.Status.CONFIRMED:
            raise TradeError(
                _(
                    "The sale document %(number)s of order %(order)s was reversed in the trade documents; "
                    "its orders cannot be refunded again"
                )
                % {"number": document, "order": orders[0].order_no},
                code="invalid",
            )
        numbers = "、".join(sorted({order.order_no for order in orders}))
        red = reverse_document(
            document,
            user,
            _("Refunds and cancellations of channel orders: %(numbers)s") % {"numbers": numbers},
        )
        changed_ids = {order.pk for order in orders}
        kept = [
            order
            for order in ChannelOrder.objects.filter(document_id=document_id, status__in=SALE).order_by("pk")
            if order.pk not in changed_ids
        ]
        kept_changed = [order for order in orders if order.is_sale]
        blue = None
        if kept or kept_changed:
            blue = post_sales(
                user,
                channel,
                [Sale.of(order) for order in [*kept, *kept_changed]],
                prefix=_("Posted again after %(number)s: ") % {"number": red.number},
            )
            ChannelOrder.objects.filter(pk__in=[order.pk for order in kept]).update(document=blue)
        for order in orders:
            if order.is_sale:
                order.document = blue
            else:
                order.reversal = red
    ChannelOrder.objects.bulk_update(
        changed, ["status", "refund_amount", "document", "reversal"], batch_size=500
    )
    return len(by_document)


# ---------------------------------------------------------------- stock


def stock_shortages(channel: Channel, need: dict[int, Decimal]) -> list[str]:
    """What the channel's stock location lacks for these quantities (by product), counting the
    orders that already wait for posting."""
    if not need:
        return []
    waiting: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in (
        channel.lines().pending().filter(product_id__in=need).values_list("product_id", "quantity")
    ):
        waiting[product_id] += quantity
    on_hand: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in StockBalance.objects.filter(
        location=channel.location, product_id__in=need
    ).values_list("product_id", "quantity"):
        on_hand[product_id] += quantity
    products = Product.objects.in_bulk(need)
    messages = []
    for product_id, quantity in sorted(need.items(), key=lambda item: products[item[0]].code):
        available = on_hand[product_id] - waiting[product_id]
        if quantity > available:
            product = products[product_id]
            messages.append(
                _(
                    "“%(product)s”: %(available)s %(unit)s on hand at %(location)s for these orders, "
                    "%(wanted)s %(unit)s sold; book the purchase or transfer first"
                )
                % {
                    "product": product,
                    "available": plain(max(available, ZERO)),
                    "unit": product.get_base_unit_display(),
                    "location": channel.location,
                    "wanted": plain(quantity),
                }
            )
    return messages


# ---------------------------------------------------------------- the stall of a fair


@dataclass
class StallLine:
    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None  # the product's price when not given


def sale_refusal(product: Product) -> str | None:
    """Why a product cannot be sold through a channel, or None."""
    if not product.is_active:
        return _("%(product)s is no longer sold") % {"product": product}
    if product.is_banned:
        return _("%(product)s is banned and cannot be sold") % {"product": product}
    if product.is_pesticide:
        return _("pesticides are sold at licensed counters with the buyer's real name, not through channels")
    if product.tracks_batches:
        return _("%(product)s is kept by batch; sell it at a counter where the batch is chosen") % {
            "product": product
        }
    return None


def sell_at_stall(
    user: User, channel: Channel, lines: list[StallLine], method: str, buyer: str = ""
) -> list[ChannelOrder]:
    """One checkout at the stall: its lines become one order, paid by `method`, posted at closing."""
    if not user.can_manage(channel.organization):
        raise TradeError(_("You may not sell for this channel."), code="forbidden")
    errors: list[str] = []
    today = clock.today()
    if not channel.is_event:
        errors.append(_("Only a sales event has a stall."))
    elif not channel.is_active:
        errors.append(_("This event is closed."))
    elif channel.starts_on and channel.ends_on and not channel.starts_on <= today <= channel.ends_on:
        errors.append(
            _("The event runs from %(first)s to %(last)s; today is not one of its days.")
            % {"first": channel.starts_on, "last": channel.ends_on}
        )
    if method not in Payment.Method.values or method == Payment.Method.CREDIT:
        errors.append(_("“Payment method”: cash, bank card or mobile payment"))
    if not lines:
        errors.append(_("The cart is empty."))
    need: dict[int, Decimal] = defaultdict(Decimal)
    priced: dict[int, tuple[int, Decimal]] = {}  # product → the first line and price it was sold at
    for number, line in enumerate(lines, start=1):
        refusal = sale_refusal(line.product)
        price = line.product.price if line.unit_price is None else line.unit_price
        first, first_price = priced.setdefault(line.product.pk, (number, price))
        if first_price != price:
            # an order holds one line per product (the mall's order lines are keyed so)
            errors.append(
                _line(
                    number,
                    _("unit price"),
                    _("line %(first)s sells the same product at %(price)s; one price per product in an order")
                    % {"first": first, "price": first_price},
                )
            )
        elif refusal:
            errors.append(_line(number, _("product"), refusal))
        elif line.quantity <= 0 or line.quantity != line.quantity.quantize(Decimal("0.001")):
            errors.append(_line(number, _("quantity"), _("must be a number greater than 0")))
        elif price < 0:
            errors.append(_line(number, _("unit price"), _("must not be negative")))
        else:
            need[line.product.pk] += line.quantity
    if errors:
        raise TradeError(errors, code="invalid")
    with transaction.atomic():
        channel = lock_channel(channel)
        shortages = stock_shortages(channel, need)
        if shortages:
            raise InsufficientStock(shortages, code="insufficient_stock")
        order_no = DocumentSequence.next_number(channel.organization, "ZW", today.year)
        now = clock.now()
        orders = [
            ChannelOrder(
                channel=channel,
                order_no=order_no,
                product=line.product,
                ordered_at=now,
                quantity=line.quantity,
                unit_price=line.product.price if line.unit_price is None else line.unit_price,
                amount=line_amount(
                    line.quantity, line.product.price if line.unit_price is None else line.unit_price
                ),
                buyer=buyer.strip()[:100],
                payment_method=method,
                source=ChannelOrder.Source.STALL,
                created_at=now,
            )
            for line in _merged(lines)
        ]
        ChannelOrder.objects.bulk_create(orders)
    return orders


def _merged(lines: list[StallLine]) -> list[StallLine]:
    """A product tapped twice at the same price is one line of the order."""
    merged: dict[tuple[int, Decimal], StallLine] = {}
    for line in lines:
        price = line.product.price if line.unit_price is None else line.unit_price
        key = (line.product.pk, price)
        if key in merged:
            merged[key].quantity += line.quantity
        else:
            merged[key] = StallLine(line.product, line.quantity, price)
    return list(merged.values())


def _line(number: int, field: str, message: str) -> str:
    return _("Line %(line)s “%(field)s”: %(message)s") % {"line": number, "field": field, "message": message}


def cancel_order(user: User, channel: Channel, order_no: str, reason: str) -> list[ChannelOrder]:
    """Refund a whole order of the channel (a stall's 退单): off the books by red and blue if posted."""
    if not user.can_manage(channel.organization):
        raise TradeError(_("You may not change the orders of this channel."), code="forbidden")
    if not reason.strip():
        raise TradeError(_("“Reason”: say why the order is refunded"), code="invalid")
    with transaction.atomic():
        channel = lock_channel(channel)
        orders = list(channel.orders.filter(order_no=order_no).order_by("pk"))
        if not orders:
            raise TradeError(_("Order %(number)s not found.") % {"number": order_no}, code="invalid")
        if not any(order.is_sale for order in orders):
            raise TradeError(
                _("Order %(number)s is already refunded or cancelled.") % {"number": order_no}, code="invalid"
            )
        changed = [order for order in orders if order.is_sale]
        for order in changed:
            order.status = ChannelOrder.Status.REFUNDED
            order.refund_amount = order.amount
        apply_changes(user, channel, changed)
    return changed


# ---------------------------------------------------------------- the mall's push token


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_push_token(user: User, channel: Channel) -> str:
    """A new token for the mall to push orders with; the old one stops working. Shown once."""
    if not user.can_manage(channel.organization):
        raise TradeError(_("You may not issue tokens for this channel."), code="forbidden")
    key = "mk_" + secrets.token_urlsafe(32)
    channel.push_token_prefix = key[3:11]
    channel.push_token_digest = _digest(key)
    channel.push_token_user = user
    channel.push_token_issued_at = clock.now()
    channel.save(
        update_fields=["push_token_prefix", "push_token_digest", "push_token_user", "push_token_issued_at"]
    )
    return key


def revoke_push_token(user: User, channel: Channel) -> None:
    if not user.can_manage(channel.organization):
        raise TradeError(_("You may not revoke tokens of this channel."), code="forbidden")
    channel.push_token_prefix = ""
    channel.push_token_digest = ""
    channel.push_token_user = None
    channel.push_token_issued_at = None
    channel.save(
        update_fields=["push_token_prefix", "push_token_digest", "push_token_user", "push_token_issued_at"]
    )


def channel_for_token(key: str) -> Channel | None:
    """The active channel this push token belongs to, if its issuer may still write for it."""
    if not key.startswith("mk_"):
        return None
    channel = (
        Channel.objects.select_related("organization", "location", "push_token_user")
        .filter(push_token_digest=_digest(key), is_active=True)
        .first()
    )
    if channel is None or channel.push_token_user is None:
        return None
    user = channel.push_token_user
    if not user.is_active or not user.can_manage(channel.organization):
        return None
    return channel


def orders_of(sales: Iterable[ChannelOrder]) -> int:
    return len({(order.channel_id, order.order_no) for order in sales})
