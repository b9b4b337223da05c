from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.commerce.actions import DocumentSpec, LineSpec, reverse_document
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.forms import ReverseForm
from gongxiao.commerce.models import Category, Document, DocumentLine, Package, Payment, Product
from gongxiao.core import clock
from gongxiao.core.editing import edit_object
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, field_column
from gongxiao.core.numbers import capital_amount, plain
from gongxiao.core.scope import get_visible_or_404
from gongxiao.members.models import Member
from gongxiao.network.models import Outlet
from gongxiao.supply import actions
from gongxiao.supply.counter import Cart, payments_from
from gongxiao.supply.forms import CampaignForm, DeliveryForm, DeliveryLines, DistributionForm
from gongxiao.supply.models import Campaign, CampaignDelivery, CounterClosing, PesticideSaleRecord
from gongxiao.supply.rules import current_licence

SELL = ("commerce.add_document", "commerce.confirm_document")
# The chain's distribution ratio target (配送率 ≥ 70 %, domain-rules.md).
DISTRIBUTION_TARGET = Decimal(str(getattr(settings, "CHAIN_DISTRIBUTION_TARGET", "0.70")))


def _counter_outlet(request: AuthedRequest, outlet_id: int) -> Outlet:
    if not request.user.has_perms(SELL):
        raise PermissionDenied
    outlet = get_visible_or_404(Outlet.objects.select_related("location"), request.user, pk=outlet_id)
    if outlet.location is None or not request.user.can_manage(outlet.location.organization):
        raise PermissionDenied
    return outlet


def _cart_context(request: AuthedRequest, outlet: Outlet, posted: Any = None) -> dict:
    lines = Cart(request.session, outlet.pk).lines(
        Product.objects.visible_to(request.user).filter(is_active=True)
    )
    posted = posted or {}
    split = [(value, label, posted.get(f"pay_{value}", "")) for value, label in Payment.Method.choices]
    return {
        "outlet": outlet,
        "cart": list(enumerate(lines)),
        "total": sum((line.amount for line in lines), Decimal("0")),
        "needs_buyer": any(line.product.is_pesticide for line in lines),
        "methods": Payment.Method.choices,
        "method": posted.get("method") or Payment.Method.CASH,
        "split": split,
        "split_open": any(amount.strip() for _value, _label, amount in split),
    }


@login_required
def counter_choose(request: AuthedRequest) -> HttpResponse:
    if not request.user.has_perms(SELL):
        raise PermissionDenied
    outlets = [
        outlet
        for outlet in Outlet.objects.visible_to(request.user)
        .filter(location__isnull=False)
        .select_related("location", "region")
        if request.user.can_manage(outlet.location.organization)
    ]
    if len(outlets) == 1:
        return redirect("supply:counter", outlet_id=outlets[0].pk)
    return render(request, "supply/counter_choose.html", {"outlets": outlets, "title": _("Sales counter")})


@login_required
def counter(request: AuthedRequest, outlet_id: int) -> HttpResponse:
    outlet = _counter_outlet(request, outlet_id)
    licence = current_licence(outlet)
    context = _cart_context(request, outlet)
    context.update(
        {
            "title": _("Sales counter"),
            "licence": licence,
            "licence_days_left": licence.days_left() if licence else None,
            "warning_days": settings.LICENCE_WARNING_DAYS,
            "today": clock.today(),
        }
    )
    return render(request, "supply/counter.html", context)


@login_required
def counter_search(request: AuthedRequest, outlet_id: int) -> HttpResponse:
    outlet = _counter_outlet(request, outlet_id)
    text = request.GET.get("q", "").strip()
    products = []
    if text:
        by_barcode = Package.objects.filter(
            barcode=text, product__in=Product.objects.visible_to(request.user)
        ).first()
        if by_barcode is not None:
            products = [by_barcode.product]
        else:
            products = list(
                Product.objects.visible_to(request.user)
                .filter(is_active=True)
                .search(text)
                .prefetch_related("packages")[:12]
            )
    return render(
        request, "supply/_counter_results.html", {"outlet": outlet, "products": products, "q": text}
    )


