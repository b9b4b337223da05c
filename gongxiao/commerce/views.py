from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.forms import formset_factory
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongxiao.commerce import actions
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.filters import (
    DocumentFilter,
    LocationFilter,
    ProductFilter,
    StockFilter,
    StockMoveFilter,
)
from gongxiao.commerce.forms import (
    DocumentHeaderForm,
    DocumentLineForm,
    LocationForm,
    ProductForm,
    ReverseForm,
)
from gongxiao.commerce.models import Document, Location, Product, StockBalance, StockMove
from gongxiao.core.editing import edit_object
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListColumn, ListPage, choice_column, field_column
from gongxiao.core.scope import get_visible_or_404

PRODUCTS = (gettext_lazy("Products"), "commerce:products")
LOCATIONS = (gettext_lazy("Stock locations"), "commerce:locations")
DOCUMENTS = (gettext_lazy("Trade documents"), "commerce:documents")


class ProductList(ListPage):
    title = gettext_lazy("Products")
    permission = "commerce.view_product"
    create_permission = "commerce.add_product"
    create_url = "commerce:product_create"
    import_name = "products"
    filterset_class = ProductFilter
    default_sort = "code"
    search_placeholder = gettext_lazy("Name, pinyin initials, code or barcode")
    columns = [
        field_column("code", gettext_lazy("product code")),
        field_column("name", gettext_lazy("product name"), link=True, width=20),
        field_column("specification", gettext_lazy("specification")),
        choice_column("business", gettext_lazy("main business")),
        choice_column("category", gettext_lazy("category")),
        choice_column("base_unit", gettext_lazy("base unit")),
        field_column("price", gettext_lazy("price per base unit (yuan)"), kind="money"),
        field_column("registration_no", gettext_lazy("registration number"), width=18),
    ]

    def queryset(self) -> QuerySet:
        return Product.objects.visible_to(self.request.user)

    def detail_url(self, obj: Product) -> str:
        return reverse("commerce:product", args=[obj.pk])


@login_required
def product_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commerce.view_product"):
        raise PermissionDenied
    product = get_visible_or_404(Product.objects.all(), request.user, pk=pk)
    stock = (
        StockBalance.objects.visible_to(request.user)
        .filter(product=product)
        .select_related("location", "batch")
    )
    return render(
        request,
        "commerce/product_detail.html",
        {
            "product": product,
            "stock": stock.exclude(quantity=0),
            "packages": product.packages.all(),
            "can_see_moves": request.user.has_perm("commerce.view_stockmove"),
            "can_edit": request.user.has_perm("commerce.change_product")
            and request.user.can_manage(product.organization),
        },
    )


@login_required
def product_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    product = get_visible_or_404(Product.objects.all(), request.user, pk=pk) if pk else None
    return edit_object(
        request,
        ProductForm,
        instance=product,
        permission="commerce.change_product" if product else "commerce.add_product",
        title=_("Edit product") if product else _("New product"),
        breadcrumbs=[PRODUCTS],
        success=lambda obj: reverse("commerce:product", args=[obj.pk]),
    )


class LocationList(ListPage):
    title = gettext_lazy("Stock locations")
    permission = "commerce.view_location"
    create_permission = "commerce.add_location"
    create_url = "commerce:location_create"
    filterset_class = LocationFilter
    default_sort = "code"
    search_placeholder = gettext_lazy("Name or code")
    columns = [
        field_column("code", gettext_lazy("location code")),
        field_column("name", gettext_lazy("location name"), link=True, width=20),
        choice_column("kind", gettext_lazy("location kind")),
        field_column("warehouse__name", gettext_lazy("warehouse"), sort="warehouse__code"),
        field_column("organization__name", gettext_lazy("organization"), sort="organization__path", width=20),
        field_column("is_active", gettext_lazy("active"), kind="bool"),
    ]

    def queryset(self) -> QuerySet:
        return Location.objects.visible_to(self.request.user).select_related("organization", "warehouse")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=text) | Q(code__icontains=text))

    def detail_url(self, obj: Location) -> str:
        return reverse("commerce:stock") + f"?location={obj.pk}"


@login_required
def location_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    location = get_visible_or_404(Location.objects.all(), request.user, pk=pk) if pk else None
    return edit_object(
        request,
        LocationForm,
        instance=location,
        permission="commerce.change_location" if location else "commerce.add_location",
        title=_("Edit stock location") if location else _("New stock location"),
        breadcrumbs=[LOCATIONS],
        success=lambda obj: reverse("commerce:locations"),
    )


