"""Pages of the marketing app: channels and events, their order imports and push tokens, orders,
regional brands and the sales statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Document
from gongxiao.core import clock
from gongxiao.core.actions import start_import
from gongxiao.core.editing import edit_object
from gongxiao.core.excel import IMPORTERS, read_rows
from gongxiao.core.forms import ImportForm
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column, xlsx_response
from gongxiao.core.models import ImportJob
from gongxiao.core.scope import get_visible_or_404
from gongxiao.market import actions, statistics
from gongxiao.market.filters import BrandFilter, ChannelFilter, EventFilter, OrderFilter
from gongxiao.market.forms import BrandForm, ChannelForm, MappingForm, SampleForm
from gongxiao.market.importers import FIELDS as MAPPING_FIELDS
from gongxiao.market.models import Brand, Channel, ChannelOrder
from gongxiao.members.models import Member

CHANNELS = (gettext_lazy("Sales channels"), "market:channels")
EVENTS = (gettext_lazy("Sales events"), "market:events")
BRANDS = (gettext_lazy("Regional brands"), "market:brands")
ORDERS = (gettext_lazy("Channel orders"), "market:orders")


def _sales_figures(queryset: QuerySet) -> QuerySet:
    """Annotate each channel with its sales orders and net amount (all time)."""
    sales = Q(orders__status__in=ChannelOrder.SALE_STATUSES)
    return queryset.annotate(
        order_count=Count("orders__order_no", filter=sales, distinct=True),
        gross=Sum("orders__amount", filter=sales),
        refunds=Sum("orders__refund_amount", filter=sales),
    )


def _net(channel: Any) -> Decimal:
    return statistics.summed(channel.gross) - statistics.summed(channel.refunds)


# ---------------------------------------------------------------- channels


class ChannelList(ListPage):
    title = gettext_lazy("Sales channels")
    permission = "market.view_channel"
    create_permission = "market.add_channel"
    create_url = "market:channel_create"
    filterset_class = ChannelFilter
    default_sort = "code"
    search_placeholder = gettext_lazy("Name, pinyin initials, code or operator")
    empty_text = gettext_lazy("No channels yet. Add the malls and fairs you sell through.")
    columns = [
        field_column("code", gettext_lazy("channel code"), width=12),
        field_column("name", gettext_lazy("channel name"), link=True, width=30),
        choice_column("kind", gettext_lazy("channel kind")),
        choice_column("platform", gettext_lazy("platform"), width=18),
        field_column("operator", gettext_lazy("platform operator"), width=18),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path", width=18),
        field_column("location__name", gettext_lazy("sells from (stock location)"), sort="location__code"),
        field_column("order_count", gettext_lazy("orders"), kind="int"),
        ListColumn(gettext_lazy("sales (yuan)"), _net, kind="money"),
        ListColumn(gettext_lazy("active"), lambda c: c.is_active, sort="is_active", kind="bool"),
    ]

    def queryset(self) -> QuerySet:
        return _sales_figures(
            Channel.objects.visible_to(self.request.user).select_related("organization", "location")
        )


class EventList(ListPage):
    title = gettext_lazy("Sales events")
    permission = "market.view_channel"
    create_permission = "market.add_channel"
    create_url = "market:channel_create"
    filterset_class = EventFilter
    default_sort = "-starts_on"
    search_placeholder = gettext_lazy("Name, venue or organizer")
    empty_text = gettext_lazy("No fairs yet. Add one as a channel of the kind “Sales event”.")
    columns = [
        field_column("name", gettext_lazy("event"), link=True, width=30),
        choice_column("platform", gettext_lazy("platform")),
        field_column("starts_on", gettext_lazy("starts on"), kind="date"),
        field_column("ends_on", gettext_lazy("ends on"), kind="date"),
        field_column("venue", gettext_lazy("venue"), width=20),
        field_column("organizers", gettext_lazy("organizers"), width=24),
        field_column("visitors", gettext_lazy("visitors"), kind="int"),
        field_column("online_views", gettext_lazy("online views"), kind="int"),
        field_column("order_count", gettext_lazy("orders"), kind="int"),
        ListColumn(gettext_lazy("sales (yuan)"), _net, kind="money"),
    ]

    def queryset(self) -> QuerySet:
        return _sales_figures(Channel.objects.visible_to(self.request.user).filter(kind=Channel.Kind.EVENT))

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=text) | Q(venue__icontains=text) | Q(organizers__icontains=text)
        )


def _channel(request: AuthedRequest, pk: int, permission: str = "market.view_channel") -> Channel:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    channel = get_visible_or_404(
        Channel.objects.select_related("organization", "location", "push_token_user"), request.user, pk=pk
    )
    return channel


def _writable(request: AuthedRequest, pk: int, permission: str) -> Channel:
    channel = _channel(request, pk, permission)
    if not request.user.can_manage(channel.organization):
        raise PermissionDenied
    return channel


@login_required
def channel_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    user = request.user
    may_write = user.can_manage(channel.organization)
    year = clock.today().year
    latest = channel.orders.aggregate(latest=Max("ordered_at"))["latest"]
    if latest is not None:
        year = latest.astimezone(statistics.LOCAL).year
    figures = statistics.compute(channel.orders.all(), dt.date(year, 1, 1), dt.date(year, 12, 31))
    documents = Document.objects.filter(
        Q(pk__in=channel.orders.values("document")) | Q(pk__in=channel.orders.values("reversal"))
    ).order_by("-pk")[:12]
    jobs = ImportJob.objects.visible_to(user).filter(importer=f"channel_orders:{channel.pk}")[:10]
    return render(
        request,
        "market/channel_detail.html",
        {
            "channel": channel,
            "title": channel.name,
            "breadcrumbs": [EVENTS if channel.is_event else CHANNELS],
            "year": year,
            "figures": figures,
            "pending": channel.lines().pending().values("order_no").distinct().count(),
            "documents": documents,
            "jobs": jobs,
            "mapping": [(label, channel.mapping().get(name, "")) for name, label, _r in MAPPING_FIELDS],
            "can_edit": may_write and user.has_perm("market.change_channel"),
            "can_import": may_write and user.has_perm("market.import_orders") and not channel.is_event,
            "can_post": may_write and user.has_perm("market.import_orders"),
            "can_sell": may_write and user.has_perm("market.sell_at_stall") and channel.is_event,
        },
    )


@login_required
def channel_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    channel = get_visible_or_404(Channel.objects, request.user, pk=pk) if pk else None
    kind = request.GET.get("kind")
    return edit_object(
        request,
        ChannelForm,
        instance=channel or Channel(kind=kind if kind in Channel.Kind.values else Channel.Kind.ONLINE),
        permission="market.change_channel" if channel else "market.add_channel",
        title=_("Edit channel") if channel else _("New channel"),
        breadcrumbs=[CHANNELS],
        success=lambda obj: reverse("market:channel", args=[obj.pk]),
    )


@login_required
def channel_mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    """The columns of the mall's export: typed in, or chosen among the headers of a sample file."""
    channel = _writable(request, pk, "market.change_channel")
    session_key = f"market-headers-{channel.pk}"
    headers: list[str] = request.session.get(session_key, [])
    sample = SampleForm()
    sample_error = ""
    if request.method == "POST" and "sample" in request.FILES:
        sample = SampleForm(request.POST, request.FILES)
        if sample.is_valid():
            try:
                rows = read_rows(sample.cleaned_data["sample"])
            except Exception:
                rows = []
            found = [str(cell).strip() for cell in (rows[0] if rows else []) if str(cell or "").strip()]
            if found:
                headers = found
                request.session[session_key] = headers
            else:
                sample_error = _("The file could not be read, or its first row has no headers.")
        form = MappingForm(instance=channel, headers=headers)
    else:
        form = MappingForm(request.POST or None, instance=channel, headers=headers)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                form.save()
            request.session.pop(session_key, None)
            messages.success(request, _("The column mapping of “%(name)s” is saved.") % {"name": channel})
            return redirect("market:channel", pk=channel.pk)
    return render(
        request,
        "market/channel_mapping.html",
        {
            "channel": channel,
            "form": form,
            "sample": sample,
            "sample_error": sample_error,
            "headers": headers,
            "title": _("Columns of the order export"),
            "breadcrumbs": [CHANNELS, (channel.name, reverse("market:channel", args=[channel.pk]))],
        },
    )


