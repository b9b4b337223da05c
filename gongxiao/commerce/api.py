from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from gongxiao.commerce import actions
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Batch, Document, Location, Package, Payment, Product, StockBalance
from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest

router = Router(tags=["trading"])


class ProductOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    barcode: str
    business: str
    category: str
    base_unit: str
    price: Decimal
    registration_no: str
    is_restricted: bool
    is_banned: bool


class BalanceOut(Schema):
    location_id: int
    location_code: str
    product_id: int
    product_code: str
    batch_id: int | None
    quantity: Decimal
    value: Decimal


class LineIn(Schema):
    product_id: int
    quantity: Decimal | None = Field(default=None, ge=0, decimal_places=3)
    package_id: int | None = None
    package_quantity: Decimal | None = Field(default=None, gt=0, decimal_places=3)
    unit_price: Decimal | None = Field(default=None, ge=0, decimal_places=4)
    batch_id: int | None = None


class PaymentIn(Schema):
    method: Payment.Method = Payment.Method.CASH
    amount: Decimal = Field(gt=0, decimal_places=2)


class DocumentIn(Schema):
    kind: Document.Kind
    location_id: int
    to_location_id: int | None = None
    channel: str = ""
    member_id: int | None = None
    partner_name: str = ""
    external_id: str = ""
    note: str = ""
    lines: list[LineIn]
    payments: list[PaymentIn] = []
    confirm: bool = False
    # a correction of an earlier day (更正单): needs commerce.correct_document and a reason
    corrects_date: dt.date | None = None
    correction_reason: str = Field(default="", max_length=200)


class LineOut(Schema):
    product_id: int
    batch_id: int | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    unit_cost: Decimal | None


class DocumentOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    date: dt.date
    organization_id: int
    location_id: int
    to_location_id: int | None
    channel: str
    member_id: int | None
    partner_name: str
    total_amount: Decimal
    reverses_id: int | None
    corrects_date: dt.date | None
    correction_reason: str
    lines: list[LineOut]


class ReverseIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


def _trade_error(exc: TradeError) -> HttpError:
    return HttpError(403 if getattr(exc, "code", None) == "forbidden" else 422, "；".join(exc.messages))


@router.get("/products", response=list[ProductOut])
@paginate(PageNumberPagination, page_size=100)
def list_products(request: AuthedRequest, q: str = "", business: str | None = None) -> Any:
    require_perm(request, "commerce.view_product")
    products = Product.objects.visible_to(request.user).order_by("code")
    if q:
        products = products.search(q)
    if business:
        products = products.filter(business=business)
    return products


def balance_rows(balances: Any) -> Any:
    """The balances as the API gives them: values, with the location's and the product's codes."""
    return balances.values(
        "location_id",
        "product_id",
        "batch_id",
        "quantity",
        "value",
        location_code=F("location__code"),
        product_code=F("product__code"),
    )


STOCK_MAX_PAGE_SIZE = 1000


def _in_scope(user: Any) -> Any:
    """The user's balances as `location_id IN (their locations)`: the few location ids are read first,
    so counting and paging need no join to the organization tree (a clerk's last page: 12 → 2 ms)."""
    return StockBalance.objects.filter(
        location_id__in=list(Location.objects.visible_to(user).values_list("pk", flat=True))
    )


class BalancePagination(PageNumberPagination):
    """Pages the balances by id alone, then reads only the page's rows with their codes.

    Counting and skipping rows then need no join to the location and the product, and the rows
    come as values, not three model instances each (benchmarks/bench_stock_on_hand.py).
    """

    def paginate_queryset(self, queryset: Any, pagination: Any, request: Any, **params: Any) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        ids = list(queryset.values_list("pk", flat=True)[offset : offset + page_size])
        page = StockBalance.objects.filter(pk__in=ids).order_by("pk")
        return {"items": balance_rows(page), "count": queryset.count()}


