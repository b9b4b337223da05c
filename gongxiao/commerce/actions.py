"""Operations on trade documents: create a draft, confirm it, reverse it.

Each one runs in one transaction and either does everything or nothing. Messages name the line
and the field in Chinese. Other apps add rules for sales (pesticides, licences) to `SALE_CHECKS`.

A document of any kind may be a correction of an earlier day (更正单, `Document.corrects_date`):
entered and written now like every document, its moves count on the day it corrects in stock as
of a day (`gongxiao.commerce.asof`). Only a user with ``commerce.correct_document`` may enter one,
with a reason, for a day before today and at most `CORRECTION_MAX_DAYS` back; it must leave the
stock of every day from then to today at 0 or above, as every document must leave today's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from gongxiao.commerce.asof import first_negative_day, stock_as_of
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import (
    Batch,
    Document,
    DocumentLine,
    Location,
    Package,
    Payment,
    Product,
    StockMove,
)
from gongxiao.commerce.stock import MoveSpec, Posting, apply_moves, on_hand, plan_moves, write_moves
from gongxiao.core import clock
from gongxiao.core.models import DocumentSequence, Organization, User
from gongxiao.core.numbers import plain

CENT = Decimal("0.01")
CORRECTION_MAX_DAYS = 366  # how far back a correction may go
CORRECTION_REASON_MIN = 4  # characters of the reason a correction needs

# Checks run on every line of a sale before it is confirmed: (document, line) -> message or None.
SALE_CHECKS: list[Callable[[Document, DocumentLine], str | None]] = []


@dataclass
class LineSpec:
    product: Product
    quantity: Decimal | None = None  # base units; or package + package_quantity
    package: Package | None = None
    package_quantity: Decimal | None = None
    unit_price: Decimal | None = None  # per base unit; the product's price when not given
    batch: Batch | None = None


@dataclass
class PaymentSpec:
    method: str
    amount: Decimal


@dataclass
class DocumentSpec:
    kind: str
    organization: Organization
    location: Location
    lines: list[LineSpec]
    to_location: Location | None = None
    channel: str = ""
    member: Any = None
    partner_name: str = ""
    partner_contact: str = ""
    external_id: str = ""
    note: str = ""
    payments: list[PaymentSpec] = field(default_factory=list)
    # A correction of that earlier day (更正单), and why; None for an ordinary document.
    corrects_date: dt.date | None = None
    correction_reason: str = ""
    # Rows the caller writes with the document, in its transaction: made from the (unsaved)
    # document and lines before the sale checks run, so that the checks see them on the lines
    # (a counter sale's real-name records), saved right after the lines.
    line_rows: Callable[[Document, list[DocumentLine]], list[models.Model]] | None = None


def _line_error(number: int, field_label: str, message: str) -> str:
    return _("Line %(line)s “%(field)s”: %(message)s") % {
        "line": number,
        "field": field_label,
        "message": message,
    }


def _same_county(a: Organization, b: Organization) -> bool:
    return a.path[: a.steplen] == b.path[: b.steplen]


def _correction_errors(user: User, corrects_date: dt.date, reason: str | None) -> list[str]:
    """What is wrong with a correction of `corrects_date` (reason None: not checked again)."""
    if not user.has_perm("commerce.correct_document"):
        raise TradeError(_("You may not enter corrections of an earlier day."), code="forbidden")
    errors = []
    today = clock.today()
    earliest = today - dt.timedelta(days=CORRECTION_MAX_DAYS)
    if corrects_date >= today:
        errors.append(
            _("“Corrects the day”: %(date)s is not before today; a correction is of an earlier day")
            % {"date": corrects_date.isoformat()}
        )
    elif corrects_date < earliest:
        errors.append(
            _(
                "“Corrects the day”: %(date)s is more than %(days)s days back; the earliest day is %(earliest)s"
            )
            % {
                "date": corrects_date.isoformat(),
                "days": CORRECTION_MAX_DAYS,
                "earliest": earliest.isoformat(),
            }
        )
    if reason is not None and len(reason.strip()) < CORRECTION_REASON_MIN:
        errors.append(
            _(
                "“Reason for the correction”: say why the earlier day is corrected (at least %(count)s characters)"
            )
            % {"count": CORRECTION_REASON_MIN}
        )
    return errors


def _check_history(corrects_date: dt.date, specs: list[MoveSpec]) -> None:
    """Refuse a correction that would leave a day from `corrects_date` to yesterday with negative stock.

    Call after the balances of `specs` are locked: no other document can then change these keys'
    history until the correction is written. Today's stock is the balance, checked by `plan_moves`.
    """
    yesterday = clock.today() - dt.timedelta(days=1)
    changes: dict[tuple[int, int, int], Decimal] = {}
    first_spec: dict[tuple[int, int, int], MoveSpec] = {}
    for spec in specs:
        changes[spec.key] = changes.get(spec.key, Decimal("0")) + spec.quantity
        first_spec.setdefault(spec.key, spec)
    errors = []
    for key, change in changes.items():
        found = first_negative_day(corrects_date, yesterday, key, change)
        if found is None:
            continue
        day, stock = found
        spec = first_spec[key]
        message = _(
            "the stock of %(product)s at %(location)s would be %(stock)s %(unit)s at the end of %(day)s; "
            "a correction must not leave any day since the corrected one with negative stock"
        ) % {
            "product": spec.product,
            "location": spec.location,
            "stock": plain(stock),
            "unit": spec.product.get_base_unit_display(),
            "day": day.isoformat(),
        }
        errors.append(_line_error(spec.line_no, _("quantity"), message) if spec.line_no else message)
    if errors:
        raise TradeError(errors, code="negative_history")


def _build(user: User, spec: DocumentSpec) -> tuple[Document, list[DocumentLine], list[Payment]]:
    """Check the spec; the document, its lines and payments, not saved yet."""
    errors: list[str] = []
    if not user.can_manage(spec.organization):
        raise TradeError(_("You may not write documents for this organization."), code="forbidden")
    if not user.can_manage(spec.location.organization):
        errors.append(
            _("“Stock location”: %(name)s belongs to another organization") % {"name": spec.location}
        )
    if spec.kind == Document.Kind.TRANSFER:
        if spec.to_location is None:
            errors.append(_("“To location”: a transfer needs the location it goes to"))
        elif spec.to_location.pk == spec.location.pk:
            errors.append(_("“To location”: must differ from the stock location"))
        elif not _same_county(spec.location.organization, spec.to_location.organization):
            errors.append(_("“To location”: not a location of this county"))
    if spec.corrects_date is not None:
        errors += _correction_errors(user, spec.corrects_date, spec.correction_reason)
    elif spec.correction_reason.strip():
        errors.append(
            _(
                "“Reason for the correction”: give the earlier day the document corrects, or leave the reason empty"
            )
        )
    if not spec.lines:
        errors.append(_("The document has no lines."))
    lines: list[DocumentLine] = []
    for number, line_spec in enumerate(spec.lines, start=1):
        line = line_spec
        product = line.product
        quantity = line.quantity
        if line.package is not None:
            if line.package.product_id != product.pk:
                errors.append(_line_error(number, _("package unit"), _("not a package of this product")))
                continue
            if line.package_quantity is None:
                errors.append(_line_error(number, _("quantity"), _("this field is required")))
                continue
            quantity = (line.package_quantity * line.package.factor).quantize(Decimal("0.001"))
        if quantity is None:
            errors.append(_line_error(number, _("quantity"), _("this field is required")))
            continue
        minimum_ok = quantity >= 0 if spec.kind == Document.Kind.STOCKTAKE else quantity > 0
        if not minimum_ok:
            errors.append(_line_error(number, _("quantity"), _("must be greater than 0")))
            continue
        if line.batch is not None and line.batch.product_id != product.pk:
            errors.append(_line_error(number, _("batch"), _("not a batch of this product")))
            continue
        if product.tracks_batches and line.batch is None:
            errors.append(
                _line_error(
                    number,
                    _("batch"),
                    _("%(product)s is kept by batch; choose the batch") % {"product": product},
                )
            )
            continue
        price = line.unit_price if line.unit_price is not None else product.price
        if price < 0:
            errors.append(_line_error(number, _("unit price"), _("must not be negative")))
            continue
        lines.append(
            DocumentLine(
                product=product,
                batch=line.batch,
                package=line.package,
                package_quantity=line.package_quantity,
                quantity=quantity,
                unit_price=price,
                amount=(quantity * price).quantize(CENT, ROUND_HALF_UP),
            )
        )
    for payment in spec.payments:
        if payment.amount <= 0:
            errors.append(_("“Payment”: the amount must be greater than 0"))
    if errors:
        raise TradeError(errors, code="invalid")
    document = Document(
        organization=spec.organization,
        kind=spec.kind,
        location=spec.location,
        to_location=spec.to_location,
        channel=spec.channel,
        member=spec.member,
        partner_name=spec.partner_name,
        partner_contact=spec.partner_contact,
        external_id=spec.external_id,
        note=spec.note,
        total_amount=sum((line.amount for line in lines), Decimal("0")),
        corrects_date=spec.corrects_date,
        correction_reason=spec.correction_reason.strip() if spec.corrects_date else "",
        created_by=user,
    )
    for document_line in lines:
        document_line.document = document
    payments = [Payment(document=document, method=p.method, amount=p.amount) for p in spec.payments]
    return document, lines, payments


def _save(document: Document, lines: list[DocumentLine], payments: list[Payment], rows: list[Any]) -> None:
    """Insert the document, then its lines, payments and the caller's rows: one statement each."""
    document.save(force_insert=True)
    DocumentLine.objects.bulk_create(lines)  # document_id is taken from the saved document
    if payments:
        Payment.objects.bulk_create(payments)
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for model, instances in by_model.items():
        model._default_manager.bulk_create(instances)  # foreign keys to the lines are set from them


