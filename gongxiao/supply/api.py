"""The agri-input business over the API: counter checkouts, daily closing, pesticide ledgers, licences, chain.

The same actions and the same rules as the pages (`supply.actions`); a store outside the user's
subtree answers 404, a refused sale writes nothing and says why, line by line, in Chinese.
"""

# No `from __future__ import annotations` here: ninja reads a paginated view's parameter types in
# the globals of its pagination wrapper, where `dt.date` as a string cannot be resolved.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Response

from gongxiao.commerce.actions import LineSpec, PaymentSpec
from gongxiao.commerce.api import DocumentOut, LineIn, PaymentIn
from gongxiao.commerce.errors import InsufficientStock, TradeError
from gongxiao.commerce.models import Batch, Package, Product
from gongxiao.core import clock
from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest
from gongxiao.members.models import Member
from gongxiao.network.models import Outlet
from gongxiao.supply import actions
from gongxiao.supply.models import UNIFICATIONS, CounterClosing, PesticideLicence, PesticideSaleRecord

router = Router(tags=["agri-input supply"])

# The counter page's permissions (supply.views.SELL): a checkout creates and confirms a sale.
SELL = ("commerce.add_document", "commerce.confirm_document")


# ---------------------------------------------------------------- counter checkout


class BuyerIn(Schema):
    """The real-name buyer of a pesticide line (实名购买); the checkout checks each field."""

    name: str = Field(default="", max_length=60)
    id_number: str = Field(default="", max_length=18)
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=20)
    crop: str = Field(default="", max_length=40)
    pest: str = Field(default="", max_length=60)


class CounterLineIn(LineIn):
    buyer: BuyerIn | None = None


class CheckoutIn(Schema):
    outlet_id: int
    member_id: int | None = None
    lines: list[CounterLineIn]
    payments: list[PaymentIn]


class PaymentOut(Schema):
    method: str
    amount: Decimal


class CheckoutOut(DocumentOut):
    payments: list[PaymentOut]


# Refusals answer {"detail": "…；…", "errors": [{"field": "", "message": "第 2 行“批次”：…"}]}.
REFUSALS = {
    "responses": {
        "409": {"description": "Refused, nothing written: not enough stock, or the day is already closed"},
        "422": {"description": "Refused, nothing written: one message per line and field, in Chinese"},
    }
}


def _refusal(exc: TradeError) -> Response:
    """A refused write, as the API's other errors: 403 raised; missing stock or a closed day 409; the rest 422.

    A TradeError made of several messages has no `code` (Django keeps codes per message).
    """
    code = getattr(exc, "code", None)
    if code == "forbidden":
        raise HttpError(403, "；".join(exc.messages))
    status = 409 if isinstance(exc, InsufficientStock) or code == "closed" else 422
    return Response(
        {
            "detail": "；".join(exc.messages),
            "errors": [{"field": "", "message": message} for message in exc.messages],
        },
        status=status,
    )


def _line_error(number: int, field_label: str, message: str) -> str:
    return _("Line %(line)s “%(field)s”: %(message)s") % {
        "line": number,
        "field": field_label,
        "message": message,
    }


def _not_visible(label: str, pk: int) -> str:
    return _("%(what)s %(id)s does not exist or is not visible to you") % {"what": label, "id": pk}


def _counter_outlet(request: AuthedRequest, outlet_id: int) -> Outlet:
    for permission in SELL:
        require_perm(request, permission)
    return get_object_or_404(
        Outlet.objects.visible_to(request.user).select_related("location__organization"), pk=outlet_id
    )


def _counter_lines(request: AuthedRequest, payload: CheckoutIn) -> list[actions.CounterLine]:
    """The payload's lines with their products, packages and batches, each looked up once."""
    products = {
        p.pk: p
        for p in Product.objects.visible_to(request.user).filter(
            pk__in={line.product_id for line in payload.lines}
        )
    }
    packages = {
        p.pk: p
        for p in Package.objects.filter(pk__in={line.package_id for line in payload.lines if line.package_id})
    }
    batches = {
        b.pk: b
        for b in Batch.objects.filter(pk__in={line.batch_id for line in payload.lines if line.batch_id})
    }
    errors: list[str] = []
    counter_lines: list[actions.CounterLine] = []
    for number, line in enumerate(payload.lines, start=1):
        product = products.get(line.product_id)
        if product is None:
            errors.append(_line_error(number, _("product"), _not_visible(_("product"), line.product_id)))
            continue
        # a package or batch of another product is refused by the action, naming the line
        package = packages.get(line.package_id) if line.package_id else None
        batch = batches.get(line.batch_id) if line.batch_id else None
        if line.package_id and package is None:
            errors.append(
                _line_error(number, _("package unit"), _not_visible(_("package unit"), line.package_id))
            )
        if line.batch_id and batch is None:
            errors.append(_line_error(number, _("batch"), _not_visible(_("batch"), line.batch_id)))
        spec = LineSpec(
            product,
            line.quantity,
            package=package,
            package_quantity=line.package_quantity,
            unit_price=line.unit_price,
            batch=batch,
        )
        buyer = actions.Buyer(**line.buyer.model_dump()) if line.buyer is not None else None
        counter_lines.append(actions.CounterLine(spec, buyer))
    if errors:
        raise TradeError(errors, code="invalid")
    return counter_lines