@login_required
@require_POST
def counter_add(request: AuthedRequest, outlet_id: int) -> HttpResponse:
    outlet = _counter_outlet(request, outlet_id)
    product = get_visible_or_404(
        Product.objects.filter(is_active=True), request.user, pk=request.POST.get("product")
    )
    package = Package.objects.filter(product=product, pk=request.POST.get("package") or 0).first()
    Cart(request.session, outlet.pk).add(product, package)
    return render(request, "supply/_counter_cart.html", _cart_context(request, outlet))


@login_required
@require_POST
def counter_update(request: AuthedRequest, outlet_id: int, index: int) -> HttpResponse:
    outlet = _counter_outlet(request, outlet_id)
    cart = Cart(request.session, outlet.pk)
    if request.POST.get("remove"):
        cart.remove(index)
    elif not cart.set_quantity(index, request.POST.get("quantity", "")):
        context = _cart_context(request, outlet)
        context["cart_error"] = _("Line %(line)s: the quantity must be a number greater than 0") % {
            "line": index + 1
        }
        return render(request, "supply/_counter_cart.html", context)
    return render(request, "supply/_counter_cart.html", _cart_context(request, outlet))


@login_required
def counter_member(request: AuthedRequest, outlet_id: int) -> HttpResponse:
    _counter_outlet(request, outlet_id)
    text = request.GET.get("member_q", "").strip()
    members = []
    if len(text) >= 2:
        members = list(
            Member.objects.visible_to(request.user)
            .filter(is_active=True)
            .filter(
                Q(phone__startswith=text) | Q(id_number__startswith=text.upper()) | Q(name__startswith=text)
            )[:8]
        )
    return render(request, "supply/_counter_members.html", {"members": members, "q": text})


@login_required
@require_POST
def counter_checkout(request: AuthedRequest, outlet_id: int) -> HttpResponse:
    outlet = _counter_outlet(request, outlet_id)
    cart = Cart(request.session, outlet.pk)
    context = _cart_context(request, outlet, request.POST)
    lines = [line for _index, line in context["cart"]]
    total = context["total"]
    errors: list[str] = []
    if not lines:
        errors.append(_("The cart is empty."))
    member = None
    if request.POST.get("member"):
        member = Member.objects.visible_to(request.user).filter(pk=request.POST["member"]).first()
        if member is None:
            errors.append(_("“Member”: not found"))
    payments, payment_errors = payments_from(request.POST, total, member)
    if lines:
        errors.extend(payment_errors)
    # One buyer per checkout: the real-name record of every pesticide line of the sale.
    buyer = actions.Buyer(
        **{
            name: request.POST.get(f"buyer_{name}", "")
            for name in ("name", "id_number", "address", "phone", "crop", "pest")
        }
    )
    counter_lines = [
        actions.CounterLine(line.spec(), buyer if line.product.is_pesticide else None) for line in lines
    ]
    if not errors:
        try:
            document = actions.checkout(
                request.user,
                actions.Checkout(outlet=outlet, lines=counter_lines, member=member, payments=payments),
            )
        except TradeError as exc:
            errors.extend(exc.messages)
        else:
            cart.clear()
            messages.success(
                request, _("Sold: %(number)s, %(total)s yuan.") % {"number": document.number, "total": total}
            )
            target = reverse("supply:receipt", args=[document.pk]) + "?size=58"
            if request.headers.get("HX-Request"):
                # htmx would swap the receipt into the cart; the whole page goes to it instead
                return HttpResponse(headers={"HX-Redirect": target})
            return redirect(target)
    context.update({"checkout_errors": errors, "posted": request.POST, "member": member})
    return render(request, "supply/_counter_cart.html", context)