class StockList(ListPage):
    title = gettext_lazy("Stock on hand")
    permission = "commerce.view_stockbalance"
    filterset_class = StockFilter
    default_sort = "location__code"
    search_placeholder = gettext_lazy("Product name, pinyin initials, code or barcode")
    empty_text = gettext_lazy("No stock. Stock comes in with purchases and transfers.")
    columns = [
        field_column("location__name", gettext_lazy("stock location"), sort="location__code"),
        field_column("product__code", gettext_lazy("product code")),
        field_column("product__name", gettext_lazy("product name"), link=True, width=20),
        field_column("product__specification", gettext_lazy("specification"), sort=""),
        field_column("batch__batch_no", gettext_lazy("batch"), sort=""),
        ListColumn(gettext_lazy("base unit"), lambda b: b.product.get_base_unit_display()),
        field_column("quantity", gettext_lazy("quantity on hand"), kind="decimal"),
        field_column("average_cost", gettext_lazy("average cost (yuan)"), kind="money", sort=""),
        field_column("value", gettext_lazy("stock value (yuan)"), kind="money"),
    ]

    def queryset(self) -> QuerySet:
        return (
            StockBalance.objects.visible_to(self.request.user)
            .exclude(quantity=0)
            .select_related("location", "product", "batch")
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(product__in=Product.objects.search(text))

    def detail_url(self, obj: StockBalance) -> str:
        return reverse("commerce:product", args=[obj.product_id])


def correction_mark(move: StockMove) -> str:
    """“更正 2026-10-03：reason” for a move of a correction of an earlier day; '' for any other."""
    if move.corrects_date is None:
        return ""
    mark = _("Corrects %(date)s") % {"date": move.corrects_date.isoformat()}
    reason = move.document.correction_reason if move.document is not None else ""
    return f"{mark}：{reason}" if reason else mark


class StockMoveList(ListPage):
    """The stock ledger's moves, in the order they were written; corrections marked with their day."""

    title = gettext_lazy("Stock moves")
    permission = "commerce.view_stockmove"
    filterset_class = StockMoveFilter
    default_sort = "-created_at"
    search_placeholder = gettext_lazy("Product name, pinyin initials, code or barcode")
    empty_text = gettext_lazy("No stock moves. Confirmed documents write them.")
    breadcrumbs = [(gettext_lazy("Stock on hand"), "commerce:stock")]
    columns = [
        field_column("created_at", gettext_lazy("time"), kind="date", width=18),
        field_column("location__name", gettext_lazy("stock location"), sort="location__code"),
        field_column("product__code", gettext_lazy("product code")),
        field_column("product__name", gettext_lazy("product name"), width=20),
        field_column("batch__batch_no", gettext_lazy("batch"), sort=""),
        choice_column("kind", gettext_lazy("move kind")),
        field_column("quantity", gettext_lazy("quantity"), kind="decimal"),
        field_column("unit_cost", gettext_lazy("unit cost (yuan)"), kind="money", sort=""),
        field_column("value", gettext_lazy("value (yuan)"), kind="money", sort=""),
        field_column("document__number", gettext_lazy("document number"), link=True, sort=""),
        ListColumn(gettext_lazy("corrects the day"), correction_mark, sort="corrects_date", width=30),
    ]

    def queryset(self) -> QuerySet:
        return StockMove.objects.visible_to(self.request.user).select_related(
            "location", "product", "batch", "document"
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(product__in=Product.objects.search(text))

    def detail_url(self, obj: StockMove) -> str:
        return obj.document.get_absolute_url() if obj.document is not None else ""


class DocumentList(ListPage):
    title = gettext_lazy("Trade documents")
    permission = "commerce.view_document"
    create_permission = "commerce.add_document"
    create_url = "commerce:document_create"
    filterset_class = DocumentFilter
    default_sort = "-id"
    search_placeholder = gettext_lazy("Document number or partner")
    columns = [
        field_column("number", gettext_lazy("document number"), link=True, width=24),
        choice_column("kind", gettext_lazy("document kind")),
        choice_column("status", gettext_lazy("status"), kind="badge"),
        field_column("date", gettext_lazy("date"), kind="date"),
        field_column("location__name", gettext_lazy("stock location"), sort="location__code"),
        choice_column("channel", gettext_lazy("channel")),
        ListColumn(
            gettext_lazy("partner"), lambda d: d.member.name if d.member_id else d.partner_name, width=18
        ),
        field_column("total_amount", gettext_lazy("total amount (yuan)"), kind="money"),
    ]

    def queryset(self) -> QuerySet:
        return Document.objects.visible_to(self.request.user).select_related("location", "member")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(number__icontains=text) | Q(partner_name__icontains=text) | Q(member__name__icontains=text)
        )

    def detail_url(self, obj: Document) -> str:
        return obj.get_absolute_url()


@login_required
def document_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commerce.view_document"):
        raise PermissionDenied
    document = get_visible_or_404(
        Document.objects.select_related(
            "location", "to_location", "member", "organization", "reverses", "created_by"
        ),
        request.user,
        pk=pk,
    )
    may_write = request.user.can_manage(document.organization)
    reversal = Document.objects.filter(reverses=document).first()
    return render(
        request,
        "commerce/document_detail.html",
        {
            "document": document,
            "lines": document.lines.select_related("product", "batch", "package"),
            "payments": document.payments.all(),
            "moves": document.moves.select_related("location", "product"),
            "reversal": reversal,
            "can_confirm": may_write
            and document.is_draft
            and request.user.has_perm("commerce.confirm_document"),
            "can_reverse": may_write
            and document.status == Document.Status.CONFIRMED
            and document.reverses_id is None
            and request.user.has_perm("commerce.reverse_document"),
            "reverse_form": ReverseForm(),
        },
    )


LineFormSet = formset_factory(DocumentLineForm, extra=6)


@login_required
def document_create(request: AuthedRequest) -> HttpResponse:
    """A draft purchase, sale, transfer or stocktake with its lines; confirmed on its own page."""
    if not request.user.has_perm("commerce.add_document"):
        raise PermissionDenied
    header = DocumentHeaderForm(
        request.POST or None, user=request.user, initial={"kind": request.GET.get("kind", "purchase")}
    )
    lines = LineFormSet(request.POST or None, form_kwargs={"user": request.user}, prefix="lines")
    trade_errors: list[str] = []
    if request.method == "POST" and header.is_valid() and lines.is_valid():
        specs = []
        for data in lines.cleaned_data:
            if not data or not data.get("product"):
                continue
            package = data.get("package")
            price = data.get("unit_price")
            if package is not None:
                base_price = (
                    (price / package.factor).quantize(Decimal("0.0001"), ROUND_HALF_UP)
                    if price is not None
                    else None
                )
                specs.append(
                    actions.LineSpec(
                        data["product"],
                        package=package,
                        package_quantity=data["quantity"],
                        unit_price=base_price,
                        batch=data.get("batch"),
                    )
                )
            else:
                specs.append(
                    actions.LineSpec(
                        data["product"], data["quantity"], unit_price=price, batch=data.get("batch")
                    )
                )
        location = header.cleaned_data["location"]
        spec = actions.DocumentSpec(
            kind=header.cleaned_data["kind"],
            organization=location.organization,
            location=location,
            to_location=header.cleaned_data.get("to_location"),
            channel=header.cleaned_data.get("channel") or "",
            partner_name=header.cleaned_data.get("partner_name") or "",
            partner_contact=header.cleaned_data.get("partner_contact") or "",
            note=header.cleaned_data.get("note") or "",
            lines=specs,
            corrects_date=header.cleaned_data.get("corrects_date"),
            correction_reason=header.cleaned_data.get("correction_reason") or "",
        )
        try:
            document = actions.create_document(request.user, spec)
        except TradeError as exc:
            trade_errors = exc.messages
        else:
            messages.success(request, _("Draft saved. Check it, then confirm it."))
            return redirect(document.get_absolute_url())
    return render(
        request,
        "commerce/document_form.html",
        {
            "header": header,
            "lines": lines,
            "trade_errors": trade_errors,
            "title": _("New trade document"),
            "breadcrumbs": [DOCUMENTS],
        },
    )


@login_required
@require_POST
def document_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commerce.confirm_document"):
        raise PermissionDenied
    document = get_visible_or_404(Document.objects.all(), request.user, pk=pk)
    try:
        document = actions.confirm_document(document, request.user)
    except TradeError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Confirmed as %(number)s.") % {"number": document.number})
    return redirect(document.get_absolute_url())


@login_required
@require_POST
def document_reverse(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("commerce.reverse_document"):
        raise PermissionDenied
    document = get_visible_or_404(Document.objects.all(), request.user, pk=pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the document is reversed."))
        return redirect(document.get_absolute_url())
    try:
        reversal = actions.reverse_document(document, request.user, form.cleaned_data["reason"])
    except TradeError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(document.get_absolute_url())
    messages.success(request, _("Reversed by %(number)s.") % {"number": reversal.number})
    return redirect(reversal.get_absolute_url())