@router.post("/supply/checkout", response={201: CheckoutOut}, openapi_extra=REFUSALS)
def checkout(request: AuthedRequest, payload: CheckoutIn) -> Any:
    """One counter sale, confirmed at once: stock moves, payments (split allowed), real-name pesticide records."""
    outlet = _counter_outlet(request, payload.outlet_id)
    try:
        member = None
        if payload.member_id is not None:
            member = Member.objects.visible_to(request.user).filter(pk=payload.member_id).first()
            if member is None:
                raise TradeError(_not_visible(_("member"), payload.member_id), code="invalid")
        if not payload.payments:
            raise TradeError(_("“Payments”: give at least one payment (method and amount)"), code="invalid")
        document = actions.checkout(
            request.user,
            actions.Checkout(
                outlet=outlet,
                lines=_counter_lines(request, payload),
                payments=[PaymentSpec(p.method, p.amount) for p in payload.payments],
                member=member,
            ),
        )
    except TradeError as exc:
        return _refusal(exc)
    prefetch_related_objects([document], "lines", "payments")  # the confirmed document itself, not a re-read
    return document


# ---------------------------------------------------------------- the counter's day


class ClosingOut(Schema):
    day: dt.date
    sales_count: int
    sales_total: Decimal
    expected_cash: Decimal
    counted_cash: Decimal
    difference: Decimal
    note: str
    closed_by: str
    closed_at: dt.datetime

    @staticmethod
    def resolve_closed_by(obj: CounterClosing) -> str:
        return obj.closed_by.display_name()


class DayOut(Schema):
    outlet_id: int
    date: dt.date
    sales_count: int
    sales_total: Decimal
    by_method: dict[str, Decimal]
    expected_cash: Decimal
    closing: ClosingOut | None


class ClosingIn(Schema):
    counted_cash: Decimal = Field(decimal_places=2)
    note: str = Field(default="", max_length=200)


@router.get("/supply/outlets/{outlet_id}/day", response=DayOut)
def day(request: AuthedRequest, outlet_id: int, date: dt.date | None = None) -> Any:
    """What the counter took on a day (today by default): sales, payments by method, cash expected."""
    require_perm(request, "commerce.view_document")
    outlet = get_object_or_404(
        Outlet.objects.visible_to(request.user).select_related("location"), pk=outlet_id
    )
    on = date or clock.today()
    figures = actions.day_figures(outlet, on)
    return {
        "outlet_id": outlet.pk,
        "date": on,
        "sales_count": figures.sales_count,
        "sales_total": figures.sales_total,
        "by_method": figures.by_method,
        "expected_cash": figures.expected_cash,
        "closing": CounterClosing.objects.filter(outlet=outlet, day=on).select_related("closed_by").first(),
    }


@router.post("/supply/outlets/{outlet_id}/closing", response={201: ClosingOut})
def close_day(request: AuthedRequest, outlet_id: int, payload: ClosingIn) -> Any:
    """Close today's counter once: counted cash against expected cash; a difference needs a note."""
    outlet = _counter_outlet(request, outlet_id)
    try:
        closing = actions.close_day(request.user, outlet, clock.today(), payload.counted_cash, payload.note)
    except TradeError as exc:
        return _refusal(exc)
    return closing


# ---------------------------------------------------------------- pesticide sales ledger, licences


