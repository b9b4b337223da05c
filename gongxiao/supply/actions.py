"""The sales counter: one checkout is one confirmed sale, with the real-name records of its pesticides."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongxiao.commerce.actions import DocumentSpec, LineSpec, PaymentSpec, create_and_confirm
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Document, DocumentLine, Payment
from gongxiao.core.models import User
from gongxiao.core.numbers import plain
from gongxiao.core.validators import check_resident_id
from gongxiao.network.models import Outlet
from gongxiao.supply.models import PesticideSaleRecord


@dataclass
class Buyer:
    """Who buys a pesticide (实名购买)."""

    name: str = ""
    id_number: str = ""
    address: str = ""
    phone: str = ""
    crop: str = ""
    pest: str = ""


@dataclass
class CounterLine:
    line: LineSpec
    buyer: Buyer | None = None


@dataclass
class Checkout:
    outlet: Outlet
    lines: list[CounterLine]
    payments: list[PaymentSpec] = field(default_factory=list)
    member: Any = None


def _buyer_errors(number: int, buyer: Buyer | None) -> list[str]:
    def error(field_label: str, message: str) -> str:
        return _("Line %(line)s “%(field)s”: %(message)s") % {
            "line": number,
            "field": field_label,
            "message": message,
        }

    if buyer is None:
        return [
            error(
                _("buyer"),
                _("real-name sale: the buyer's name, resident ID, address, crop and pest are required"),
            )
        ]
    errors = []
    required = [
        (buyer.name, _("buyer")),
        (buyer.id_number, _("buyer's resident ID number")),
        (buyer.address, _("buyer's address")),
        (buyer.crop, _("crop")),
        (buyer.pest, _("pest or disease")),
    ]
    for value, label in required:
        if not (value or "").strip():
            errors.append(error(label, _("this field is required")))
    if (buyer.id_number or "").strip():
        try:
            buyer.id_number = check_resident_id(buyer.id_number.strip())
        except ValidationError as exc:
            errors.append(error(_("buyer's resident ID number"), exc.messages[0]))
    return errors


def checkout(user: User, sale: Checkout) -> Document:
    """Check everything, then write the sale, its real-name records and its stock moves at once.

    The sale is written once, confirmed (`create_and_confirm`); the real-name records go with its
    lines, so the pesticide rule finds them on the lines instead of asking the database.
    """
    if sale.outlet.location is None:
        raise TradeError(_("This outlet has no stock location to sell from."), code="invalid")
    errors: list[str] = []
    for number, counter_line in enumerate(sale.lines, start=1):
        if counter_line.line.product.is_pesticide:
            errors.extend(_buyer_errors(number, counter_line.buyer))
    if sale.member is None and any(p.method == Payment.Method.CREDIT for p in sale.payments):
        errors.append(
            _("“%(method)s”: only a member may buy on credit; look the member up first")
            % {"method": Payment.Method.CREDIT.label}
        )
    if errors:
        raise TradeError(errors, code="invalid")
    buyers = [counter_line.buyer for counter_line in sale.lines]

    def real_name_records(document: Document, lines: list[DocumentLine]) -> list[Any]:
        return [
            PesticideSaleRecord(
                organization=document.organization,
                line=line,  # and the line knows its record (the one-to-one's cache)
                buyer_name=buyer.name.strip(),
                buyer_id_number=buyer.id_number,
                buyer_address=buyer.address.strip(),
                buyer_phone=buyer.phone.strip(),
                crop=buyer.crop.strip(),
                pest=buyer.pest.strip(),
                created_by=user,
            )
            for line, buyer in zip(lines, buyers, strict=True)
            if buyer is not None and line.product.is_pesticide
        ]

    return create_and_confirm(
        user,
        DocumentSpec(
            kind=Document.Kind.SALE,
            organization=sale.outlet.location.organization,
            location=sale.outlet.location,
            channel=Document.Channel.COUNTER,
            member=sale.member,
            lines=[counter_line.line for counter_line in sale.lines],
            payments=sale.payments,
            line_rows=real_name_records,
        ),
    )


def total_due(lines: list[CounterLine]) -> Decimal:
    total = Decimal("0")
    for counter_line in lines:
        spec = counter_line.line
        quantity = (
            spec.quantity if spec.package is None else (spec.package_quantity or 0) * spec.package.factor
        )
        price = spec.unit_price if spec.unit_price is not None else spec.product.price
        total += (Decimal(quantity or 0) * price).quantize(Decimal("0.01"))
    return total


@dataclass
class DayFigures:
    sales_count: int
    sales_total: Decimal
    by_method: dict[str, Decimal]
    expected_cash: Decimal


def day_figures(outlet: Outlet, day: Any) -> DayFigures:
    """What the counter took on `day`: sales (returns included, negative) and payments by method."""
    from django.db.models import Count, Q, Sum

    from gongxiao.commerce.models import Payment

    documents = Document.objects.filter(
        location=outlet.location,
        channel=Document.Channel.COUNTER,
        kind=Document.Kind.SALE,
        date=day,
        status__in=[Document.Status.CONFIRMED, Document.Status.REVERSED],
    )
    totals = documents.aggregate(
        count=Count("pk", filter=Q(reverses__isnull=True)), total=Sum("total_amount")
    )
    by_method = {
        row["method"]: row["amount"]
        for row in Payment.objects.filter(document__in=documents)
        .values("method")
        .annotate(amount=Sum("amount"))
    }
    return DayFigures(
        sales_count=totals["count"] or 0,
        sales_total=(totals["total"] or Decimal("0")).quantize(Decimal("0.01")),
        by_method={k: Decimal(v).quantize(Decimal("0.01")) for k, v in by_method.items()},
        expected_cash=Decimal(by_method.get(Payment.Method.CASH, 0)).quantize(Decimal("0.01")),
    )


def close_day(user: User, outlet: Outlet, day: Any, counted_cash: Decimal, note: str = "") -> Any:
    """Record the day's closing once; a difference is kept as it was counted, with its note."""
    from django.db import IntegrityError

    from gongxiao.supply.models import CounterClosing

    if outlet.location is None or not user.can_manage(outlet.location.organization):
        raise TradeError(_("You may not close this counter."), code="forbidden")
    if counted_cash < 0:
        raise TradeError(_("“Counted cash”: must not be negative"), code="invalid")
    figures = day_figures(outlet, day)
    if counted_cash != figures.expected_cash and not note.strip():
        raise TradeError(
            _("“Note”: the counted cash differs from the expected cash; say why"), code="invalid"
        )
    try:
        with transaction.atomic():
            return CounterClosing.objects.create(
                outlet=outlet,
                day=day,
                sales_count=figures.sales_count,
                sales_total=figures.sales_total,
                expected_cash=figures.expected_cash,
                counted_cash=counted_cash,
                note=note.strip(),
                closed_by=user,
            )
    except IntegrityError:
        raise TradeError(_("This day is already closed for this store."), code="closed") from None


