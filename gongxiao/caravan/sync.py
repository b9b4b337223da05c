"""Entries from the crew's phone, sent when it is back in coverage: each one applied exactly once.

The phone makes a UUID for every entry and keeps the entry until the server has answered for it. The
server stores the UUID (unique) with the answer: a repeat of an accepted entry gets the same answer
again and writes nothing; a refused entry (not enough stock on the truck, a wrong ID number ...) is
stored with its Chinese message, which the phone shows on the entry; sent again (after the crew fixed
it, or stock arrived) it is tried again. Entries of one batch are applied in the order given, each in
its own transaction, so one refusal does not hold back the others.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from gongxiao.caravan import actions
from gongxiao.caravan.models import SyncEntry, Trip, TripStop
from gongxiao.core.api import pydantic_errors
from gongxiao.core.models import User

KINDS = ("start_trip", "arrive", "sale", "purchase", "delivery", "service", "close_stop", "end_trip")
EntryKind = Literal[
    "start_trip", "arrive", "sale", "purchase", "delivery", "service", "close_stop", "end_trip"
]


@dataclass
class Entry:
    uuid: uuid.UUID
    kind: str
    trip_id: int
    recorded_at: dt.datetime
    stop_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    uuid: uuid.UUID
    status: str  # accepted | refused
    message: str = ""
    repeat: bool = False
    result: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- what each kind of entry carries


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore")


class StartData(_Data):
    odometer_start: Decimal = Field(ge=0, max_digits=9, decimal_places=1)


class SaleLineData(_Data):
    product_id: int
    quantity: Decimal = Field(gt=0, max_digits=16, decimal_places=3)
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=4)


class SaleData(_Data):
    lines: list[SaleLineData] = Field(min_length=1, max_length=100)
    payment_method: str
    member_id: int | None = None


class NewFarmerData(_Data):
    name: str = Field(default="", max_length=100)
    id_number: str = Field(default="", max_length=18)
    phone: str = Field(default="", max_length=20)
    village_id: int | None = None


class PurchaseData(_Data):
    product_id: int
    weight_jin: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    price_per_jin: Decimal = Field(ge=0, max_digits=8, decimal_places=2)
    paid_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    payment_method: str
    member_id: int | None = None
    new_member: NewFarmerData | None = None


class DeliveryData(_Data):
    product_id: int
    quantity: Decimal = Field(gt=0, max_digits=16, decimal_places=3)
    payment_method: str
    preorder_id: int | None = None
    member_id: int | None = None
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=4)


class ServiceData(_Data):
    kind: str
    topic: str = Field(default="", max_length=100)
    people: int = Field(default=0, ge=0)
    member_id: int | None = None
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    bank: str = Field(default="", max_length=60)
    quantity: int = Field(default=0, ge=0)
    households: int = Field(default=0, ge=0)
    note: str = Field(default="", max_length=200)


class CloseData(_Data):
    people_served: int = Field(ge=0)


class EndData(_Data):
    odometer_end: Decimal = Field(ge=0, max_digits=9, decimal_places=1)
    odometer_start: Decimal | None = Field(default=None, ge=0, max_digits=9, decimal_places=1)


def _parse(model: type[_Data], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        details: list[dict[str, Any]] = [dict(error) for error in exc.errors()]
        raise actions.RecordError([e["message"] for e in pydantic_errors(details)]) from None


def _stop(trip: Trip, entry: Entry) -> TripStop:
    if entry.stop_id is None:
        raise actions.RecordError(_("Say which stop the entry is for."))
    stop = TripStop.objects.select_related(
        "trip__vehicle__location", "trip__organization", "village", "outlet"
    ).filter(pk=entry.stop_id, trip=trip)
    found = stop.first()
    if found is None:
        raise actions.RecordError(_("The stop is not one of this trip's stops."))
    return found


def _document_result(document: Any) -> dict[str, Any]:
    return {"document": document.number, "amount": str(document.total_amount)}


def _apply(user: User, trip: Trip, entry: Entry) -> dict[str, Any]:
    """Do what the entry says; returns what the phone shows when it was accepted."""
    kind, at = entry.kind, entry.recorded_at
    if kind == "start_trip":
        data = _parse(StartData, entry.data)
        actions.start_trip(user, trip, data.odometer_start, at)
        return {}
    if kind == "end_trip":
        data = _parse(EndData, entry.data)
        done = actions.end_trip(user, trip, data.odometer_end, at, odometer_start=data.odometer_start)
        return {"distance_km": str(done.distance_km)}
    stop = _stop(trip, entry)
    if kind == "arrive":
        actions.arrive(user, stop, at)
        return {}
    if kind == "close_stop":
        data = _parse(CloseData, entry.data)
        actions.close_stop(user, stop, data.people_served, at)
        return {}
    if kind == "sale":
        data = _parse(SaleData, entry.data)
        sale = actions.record_sale(
            user,
            stop,
            [actions.SaleLine(line.product_id, line.quantity, line.unit_price) for line in data.lines],
            data.payment_method,
            member_id=data.member_id,
            external_id=str(entry.uuid),
            at=at,
        )
        return _document_result(sale.document)
    if kind == "purchase":
        data = _parse(PurchaseData, entry.data)
        farmer = actions.NewFarmer(**data.new_member.model_dump()) if data.new_member else None
        purchase = actions.record_purchase(
            user,
            stop,
            product_id=data.product_id,
            weight_jin=data.weight_jin,
            price_per_jin=data.price_per_jin,
            payment_method=data.payment_method,
            paid_amount=data.paid_amount,
            member_id=data.member_id,
            new_farmer=farmer,
            external_id=str(entry.uuid),
            at=at,
        )
        return _document_result(purchase.document) | {
            "receipt_url": reverse("caravan:receipt", args=[purchase.pk]),
            "member": purchase.member.name,
            "member_created": purchase.member_created,
        }
    if kind == "delivery":
        data = _parse(DeliveryData, entry.data)
        delivery = actions.record_delivery(
            user,
            stop,
            product_id=data.product_id,
            quantity=data.quantity,
            payment_method=data.payment_method,
            preorder_id=data.preorder_id,
            member_id=data.member_id,
            unit_price=data.unit_price,
            external_id=str(entry.uuid),
            at=at,
        )
        return _document_result(delivery.document)
    if kind == "service":
        data = _parse(ServiceData, entry.data)
        actions.record_service(user, stop, **data.model_dump(), at=at)
        return {}
    raise actions.RecordError(_("Unknown kind of entry."))


def _answer(stored: SyncEntry, repeat: bool) -> Answer:
    return Answer(stored.uuid, stored.status, stored.message, repeat, stored.result)


def apply_entry(user: User, entry: Entry) -> Answer:
    stored = SyncEntry.objects.filter(uuid=entry.uuid).first()
    if stored is not None and stored.user_id != user.pk:
        return Answer(entry.uuid, SyncEntry.Status.REFUSED, _("This entry was sent by another user."))
    if stored is not None and stored.status == SyncEntry.Status.ACCEPTED:
        SyncEntry.objects.filter(pk=stored.pk).update(attempts=F("attempts") + 1)
        return _answer(stored, repeat=True)
    trip = Trip.objects.visible_to(user).select_related("vehicle__location", "vehicle__depot", "organization")
    trip = trip.filter(pk=entry.trip_id).first()
    if trip is None:
        return Answer(
            entry.uuid, SyncEntry.Status.REFUSED, _("This trip is not one of your vehicle's trips.")
        )
    values = {
        "user": user,
        "trip": trip,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at,
        "payload": {"stop_id": entry.stop_id, "data": entry.data},
    }
    try:
        with transaction.atomic():
            result = _apply(user, trip, entry)
            if stored is None:
                stored = SyncEntry.objects.create(
                    uuid=entry.uuid, status=SyncEntry.Status.ACCEPTED, result=result, **values
                )
            else:
                SyncEntry.objects.filter(pk=stored.pk).update(
                    status=SyncEntry.Status.ACCEPTED,
                    message="",
                    result=result,
                    attempts=F("attempts") + 1,
                    **values,
                )
                stored.refresh_from_db()
    except IntegrityError:
        # The same entry arrived twice at once (two sends racing): the other one wrote it.
        stored = SyncEntry.objects.filter(uuid=entry.uuid).first()
        if stored is None:
            raise
        return _answer(stored, repeat=True)
    except ValidationError as exc:
        message = "；".join(exc.messages)
        if stored is None:
            stored = SyncEntry.objects.create(
                uuid=entry.uuid, status=SyncEntry.Status.REFUSED, message=message, **values
            )
        else:
            SyncEntry.objects.filter(pk=stored.pk).update(
                status=SyncEntry.Status.REFUSED, message=message, attempts=F("attempts") + 1, **values
            )
        return Answer(entry.uuid, SyncEntry.Status.REFUSED, message)
    return _answer(stored, repeat=False)


def apply_entries(user: User, entries: list[Entry]) -> list[Answer]:
    return [apply_entry(user, entry) for entry in entries]