@login_required
def receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commerce.view_document"):
        raise PermissionDenied
    document = get_visible_or_404(
        Document.objects.select_related("location", "member", "organization", "created_by"),
        request.user,
        pk=pk,
    )
    outlet = Outlet.objects.filter(location=document.location).first()
    return render(
        request,
        "supply/receipt.html",
        {
            "document": document,
            "outlet": outlet,
            "lines": document.lines.select_related("product", "package"),
            "payments": document.payments.all(),
            "words": capital_amount(document.total_amount),
            "size": "a4" if request.GET.get("size") == "a4" else "58",
            "records": {r.line_id: r for r in _records(document)},
        },
    )


def _records(document: Document) -> list:
    from gongxiao.supply.models import PesticideSaleRecord

    return list(PesticideSaleRecord.objects.filter(line__document=document))


@login_required
def closing(request: AuthedRequest, outlet_id: int) -> HttpResponse:
    outlet = _counter_outlet(request, outlet_id)
    day = clock.today()
    existing = CounterClosing.objects.filter(outlet=outlet, day=day).first()
    errors: list[str] = []
    if request.method == "POST" and existing is None:
        try:
            counted = Decimal(request.POST.get("counted_cash", "").strip() or "x")
        except InvalidOperation:
            errors.append(_("“Counted cash”: must be a number"))
        else:
            try:
                existing = actions.close_day(request.user, outlet, day, counted, request.POST.get("note", ""))
            except TradeError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("The day is closed."))
                return redirect("supply:closing", outlet_id=outlet.pk)
    figures = actions.day_figures(outlet, day)
    return render(
        request,
        "supply/closing.html",
        {
            "outlet": outlet,
            "day": day,
            "figures": figures,
            "methods": dict(Payment.Method.choices),
            "closing": existing,
            "errors": errors,
            "posted": request.POST,
            "title": _("Daily closing"),
            "recent": CounterClosing.objects.filter(outlet=outlet).order_by("-day")[:10],
        },
    )


# ---------------------------------------------------------------- pesticide ledgers (《农药管理条例》 art. 26-27)


class LedgerFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=gettext_lazy("from"), field_name="document__date", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("to"), field_name="document__date", lookup_expr="lte"
    )


class SalesLedgerFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=gettext_lazy("from"), field_name="line__document__date", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("to"), field_name="line__document__date", lookup_expr="lte"
    )


def _quantity(line: DocumentLine) -> str:
    return f"{plain(line.quantity)} {line.product.get_base_unit_display()}"


class PesticidePurchaseLedger(ListPage):
    """采购台账 (art. 26): name, registration number, specification, quantity, manufacturer, supplier, date."""

    title = gettext_lazy("Pesticide purchase ledger")
    permission = "supply.view_pesticidesalerecord"
    filterset_class = LedgerFilter
    default_sort = "-document__date"
    search_placeholder = gettext_lazy("Pesticide name, pinyin initials or registration number")
    empty_text = gettext_lazy("No pesticide purchases in this period.")
    columns = [
        field_column("document__date", gettext_lazy("purchase date"), kind="date"),
        field_column("product__name", gettext_lazy("pesticide name"), sort="product__name", width=18),
        field_column("product__registration_no", gettext_lazy("registration number"), sort="", width=16),
        field_column("product__specification", gettext_lazy("specification"), sort=""),
        ListColumn(gettext_lazy("quantity"), _quantity, sort="quantity"),
        field_column("product__manufacturer", gettext_lazy("manufacturer"), sort="", width=20),
        field_column("document__partner_name", gettext_lazy("supplier"), sort="", width=20),
        field_column("document__partner_contact", gettext_lazy("supplier contact"), sort="", width=16),
        field_column("document__number", gettext_lazy("document number"), sort="", width=22, link=True),
    ]

    def queryset(self) -> QuerySet:
        documents = Document.objects.visible_to(self.request.user).filter(
            kind=Document.Kind.PURCHASE, status__in=[Document.Status.CONFIRMED, Document.Status.REVERSED]
        )
        return DocumentLine.objects.filter(
            document__in=documents, product__category=Category.PESTICIDE
        ).select_related("product", "document")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(product__in=Product.objects.search(text)) | Q(product__registration_no__icontains=text)
        )

    def detail_url(self, obj: DocumentLine) -> str:
        return obj.document.get_absolute_url()


