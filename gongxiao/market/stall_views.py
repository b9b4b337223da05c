"""The stall of a fair on a phone: tap products, check out, print the receipt, refund an order, close the day.

The cart is the sales counter's (`supply.counter.Cart`), kept in the session per event. A
checkout records the order at once; the day's takings reach the trading core as one sale
document with its payments when the stall closes (`actions.post_pending`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Package, Payment, Product, StockBalance
from gongxiao.core import clock
from gongxiao.core.http import AuthedRequest
from gongxiao.core.numbers import capital_amount
from gongxiao.core.scope import get_visible_or_404
from gongxiao.market import actions
from gongxiao.market.models import Channel, ChannelOrder
from gongxiao.market.statistics import LOCAL, period_bounds
from gongxiao.market.views import post_and_report
from gongxiao.supply.counter import Cart

STALL_METHODS = [(v, label) for v, label in Payment.Method.choices if v != Payment.Method.CREDIT]


class StallCart(Cart):
    """The counter's cart, under a key of its own per event."""

    def __init__(self, session: Any, channel_id: int) -> None:
        super().__init__(session, channel_id)
        self.key = f"stall-cart-{channel_id}"


def _stall(request: AuthedRequest, pk: int) -> Channel:
    if not request.user.has_perm("market.sell_at_stall"):
        raise PermissionDenied
    channel = get_visible_or_404(
        Channel.objects.select_related("organization", "location"), request.user, pk=pk
    )
    if not channel.is_event or not request.user.can_manage(channel.organization):
        raise PermissionDenied
    return channel


def _products(request: AuthedRequest) -> Any:
    return Product.objects.visible_to(request.user).filter(is_active=True)


def _cart_context(request: AuthedRequest, channel: Channel, **extra: Any) -> dict[str, Any]:
    lines = StallCart(request.session, channel.pk).lines(_products(request))
    context = {
        "channel": channel,
        "cart": list(enumerate(lines)),
        "total": sum((line.amount for line in lines), Decimal("0")),
        "methods": STALL_METHODS,
        "method": request.POST.get("method") or Payment.Method.MOBILE,
    }
    context.update(extra)
    return context


def _today(channel: Channel) -> dict[str, Any]:
    """Today's orders at the stall and what they took, by payment method."""
    start, end = period_bounds(clock.today(), clock.today())
    orders = list(
        channel.orders.filter(ordered_at__gte=start, ordered_at__lt=end)
        .select_related("product")
        .order_by("-ordered_at", "order_no", "pk")
    )
    by_number: dict[str, list[ChannelOrder]] = defaultdict(list)
    for order in orders:
        by_number[order.order_no].append(order)
    by_method: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        by_method[order.payment_method] += order.net_amount
    labels = dict(Payment.Method.choices)
    return {
        "orders": list(by_number.items())[:30],
        "order_count": sum(1 for lines in by_number.values() if any(o.is_sale for o in lines)),
        "takings": sum(by_method.values(), Decimal("0")),
        "by_method": [(labels.get(m, m), amount) for m, amount in by_method.items() if amount],
        "pending": channel.lines().pending().values("order_no").distinct().count(),
    }


@login_required
def stall(request: AuthedRequest, pk: int) -> HttpResponse:
    channel = _stall(request, pk)
    on_hand = (
        StockBalance.objects.filter(location=channel.location, quantity__gt=0, product__is_active=True)
        .select_related("product")
        .order_by("product__code")
    )
    context = _cart_context(request, channel)
    context.update(_today(channel))
    context.update(
        {
            "title": _("Stall"),
            "today": clock.today(),
            "tiles": [balance.product for balance in on_hand if not actions.sale_refusal(balance.product)][
                :24
            ],
            "local": LOCAL,
        }
    )
    return render(request, "market/stall.html", context)


@login_required
def stall_search(request: AuthedRequest, pk: int) -> HttpResponse:
    channel = _stall(request, pk)
    text = request.GET.get("q", "").strip()
    products = []
    if text:
        by_barcode = Package.objects.filter(barcode=text, product__in=_products(request)).first()
        if by_barcode is not None:
            products = [by_barcode.product]
        else:
            products = list(_products(request).search(text).prefetch_related("packages")[:12])
    return render(
        request, "market/_stall_results.html", {"channel": channel, "products": products, "q": text}
    )


@login_required
@require_POST
def stall_add(request: AuthedRequest, pk: int) -> HttpResponse:
    channel = _stall(request, pk)
    product = get_visible_or_404(_products(request), request.user, pk=request.POST.get("product"))
    package = Package.objects.filter(product=product, pk=request.POST.get("package") or 0).first()
    StallCart(request.session, channel.pk).add(product, package)
    return render(request, "market/_stall_cart.html", _cart_context(request, channel))