def distribution_ratio(outlet: Outlet, since: Any, until: Any) -> Decimal | None:
    """Share of the store's fertilizer and pesticide lines received through the chain's distribution.

    Lines of confirmed transfers into the store, over all receiving lines (transfers in and the
    store's own purchases) in the period; None when the store received none.
    """
    from gongxiao.commerce.models import FERTILIZERS, Category, DocumentLine

    categories = [*FERTILIZERS, Category.PESTICIDE]
    received = DocumentLine.objects.filter(
        product__category__in=categories,
        document__status=Document.Status.CONFIRMED,
        document__reverses__isnull=True,
        document__date__gte=since,
        document__date__lte=until,
    )
    distributed = received.filter(
        document__kind=Document.Kind.TRANSFER, document__to_location=outlet.location
    ).count()
    bought = received.filter(
        document__kind=Document.Kind.PURCHASE, document__location=outlet.location
    ).count()
    if distributed + bought == 0:
        return None
    return (Decimal(distributed) / Decimal(distributed + bought)).quantize(Decimal("0.0001"))


@dataclass
class CampaignSummary:
    fertilizer_tonnes: Decimal
    compound_tonnes: Decimal
    seed_kg: Decimal
    households: int
    deliveries: int
    towns: int

    def sentence(self) -> str:
        """The seed's wording: 送出复合肥 X 吨、种子 Y 公斤，受惠农户约 Z 户."""
        return _(
            "sent %(compound)s tonnes of compound fertilizer and %(seed)s kg of seed; about %(households)s households benefited"
        ) % {
            "compound": plain(self.compound_tonnes),
            "seed": plain(self.seed_kg),
            "households": self.households,
        }


def campaign_summary(campaign: Any) -> CampaignSummary:
    from django.db.models import Sum

    from gongxiao.commerce.models import FERTILIZERS, Category, DocumentLine

    lines = DocumentLine.objects.filter(
        document__campaign_delivery__campaign=campaign, document__status=Document.Status.CONFIRMED
    ).select_related("product")
    fertilizer = compound = seed = Decimal("0")
    for line in lines:
        weight = line.product.weight_kg(line.quantity)
        if weight is None:
            continue
        if line.product.category in FERTILIZERS:
            fertilizer += weight
            if line.product.category == Category.COMPOUND:
                compound += weight
        elif line.product.category == Category.SEED:
            seed += weight
    distributions = campaign.distributions.all()
    return CampaignSummary(
        fertilizer_tonnes=(fertilizer / 1000).quantize(Decimal("0.001")),
        compound_tonnes=(compound / 1000).quantize(Decimal("0.001")),
        seed_kg=seed.quantize(Decimal("0.001")),
        households=distributions.aggregate(total=Sum("households"))["total"] or 0,
        deliveries=campaign.deliveries.filter(document__status=Document.Status.CONFIRMED).count(),
        towns=distributions.values("town").distinct().count(),
    )


def deliver(user: User, campaign: Any, spec: DocumentSpec, outlet: Outlet | None = None) -> Document:
    """A campaign delivery: the transfer to the outlet, confirmed, and its link to the campaign."""
    from gongxiao.commerce.actions import create_and_confirm
    from gongxiao.supply.models import CampaignDelivery

    if not user.can_manage(campaign.organization):
        raise TradeError(_("You may not write for this campaign."), code="forbidden")
    if spec.kind != Document.Kind.TRANSFER:
        raise TradeError(_("A campaign delivery is a transfer to an outlet."), code="invalid")
    with transaction.atomic():
        document = create_and_confirm(user, spec)
        CampaignDelivery.objects.create(campaign=campaign, document=document, outlet=outlet)
    return document