class PesticideSalesLedger(ListPage):
    """销售台账 (art. 27) with the real-name fields: buyer, ID, address, crop and pest."""

    title = gettext_lazy("Pesticide sales ledger")
    permission = "supply.view_pesticidesalerecord"
    filterset_class = SalesLedgerFilter
    default_sort = "-line__document__date"
    search_placeholder = gettext_lazy("Pesticide, buyer or ID number")
    empty_text = gettext_lazy("No pesticide sales in this period.")
    columns = [
        field_column("line__document__date", gettext_lazy("sale date"), kind="date"),
        field_column(
            "line__product__name", gettext_lazy("pesticide name"), sort="line__product__name", width=18
        ),
        field_column(
            "line__product__registration_no", gettext_lazy("registration number"), sort="", width=16
        ),
        field_column("line__product__specification", gettext_lazy("specification"), sort=""),
        ListColumn(gettext_lazy("quantity"), lambda r: _quantity(r.line), sort="line__quantity"),
        field_column("line__product__manufacturer", gettext_lazy("manufacturer"), sort="", width=20),
        field_column("buyer_name", gettext_lazy("buyer")),
        ListColumn(
            gettext_lazy("buyer's resident ID number"),
            lambda r: r.buyer_id_number[:6] + "********" + r.buyer_id_number[-4:],
            width=20,
            export_value=lambda r: r.buyer_id_number,
        ),
        field_column("buyer_address", gettext_lazy("buyer's address"), sort="", width=24),
        field_column("crop", gettext_lazy("crop"), sort=""),
        field_column("pest", gettext_lazy("pest or disease"), sort=""),
        field_column("line__document__number", gettext_lazy("document number"), sort="", width=22, link=True),
    ]

    def queryset(self) -> QuerySet:
        return PesticideSaleRecord.objects.visible_to(self.request.user).select_related(
            "line__product", "line__document"
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(line__product__in=Product.objects.search(text))
            | Q(buyer_name__icontains=text)
            | Q(buyer_id_number__startswith=text.upper())
        )

    def detail_url(self, obj: PesticideSaleRecord) -> str:
        return obj.line.document.get_absolute_url()


@login_required
def chain_stores(request: AuthedRequest) -> HttpResponse:
    """The chain at a glance: five unifications, licence validity and the distribution ratio per store."""
    if not request.user.has_perm("network.view_outlet"):
        raise PermissionDenied
    today = clock.today()
    outlets = (
        Outlet.objects.visible_to(request.user)
        .filter(kind=Outlet.Kind.CHAIN_STORE)
        .select_related("region", "location", "organization")
        .order_by("code")
    )
    years = sorted(
        {d.year for d in Document.objects.filter(location__outlet__in=outlets).dates("date", "year")}
        | {today.year},
        reverse=True,
    )
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = next(
            (
                y
                for y in years
                if Document.objects.filter(date__year=y, location__outlet__in=outlets).exists()
            ),
            today.year,
        )
    since, until = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    rows = []
    for outlet in outlets:
        assessment = outlet.assessments.first()
        licence = outlet.licences.order_by("-valid_to").first()
        ratio = actions.distribution_ratio(outlet, since, until) if outlet.location else None
        rows.append(
            {
                "outlet": outlet,
                "assessment": assessment,
                "licence": licence,
                "licence_days": licence.days_left(today) if licence else None,
                "ratio": ratio,
                "ratio_ok": ratio is not None and ratio >= DISTRIBUTION_TARGET,
            }
        )
    return render(
        request,
        "supply/chain_stores.html",
        {
            "rows": rows,
            "title": _("Chain stores"),
            "target": DISTRIBUTION_TARGET,
            "since": since,
            "until": until,
            "year": year,
            "years": years,
            "all_five": sum(1 for r in rows if r["assessment"] and r["assessment"].meets_all),
            "warning_days": settings.LICENCE_WARNING_DAYS,
        },
    )