@login_required
@require_POST
def stall_update(request: AuthedRequest, pk: int, index: int) -> HttpResponse:
    channel = _stall(request, pk)
    cart = StallCart(request.session, channel.pk)
    if request.POST.get("remove"):
        cart.remove(index)
    elif not cart.set_quantity(index, request.POST.get("quantity", "")):
        error = _("Line %(line)s: the quantity must be a number greater than 0") % {"line": index + 1}
        return render(request, "market/_stall_cart.html", _cart_context(request, channel, cart_error=error))
    return render(request, "market/_stall_cart.html", _cart_context(request, channel))


@login_required
@require_POST
def stall_checkout(request: AuthedRequest, pk: int) -> HttpResponse:
    channel = _stall(request, pk)
    cart = StallCart(request.session, channel.pk)
    context = _cart_context(request, channel)
    lines = []
    for _index, line in context["cart"]:
        spec = line.spec()
        quantity = spec.quantity
        if spec.package is not None and spec.package_quantity is not None:
            quantity = (spec.package_quantity * spec.package.factor).quantize(Decimal("0.001"))
        assert quantity is not None
        lines.append(actions.StallLine(line.product, quantity, spec.unit_price))
    try:
        orders = actions.sell_at_stall(
            request.user, channel, lines, request.POST.get("method", ""), request.POST.get("buyer", "")
        )
    except TradeError as exc:
        context["checkout_errors"] = exc.messages
        return render(request, "market/_stall_cart.html", context)
    cart.clear()
    number = orders[0].order_no
    messages.success(
        request,
        format_html(
            '{} <a class="alert-link" href="{}" data-testid="receipt-link">{}</a>',
            _("Order %(number)s: %(total)s yuan.")
            % {"number": number, "total": sum((o.amount for o in orders), Decimal("0"))},
            reverse("market:stall_receipt", args=[channel.pk, number]) + "?size=58",
            _("Print the receipt"),
        ),
    )
    target = reverse("market:stall", args=[channel.pk])
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": target})
    return redirect(target)


@login_required
@require_POST
def stall_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    channel = _stall(request, pk)
    try:
        actions.cancel_order(
            request.user, channel, request.POST.get("order_no", ""), request.POST.get("reason", "")
        )
    except TradeError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Order %(number)s is refunded.") % {"number": request.POST.get("order_no")}
        )
    return redirect("market:stall", pk=channel.pk)


@login_required
@require_POST
def stall_close(request: AuthedRequest, pk: int) -> HttpResponse:
    """Close the stall's day: its orders become one sale document with their payments."""
    channel = _stall(request, pk)
    post_and_report(request, channel)
    return redirect("market:stall", pk=channel.pk)


@dataclass
class ReceiptLine:
    """An order line as the counter's receipt prints a line (a stall sells by base unit, no package)."""

    product: Product
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    package: None = None


@dataclass
class ReceiptPayment:
    method: str
    amount: Decimal

    def get_method_display(self) -> str:
        return str(dict(Payment.Method.choices).get(self.method, self.method))


@login_required
def stall_receipt(request: AuthedRequest, pk: int, order_no: str) -> HttpResponse:
    """The receipt of one stall order, at 58 mm or A4: the counter's receipt with the fair's heading."""
    channel = _stall(request, pk)
    orders = list(channel.orders.filter(order_no=order_no).select_related("product").order_by("pk"))
    if not orders:
        raise Http404
    total = sum((order.amount for order in orders), Decimal("0"))
    by_method: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        if order.payment_method:
            by_method[order.payment_method] += order.amount
    refunded = sum((order.refund_amount for order in orders), Decimal("0"))
    return render(
        request,
        "market/stall_receipt.html",
        {
            "channel": channel,
            "order_no": order_no,
            "ordered_at": orders[0].ordered_at,
            "buyer": next((order.buyer for order in orders if order.buyer), ""),
            "lines": [ReceiptLine(o.product, o.quantity, o.unit_price, o.amount) for o in orders],
            "total": total,
            "words": capital_amount(total),
            "payments": [ReceiptPayment(method, amount) for method, amount in by_method.items()],
            "refund_label": _refund_label(orders),
            "refund_amount": refunded,
            "size": "a4" if request.GET.get("size") == "a4" else "58",
        },
    )


def _refund_label(orders: list[ChannelOrder]) -> str:
    """“Refunded” (or “Cancelled”) for an order no longer a sale, “Partly refunded”, or nothing."""
    if not any(order.is_sale for order in orders):
        return str(orders[0].get_status_display())
    if any(order.refund_amount for order in orders):
        return str(ChannelOrder.Status.PARTLY_REFUNDED.label)
    return ""