def _cache_related(document: Document, name: str, rows: list[Any]) -> None:
    """What `prefetch_related(name)` would have stored: the rows just written, in their order."""
    queryset = getattr(document, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = document.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


def create_document(user: User, spec: DocumentSpec) -> Document:
    """Check and save a draft document with its lines and payments."""
    document, lines, payments = _build(user, spec)
    with transaction.atomic():
        rows = spec.line_rows(document, lines) if spec.line_rows else []
        _save(document, lines, payments, rows)
    return document


def _moves_for(document: Document, lines: list[DocumentLine]) -> list[MoveSpec]:
    kind = document.kind
    specs: list[MoveSpec] = []
    for number, line in enumerate(lines, start=1):
        if kind == Document.Kind.PURCHASE:
            specs.append(
                MoveSpec(
                    document.location,
                    line.product,
                    line.quantity,
                    StockMove.Kind.RECEIPT,
                    line.batch,
                    line.unit_price,
                    number,
                )
            )
        elif kind == Document.Kind.SALE:
            specs.append(
                MoveSpec(
                    document.location,
                    line.product,
                    -line.quantity,
                    StockMove.Kind.SALE,
                    line.batch,
                    None,
                    number,
                )
            )
        elif kind == Document.Kind.TRANSFER:
            assert document.to_location is not None
            specs.append(
                MoveSpec(
                    document.location,
                    line.product,
                    -line.quantity,
                    StockMove.Kind.TRANSFER_OUT,
                    line.batch,
                    None,
                    number,
                )
            )
            specs.append(
                MoveSpec(
                    document.to_location,
                    line.product,
                    line.quantity,
                    StockMove.Kind.TRANSFER_IN,
                    line.batch,
                    None,
                    number,
                    cost_of_previous=True,
                )
            )
        elif kind == Document.Kind.STOCKTAKE:
            if document.corrects_date is not None:  # counted on that day: against that day's book
                key = (document.location.pk, line.product.pk, line.batch.pk if line.batch else 0)
                book = stock_as_of(
                    document.corrects_date,
                    locations=[key[0]],
                    products=[key[1]],
                    batches=[key[2]],
                    by_batch=True,
                ).get(key, Decimal("0"))
            else:
                book = on_hand(document.location, line.product, line.batch)
            line.book_quantity = book
            difference = line.quantity - book
            if difference:
                specs.append(
                    MoveSpec(
                        document.location,
                        line.product,
                        difference,
                        StockMove.Kind.STOCKTAKE,
                        line.batch,
                        None,
                        number,
                    )
                )
    return specs


def _check_sale(document: Document, lines: list[DocumentLine], payments: list[Payment]) -> None:
    errors: list[str] = []
    today = clock.today()
    for number, line in enumerate(lines, start=1):
        if line.product.is_banned:
            errors.append(
                _line_error(
                    number,
                    _("product"),
                    _("%(product)s is banned and cannot be sold") % {"product": line.product},
                )
            )
        if not line.product.is_active:
            errors.append(
                _line_error(
                    number, _("product"), _("%(product)s is no longer sold") % {"product": line.product}
                )
            )
        if line.batch is not None and line.batch.is_expired(today):
            errors.append(
                _line_error(
                    number,
                    _("batch"),
                    _("batch %(batch)s expired on %(date)s")
                    % {"batch": line.batch, "date": line.batch.expires_on},
                )
            )
        for check in SALE_CHECKS:
            message = check(document, line)
            if message:
                errors.append(_line_error(number, str(line.product), message))
    if payments:
        paid = sum((p.amount for p in payments), Decimal("0"))
        if paid != document.total_amount:
            errors.append(
                _("“Payment”: %(paid)s yuan paid, the document totals %(total)s yuan")
                % {"paid": paid, "total": document.total_amount}
            )
    if errors:
        raise TradeError(errors, code="invalid")


def _post(document: Document, lines: list[DocumentLine]) -> Posting:
    """Lock the balances and work out the moves; the lines get their cost (sales, transfers)."""
    specs = _moves_for(document, lines)
    posting = plan_moves(specs)
    if document.corrects_date is not None:
        _check_history(document.corrects_date, specs)
    if document.kind in (Document.Kind.SALE, Document.Kind.TRANSFER):
        costs: dict[tuple[int, int | None], Decimal] = {}
        for move in posting.moves:
            if move.quantity < 0:
                costs.setdefault((move.product_id, move.batch_id), move.unit_cost)
        for line in lines:
            line.unit_cost = costs.get((line.product_id, line.batch_id))
    return posting


def _number(document: Document, user: User) -> None:
    """The number, after the balances' locks (always in that order: balances, then the sequence)."""
    today = clock.today()
    document.number = DocumentSequence.next_number(
        document.organization, Document.NUMBER_PREFIX[document.kind], today.year
    )
    document.status = Document.Status.CONFIRMED
    document.confirmed_by = user
    document.confirmed_at = clock.now()
    document.date = today


def confirm_document(document: Document, user: User) -> Document:
    """Post a draft's stock moves and give it its number. All or nothing.

    The draft is re-read under its row lock: of two clerks confirming it at once, the second finds
    it confirmed and is refused.
    """
    with transaction.atomic():
        locked = (
            Document.objects.select_for_update(of=("self",))
            .select_related("location", "to_location", "organization")
            .get(pk=document.pk)
        )
        if not user.can_manage(locked.organization):
            raise TradeError(_("You may not confirm documents of this organization."), code="forbidden")
        if locked.status != Document.Status.DRAFT:
            raise TradeError(
                _("Only a draft can be confirmed; this document is %(status)s.")
                % {"status": locked.get_status_display()},
                code="not_draft",
            )
        if locked.corrects_date is not None:
            errors = _correction_errors(user, locked.corrects_date, None)
            if errors:
                raise TradeError(errors, code="invalid")
        lines = list(locked.lines.select_related("product", "batch"))
        if locked.kind == Document.Kind.SALE:
            _check_sale(locked, lines, list(locked.payments.all()))
        posting = _post(locked, lines)
        if locked.kind != Document.Kind.PURCHASE:  # a purchase's lines have no cost or book quantity to write
            DocumentLine.objects.bulk_update(lines, ["unit_cost", "book_quantity"])
        _number(locked, user)
        locked.save(update_fields=["number", "status", "confirmed_by", "confirmed_at", "date"])
        write_moves(posting, locked)
    return locked


def reverse_document(document: Document, user: User, reason: str) -> Document:
    """Reverse a confirmed document by a new, confirmed one whose moves undo the original's."""
    if not reason.strip():
        raise TradeError(_("“Reason”: say why the document is reversed"), code="invalid")
    with transaction.atomic():
        original = Document.objects.select_for_update().get(pk=document.pk)
        if not user.can_manage(original.organization):
            raise TradeError(_("You may not reverse documents of this organization."), code="forbidden")
        if original.reverses_id is not None:
            raise TradeError(
                _("A reversal cannot be reversed; enter a new document instead."), code="is_reversal"
            )
        if original.status != Document.Status.CONFIRMED:
            raise TradeError(
                _("Only a confirmed document can be reversed; this document is %(status)s.")
                % {"status": original.get_status_display()},
                code="not_confirmed",
            )
        if original.corrects_date is not None and not user.has_perm("commerce.correct_document"):
            raise TradeError(_("You may not enter corrections of an earlier day."), code="forbidden")
        reversal = Document.objects.create(
            organization=original.organization,
            kind=original.kind,
            date=clock.today(),
            location=original.location,
            to_location=original.to_location,
            channel=original.channel,
            member=original.member,
            partner_name=original.partner_name,
            partner_contact=original.partner_contact,
            note=reason[:200],
            total_amount=-original.total_amount,
            # the reversal of a correction undoes it on the same day
            corrects_date=original.corrects_date,
            correction_reason=reason[:200] if original.corrects_date else "",
            reverses=original,
            created_by=user,
        )
        DocumentLine.objects.bulk_create(
            [
                DocumentLine(
                    document=reversal,
                    product=line.product,
                    batch=line.batch,
                    package=line.package,
                    package_quantity=-line.package_quantity if line.package_quantity is not None else None,
                    quantity=-line.quantity,
                    unit_price=line.unit_price,
                    amount=-line.amount,
                    book_quantity=line.book_quantity,
                    unit_cost=line.unit_cost,
                )
                for line in original.lines.all()
            ]
        )
        Payment.objects.bulk_create(
            [Payment(document=reversal, method=p.method, amount=-p.amount) for p in original.payments.all()]
        )
        specs = [
            MoveSpec(m.location, m.product, -m.quantity, StockMove.Kind.REVERSAL, m.batch, m.unit_cost, 0)
            for m in original.moves.select_related("location", "product", "batch").order_by("pk")
        ]
        if original.corrects_date is None:
            apply_moves(specs, reversal)
        else:
            posting = plan_moves(specs)
            _check_history(original.corrects_date, specs)
            write_moves(posting, reversal)
        reversal.number = DocumentSequence.next_number(
            original.organization, Document.NUMBER_PREFIX[original.kind], clock.today().year
        )
        reversal.status = Document.Status.CONFIRMED
        reversal.confirmed_by = user
        reversal.confirmed_at = clock.now()
        reversal.save(update_fields=["number", "status", "confirmed_by", "confirmed_at"])
        original.status = Document.Status.REVERSED
        original.save(update_fields=["status"])
    return reversal


def create_and_confirm(user: User, spec: DocumentSpec) -> Document:
    """One step for counters and imports: the document written once, already confirmed.

    The same checks as `create_document` then `confirm_document`, in memory, and then the writes:
    the balances locked (creating missing rows) and the moves worked out, the number, the
    document, its lines, payments and `spec.line_rows`, the balances and the moves: a statement
    each. No draft is written and read back, and no row lock is needed on a document nobody
    else can see yet.
    """
    document, lines, payments = _build(user, spec)
    with transaction.atomic():
        rows = spec.line_rows(document, lines) if spec.line_rows else []
        if document.kind == Document.Kind.SALE:
            _check_sale(document, lines, payments)
        posting = _post(document, lines)
        _number(document, user)
        _save(document, lines, payments, rows)
        write_moves(posting, document)
    # The confirmed document answers `.lines.all()` and `.payments.all()` without a query.
    _cache_related(document, "lines", lines)
    _cache_related(document, "payments", payments)
    return document


def lines_total(lines: Iterable[DocumentLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0"))