@router.get("/stock", response=list[BalanceOut])
@paginate(BalancePagination, page_size=200, max_page_size=STOCK_MAX_PAGE_SIZE)
def list_stock(request: AuthedRequest, location_id: int | None = None, product_id: int | None = None) -> Any:
    """Stock on hand, from the balance table; `page_size` up to 1,000 (a store's whole stock at once)."""
    require_perm(request, "commerce.view_stockbalance")
    balances = StockBalance.objects.all() if request.user.sees_all_organizations else _in_scope(request.user)
    balances = balances.order_by("pk")
    if location_id:
        balances = balances.filter(location_id=location_id)
    if product_id:
        balances = balances.filter(product_id=product_id)
    return balances


@router.get("/documents", response=list[DocumentOut])
@paginate(PageNumberPagination, page_size=50)
def list_documents(request: AuthedRequest, kind: str | None = None, status: str | None = None) -> Any:
    require_perm(request, "commerce.view_document")
    documents = Document.objects.visible_to(request.user).prefetch_related("lines").order_by("-pk")
    if kind:
        documents = documents.filter(kind=kind)
    if status:
        documents = documents.filter(status=status)
    return documents


@router.get("/documents/{document_id}", response=DocumentOut)
def get_document(request: AuthedRequest, document_id: int) -> Any:
    require_perm(request, "commerce.view_document")
    return get_object_or_404(Document.objects.visible_to(request.user), pk=document_id)


def _visible(queryset: Any, user: Any, pk: int | None, label: str) -> Any:
    if pk is None:
        return None
    obj = queryset.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise HttpError(
            422, _("%(what)s %(id)s does not exist or is not visible to you") % {"what": label, "id": pk}
        )
    return obj


@router.post("/documents", response={201: DocumentOut})
def create_document(request: AuthedRequest, payload: DocumentIn) -> Any:
    require_perm(request, "commerce.add_document")
    if payload.corrects_date is not None:
        require_perm(request, "commerce.correct_document")
    location = _visible(Location.objects, request.user, payload.location_id, _("stock location"))
    to_location = (
        Location.objects.filter(pk=payload.to_location_id).first() if payload.to_location_id else None
    )
    from gongxiao.members.models import Member

    member = (
        _visible(Member.objects, request.user, payload.member_id, _("member")) if payload.member_id else None
    )
    lines = []
    for line in payload.lines:
        product = _visible(Product.objects, request.user, line.product_id, _("product"))
        package = (
            Package.objects.filter(pk=line.package_id, product=product).first() if line.package_id else None
        )
        batch = Batch.objects.filter(pk=line.batch_id, product=product).first() if line.batch_id else None
        lines.append(
            actions.LineSpec(
                product,
                line.quantity,
                package=package,
                package_quantity=line.package_quantity,
                unit_price=line.unit_price,
                batch=batch,
            )
        )
    spec = actions.DocumentSpec(
        kind=payload.kind,
        organization=location.organization,
        location=location,
        to_location=to_location,
        channel=payload.channel,
        member=member,
        partner_name=payload.partner_name,
        external_id=payload.external_id,
        note=payload.note,
        lines=lines,
        payments=[actions.PaymentSpec(p.method, p.amount) for p in payload.payments],
        corrects_date=payload.corrects_date,
        correction_reason=payload.correction_reason,
    )
    try:
        if payload.confirm:
            require_perm(request, "commerce.confirm_document")
            return actions.create_and_confirm(request.user, spec)
        return actions.create_document(request.user, spec)
    except TradeError as exc:
        raise _trade_error(exc) from None


@router.post("/documents/{document_id}/confirm", response=DocumentOut)
def confirm_document(request: AuthedRequest, document_id: int) -> Any:
    require_perm(request, "commerce.confirm_document")
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=document_id)
    try:
        return actions.confirm_document(document, request.user)
    except TradeError as exc:
        raise _trade_error(exc) from None


@router.post("/documents/{document_id}/reverse", response=DocumentOut)
def reverse_document(request: AuthedRequest, document_id: int, payload: ReverseIn) -> Any:
    require_perm(request, "commerce.reverse_document")
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=document_id)
    try:
        return actions.reverse_document(document, request.user, payload.reason)
    except TradeError as exc:
        raise _trade_error(exc) from None