class PesticideSaleOut(Schema):
    id: int
    date: dt.date = Field(alias="line.document.date")
    document_id: int = Field(alias="line.document_id")
    document_number: str = Field(alias="line.document.number")
    location_id: int = Field(alias="line.document.location_id")
    product_id: int = Field(alias="line.product_id")
    product_name: str = Field(alias="line.product.name")
    registration_no: str = Field(alias="line.product.registration_no")
    specification: str = Field(alias="line.product.specification")
    manufacturer: str = Field(alias="line.product.manufacturer")
    quantity: Decimal = Field(alias="line.quantity")
    base_unit: str = Field(alias="line.product.base_unit")
    buyer_name: str
    buyer_id_number: str
    buyer_address: str
    buyer_phone: str
    crop: str
    pest: str


@router.get("/supply/pesticide-sales", response=list[PesticideSaleOut])
@paginate(PageNumberPagination, page_size=100)
def pesticide_sales(
    request: AuthedRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    outlet_id: int | None = None,
) -> Any:
    """The pesticide sales ledger (《农药管理条例》 art. 27) with the buyers' real names, newest first."""
    require_perm(request, "supply.view_pesticidesalerecord")
    records = (
        PesticideSaleRecord.objects.visible_to(request.user)
        .select_related("line__product", "line__document")
        .order_by("-line__document__date", "-pk")
    )
    if date_from:
        records = records.filter(line__document__date__gte=date_from)
    if date_to:
        records = records.filter(line__document__date__lte=date_to)
    if outlet_id is not None:
        outlet = get_object_or_404(Outlet.objects.visible_to(request.user), pk=outlet_id)
        records = records.filter(line__document__location_id=outlet.location_id)
    return records


class LicenceOut(Schema):
    id: int
    outlet_id: int
    outlet_name: str
    number: str
    covers_restricted: bool
    valid_from: dt.date
    valid_to: dt.date
    days_left: int
    expired: bool
    warning: bool


@router.get("/supply/licences", response=list[LicenceOut])
def licences(request: AuthedRequest) -> Any:
    """Pesticide business licences; `warning` when expired or within LICENCE_WARNING_DAYS of expiry."""
    require_perm(request, "supply.view_pesticidelicence")
    today = clock.today()
    rows = []
    for licence in (
        PesticideLicence.objects.visible_to(request.user).select_related("outlet").order_by("valid_to", "pk")
    ):
        days_left = licence.days_left(today)
        rows.append(
            {
                "id": licence.pk,
                "outlet_id": licence.outlet_id,
                "outlet_name": licence.outlet.name,
                "number": licence.number,
                "covers_restricted": licence.covers_restricted,
                "valid_from": licence.valid_from,
                "valid_to": licence.valid_to,
                "days_left": days_left,
                "expired": days_left < 0,
                "warning": days_left <= settings.LICENCE_WARNING_DAYS,
            }
        )
    return rows


# ---------------------------------------------------------------- chain stores


class AssessmentOut(Schema):
    assessed_on: dt.date
    signage: bool
    rules: bool
    zoning: bool
    distribution: bool
    sales_system: bool
    met: int
    meets_all: bool


class ChainStoreOut(Schema):
    id: int
    code: str
    name: str
    organization_id: int
    assessment: AssessmentOut | None
    unifications: int
    distribution_ratio: Decimal | None
    distribution_target: Decimal
    meets_distribution_target: bool


@router.get("/supply/chain-stores", response=list[ChainStoreOut])
def chain_stores(request: AuthedRequest, year: int | None = None) -> Any:
    """Each chain store: its latest five-unification assessment and its distribution ratio for a year."""
    require_perm(request, "network.view_outlet")
    today = clock.today()
    year = year or today.year
    if not 2000 <= year <= today.year:
        raise HttpError(422, _("“year”: from 2000 to this year"))
    since, until = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    # the chain's distribution ratio target (配送率 ≥ 70 %, domain-rules.md), a setting
    target = Decimal(str(settings.CHAIN_DISTRIBUTION_TARGET))
    rows = []
    for outlet in (
        Outlet.objects.visible_to(request.user)
        .filter(kind=Outlet.Kind.CHAIN_STORE)
        .select_related("location")
        .prefetch_related("assessments")
        .order_by("code")
    ):
        assessment = next(iter(outlet.assessments.all()), None)  # ordered newest first
        ratio = actions.distribution_ratio(outlet, since, until) if outlet.location else None
        rows.append(
            {
                "id": outlet.pk,
                "code": outlet.code,
                "name": outlet.name,
                "organization_id": outlet.organization_id,
                "assessment": assessment,
                "unifications": len(UNIFICATIONS),
                "distribution_ratio": ratio,
                "distribution_target": target,
                "meets_distribution_target": ratio is not None and ratio >= target,
            }
        )
    return rows