# ---------------------------------------------------------------- spring campaigns (送肥下乡)

CAMPAIGNS = (gettext_lazy("Campaigns"), "supply:campaigns")
DELIVER = ("supply.add_campaigndelivery", "commerce.add_document", "commerce.confirm_document")
REVERSE_DELIVERY = ("supply.change_campaigndelivery", "commerce.reverse_document")
DISTRIBUTE = "supply.add_campaigndistribution"


class CampaignList(ListPage):
    title = gettext_lazy("Campaigns")
    permission = "supply.view_campaign"
    create_permission = "supply.add_campaign"
    create_url = "supply:campaign_create"
    default_sort = "-starts_on"
    search_placeholder = gettext_lazy("Campaign name")
    empty_text = gettext_lazy("No campaigns yet. Create the campaign, then record its deliveries.")
    columns = [
        field_column("name", gettext_lazy("campaign name"), link=True, width=30),
        field_column("starts_on", gettext_lazy("starts on"), kind="date"),
        field_column("ends_on", gettext_lazy("ends on"), kind="date"),
        field_column("partners", gettext_lazy("partner organizations"), sort="", width=24),
        field_column("organization__name", gettext_lazy("organization"), sort="organization__path"),
    ]

    def queryset(self) -> QuerySet:
        return Campaign.objects.visible_to(self.request.user).select_related("organization")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=text) | Q(partners__icontains=text))

    def detail_url(self, obj: Any) -> str:
        return obj.get_absolute_url()


def _campaign(request: AuthedRequest, pk: int, *permissions: str) -> Campaign:
    """The campaign if the user sees it (404 otherwise) and, for a write, may write for its organization."""
    campaign = get_visible_or_404(Campaign.objects.select_related("organization"), request.user, pk=pk)
    if not request.user.has_perms(permissions or ("supply.view_campaign",)):
        raise PermissionDenied
    if permissions and not request.user.can_manage(campaign.organization):
        raise PermissionDenied
    return campaign


@login_required
def campaign_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    campaign = _campaign(request, pk, "supply.change_campaign") if pk else None
    breadcrumbs: list[tuple[Any, str]] = [CAMPAIGNS]
    if campaign is not None:
        breadcrumbs.append((campaign.name, campaign.get_absolute_url()))
    return edit_object(
        request,
        CampaignForm,
        instance=campaign,
        permission="supply.change_campaign" if campaign else "supply.add_campaign",
        title=_("Edit campaign") if campaign else _("New campaign"),
        breadcrumbs=breadcrumbs,
        success=lambda obj: obj.get_absolute_url(),
    )


def _campaign_page(
    request: AuthedRequest, campaign: Campaign, distribution_form: DistributionForm | None = None
) -> HttpResponse:
    user = request.user
    may_write = user.can_manage(campaign.organization)
    deliveries = list(
        campaign.deliveries.select_related(
            "document", "document__location", "document__to_location", "document__reversed_by", "outlet"
        ).order_by("-document__date", "-pk")
    )
    by_town = (
        campaign.distributions.values("town__name")
        .annotate(households=Sum("households"), records=Count("pk"))
        .order_by("town__code")
    )
    can_distribute = may_write and user.has_perm(DISTRIBUTE)
    if distribution_form is None and can_distribute:
        distribution_form = DistributionForm(user=user, campaign=campaign)
    distributions = campaign.distributions.select_related("town", "member").order_by("-day", "-pk")
    return render(
        request,
        "supply/campaign_detail.html",
        {
            "campaign": campaign,
            "summary": actions.campaign_summary(campaign),
            "deliveries": deliveries,
            "by_town": by_town,
            "distributions": distributions[:50],
            "distribution_count": distributions.count(),
            "distribution_form": distribution_form if can_distribute else None,
            "can_edit": may_write and user.has_perm("supply.change_campaign"),
            "can_deliver": may_write and user.has_perms(DELIVER),
            "can_reverse": may_write and user.has_perms(REVERSE_DELIVERY),
        },
    )


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _campaign_page(request, _campaign(request, pk))