@login_required
def channel_import(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload a mall's order export; the foundation's import page checks it and confirms it."""
    channel = _writable(request, pk, "market.import_orders")
    if channel.is_event:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    form.fields.pop("organization")
    if not channel.has_mapping:
        messages.warning(request, _("Set the columns of this channel's order export first."))
        return redirect("market:channel_mapping", pk=channel.pk)
    if request.method == "POST" and form.is_valid():
        job = start_import(
            request.user, channel.organization, f"channel_orders:{channel.pk}", form.cleaned_data["file"]
        )
        return redirect("core:import_job", pk=job.pk)
    return render(
        request,
        "market/channel_import.html",
        {
            "channel": channel,
            "form": form,
            "mapping": [(label, channel.mapping().get(name, "")) for name, label, _r in MAPPING_FIELDS],
            "title": _("Import orders"),
            "breadcrumbs": [CHANNELS, (channel.name, reverse("market:channel", args=[channel.pk]))],
        },
    )


@login_required
def channel_template(request: AuthedRequest, pk: int) -> HttpResponse:
    """An empty file in the channel's own column layout."""
    channel = _channel(request, pk, "market.import_orders")
    importer = IMPORTERS[f"channel_orders:{channel.pk}"](request.user, channel.organization)
    return xlsx_response(importer.template(), _("%(name)s orders template.xlsx") % {"name": channel.name})


@login_required
def channel_token(request: AuthedRequest, pk: int) -> HttpResponse:
    """Issue (or replace) the mall's push token, shown once; or revoke it."""
    channel = _writable(request, pk, "market.import_orders")
    key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            actions.revoke_push_token(request.user, channel)
            messages.success(request, _("The push token is revoked; the mall can no longer push orders."))
            return redirect("market:channel", pk=channel.pk)
        key = actions.issue_push_token(request.user, channel)
    return render(
        request,
        "market/channel_token.html",
        {
            "channel": channel,
            "key": key,
            "push_url": request.build_absolute_uri(reverse("api:push_orders")),
            "title": _("Push token"),
            "breadcrumbs": [CHANNELS, (channel.name, reverse("market:channel", args=[channel.pk]))],
        },
    )


@login_required
@require_POST
def channel_post(request: AuthedRequest, pk: int) -> HttpResponse:
    """Book the orders waiting for posting (pushed by the mall) as one sale document now."""
    channel = _writable(request, pk, "market.import_orders")
    post_and_report(request, channel)
    return redirect("market:channel", pk=channel.pk)


def post_and_report(request: AuthedRequest, channel: Channel) -> None:
    """Post the channel's waiting orders and say what came of it."""
    try:
        document = actions.post_pending(request.user, channel)
    except TradeError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return
    if document is None:
        messages.info(request, _("No orders are waiting to be posted."))
    else:
        messages.success(
            request,
            _("Posted as %(number)s, %(total)s yuan.")
            % {"number": document.number, "total": document.total_amount},
        )


# ---------------------------------------------------------------- orders


class OrderList(ListPage):
    title = gettext_lazy("Channel orders")
    permission = "market.view_channelorder"
    filterset_class = OrderFilter
    default_sort = "-ordered_at"
    search_placeholder = gettext_lazy("Order number, buyer or product")
    empty_text = gettext_lazy("No orders yet. Import a channel's order export or let the mall push them.")
    columns = [
        field_column("order_no", gettext_lazy("order number"), link=True, width=22),
        field_column(
            "ordered_at",
            gettext_lazy("order time"),
            kind="datetime",
            width=18,
            export_value=lambda o: timezone.localtime(o.ordered_at).strftime("%Y-%m-%d %H:%M:%S"),
        ),
        field_column("channel__name", gettext_lazy("sales channel"), sort="channel__code", width=26),
        field_column("product__name", gettext_lazy("product"), sort="product__code", width=20),
        field_column("quantity", gettext_lazy("quantity"), kind="decimal"),
        field_column("unit_price", gettext_lazy("unit price"), kind="money"),
        field_column("amount", gettext_lazy("amount (yuan)"), kind="money"),
        field_column("refund_amount", gettext_lazy("refund (yuan)"), kind="money"),
        choice_column("status", gettext_lazy("status"), kind="badge"),
        field_column("buyer", gettext_lazy("buyer")),
        ListColumn(
            gettext_lazy("sale document"),
            lambda o: o.document.number if o.document_id else _("waiting to be posted") if o.is_sale else "",
            sort="document__number",
            width=24,
        ),
        choice_column("source", gettext_lazy("source")),
    ]

    def queryset(self) -> QuerySet:
        return ChannelOrder.objects.visible_to(self.request.user).select_related(
            "channel", "product", "document"
        )

    def detail_url(self, obj: ChannelOrder) -> str:
        if obj.document_id:
            return reverse("commerce:document", args=[obj.document_id])
        return reverse("market:channel", args=[obj.channel_id])


# ---------------------------------------------------------------- brands


class BrandList(ListPage):
    title = gettext_lazy("Regional brands")
    permission = "market.view_brand"
    create_permission = "market.add_brand"
    create_url = "market:brand_create"
    filterset_class = BrandFilter
    default_sort = "name"
    search_placeholder = gettext_lazy("Brand name or pinyin initials")
    empty_text = gettext_lazy("No regional brands yet.")
    columns = [
        field_column("name", gettext_lazy("brand name"), link=True, width=18),
        field_column("slogan", gettext_lazy("slogan"), width=30),
        field_column("launched_year", gettext_lazy("launched in (year)"), kind="text"),
        field_column("product_count", gettext_lazy("products"), kind="int"),
        field_column("producer_count", gettext_lazy("producers"), kind="int"),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path", width=20),
    ]

    def queryset(self) -> QuerySet:
        return (
            Brand.objects.visible_to(self.request.user)
            .select_related("organization")
            .annotate(
                product_count=Count("products", distinct=True),
                producer_count=Count("producers", distinct=True),
            )
        )


@login_required
def brand_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("market.view_brand"):
        raise PermissionDenied
    brand = get_visible_or_404(Brand.objects.select_related("organization"), request.user, pk=pk)
    products = list(brand.products.order_by("code"))
    sales = {
        row["product_id"]: row
        for row in ChannelOrder.objects.visible_to(request.user)
        .sales()
        .filter(product__in=products)
        .values("product_id")
        .annotate(quantity=Sum("quantity"), gross=Sum("amount"), refunds=Sum("refund_amount"))
        .order_by()
    }
    rows = []
    for product in products:
        row = sales.get(product.pk, {})
        rows.append(
            (
                product,
                statistics.summed(row.get("quantity"), statistics.QUANTITY),
                statistics.summed(row.get("gross")) - statistics.summed(row.get("refunds")),
            )
        )
    return render(
        request,
        "market/brand_detail.html",
        {
            "brand": brand,
            "title": brand.name,
            "breadcrumbs": [BRANDS],
            "rows": rows,
            "total": sum((amount for _p, _q, amount in rows), Decimal("0")),
            "producers": Member.objects.visible_to(request.user)
            .filter(market_brands=brand)
            .select_related("village")
            .order_by("name"),
            "channels": Channel.objects.visible_to(request.user).filter(brands=brand).order_by("code"),
            "can_edit": request.user.has_perm("market.change_brand")
            and request.user.can_manage(brand.organization),
        },
    )


@login_required
def brand_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    brand = get_visible_or_404(Brand.objects, request.user, pk=pk) if pk else None
    return edit_object(
        request,
        BrandForm,
        instance=brand,
        permission="market.change_brand" if brand else "market.add_brand",
        title=_("Edit regional brand") if brand else _("New regional brand"),
        breadcrumbs=[BRANDS],
        success=lambda obj: reverse("market:brand", args=[obj.pk]),
    )


# ---------------------------------------------------------------- statistics


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def period_from(request: AuthedRequest, orders: QuerySet) -> tuple[dt.date, dt.date, int | None]:
    """The period a statistics request asks for: ?first=&last=, or ?year=, or the latest year with orders."""
    first, last = _date(request.GET.get("first")), _date(request.GET.get("last"))
    if first and last and first <= last:
        return first, last, None
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        latest = orders.aggregate(latest=Max("ordered_at"))["latest"]
        year = latest.astimezone(statistics.LOCAL).year if latest else clock.today().year
    year = min(max(year, 2000), clock.today().year + 1)
    return dt.date(year, 1, 1), dt.date(year, 12, 31), year


@login_required
def statistics_page(request: AuthedRequest) -> HttpResponse:
    if not request.user.has_perm("market.view_channelorder"):
        raise PermissionDenied
    channels = Channel.objects.visible_to(request.user).order_by("code")
    orders = ChannelOrder.objects.visible_to(request.user)
    kind = request.GET.get("kind", "")
    chosen: Channel | None = None
    if request.GET.get("channel"):
        chosen = get_visible_or_404(Channel.objects, request.user, pk=request.GET["channel"])
        orders, about = orders.filter(channel=chosen), channels.filter(pk=chosen.pk)
    elif kind in Channel.Kind.values:
        orders, about = orders.filter(channel__kind=kind), channels.filter(kind=kind)
    else:
        about = channels
    first, last, year = period_from(request, orders)
    stats = statistics.compute(orders, first, last, about)
    years = sorted({d.year for d in orders.dates("ordered_at", "year")} | {clock.today().year}, reverse=True)
    return render(
        request,
        "market/statistics.html",
        {
            "title": _("Sales statistics of the channels"),
            "stats": stats,
            "chart": stats.chart(),
            "channels": channels,
            "chosen": chosen,
            "kind": kind,
            "kinds": Channel.Kind.choices,
            "year": year,
            "years": years,
            "first": first,
            "last": last,
        },
    )