@login_required
def campaign_deliver(request: AuthedRequest, pk: int) -> HttpResponse:
    """A delivery to a township outlet: a transfer from the warehouse, confirmed at once, or nothing."""
    campaign = _campaign(request, pk, *DELIVER)
    data = request.POST if request.method == "POST" else None
    form = DeliveryForm(data, user=request.user, campaign=campaign)
    lines = DeliveryLines(data, user=request.user)
    trade_errors: list[str] = []
    if data is not None and form.is_valid() and lines.is_valid():
        source, outlet = form.cleaned_data["source"], form.cleaned_data["outlet"]
        spec = DocumentSpec(
            kind=Document.Kind.TRANSFER,
            organization=source.organization,
            location=source,
            to_location=outlet.location,
            channel=Document.Channel.DISTRIBUTION,
            note=form.cleaned_data["note"] or campaign.name,
            lines=[
                LineSpec(
                    row["product"],
                    quantity=None if row["package"] else row["quantity"],
                    package=row["package"],
                    package_quantity=row["quantity"] if row["package"] else None,
                    batch=row.get("batch"),
                )
                for row in lines.filled()
            ],
        )
        try:
            document = actions.deliver(request.user, campaign, spec, outlet)
        except TradeError as exc:
            trade_errors = exc.messages
        else:
            messages.success(
                request,
                _("Delivered to %(outlet)s: transfer %(number)s confirmed.")
                % {"outlet": outlet.name, "number": document.number},
            )
            return redirect(campaign.get_absolute_url())
    return render(
        request,
        "supply/campaign_delivery_form.html",
        {
            "campaign": campaign,
            "form": form,
            "lines": lines,
            "trade_errors": trade_errors,
            "title": _("Record a delivery"),
        },
    )


@login_required
def campaign_reverse_delivery(request: AuthedRequest, pk: int, delivery_pk: int) -> HttpResponse:
    """Take a delivery back by reversing its transfer; the campaign's figures then leave it out."""
    campaign = _campaign(request, pk, *REVERSE_DELIVERY)
    delivery = get_object_or_404(
        CampaignDelivery.objects.select_related("document", "document__location", "document__to_location"),
        campaign=campaign,
        pk=delivery_pk,
    )
    document = delivery.document
    form = ReverseForm(request.POST if request.method == "POST" else None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            reversal = reverse_document(document, request.user, form.cleaned_data["reason"])
        except TradeError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Delivery %(number)s reversed by %(reversal)s; the campaign no longer counts it.")
                % {"number": document.number, "reversal": reversal.number},
            )
            return redirect(campaign.get_absolute_url())
    return render(
        request,
        "supply/campaign_reverse_delivery.html",
        {
            "campaign": campaign,
            "delivery": delivery,
            "document": document,
            "lines": document.lines.select_related("product", "package"),
            "form": form,
            "errors": errors,
            "reversible": document.status == Document.Status.CONFIRMED,
            "title": _("Reverse a delivery"),
        },
    )


@login_required
def campaign_distribute(request: AuthedRequest, pk: int) -> HttpResponse:
    """Households reached: saved and back to the campaign, or the campaign page with the form's errors."""
    campaign = _campaign(request, pk, DISTRIBUTE)
    if request.method != "POST":
        return redirect(campaign.get_absolute_url() + "#distribute")
    form = DistributionForm(request.POST, user=request.user, campaign=campaign)
    if not form.is_valid():
        return _campaign_page(request, campaign, form)
    with transaction.atomic():
        distribution = form.save()
    messages.success(
        request,
        _("Recorded: %(town)s, %(households)s households on %(day)s.")
        % {
            "town": distribution.town.name,
            "households": distribution.households,
            "day": distribution.day.isoformat(),
        },
    )
    return redirect(campaign.get_absolute_url() + "#distribute")
