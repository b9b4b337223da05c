"""Caravan trucks (供富大篷车): vehicles, routes with their schedules, trips and what happens at each stop.

A vehicle is a stock location of kind truck: it sells from its own stock (`commerce` sales, channel
"truck") and buys produce from farmers into it (`commerce` purchases from a member). A trip's stops
carry the records the crew makes on the road: sales, produce purchases, agri-inputs delivered against
pre-orders, and services (agronomy advice, finance, gifts in kind). The crew's phone sends its entries
as `SyncEntry` rows keyed by an id the phone made, so a repeat is recognised as the same entry.

Data scope: rows belong to the vehicle's operating organization (the organization subtree rule of
`core`); on top of it a crew member without the fleet permission sees only their own vehicles' trips.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.caravan.plates import check_plate, display_plate
from gongxiao.commerce.models import Document, Location, Payment, Product
from gongxiao.core.fields import money_field, quantity_field
from gongxiao.core.models import Organization, Region, ScopedManager, ScopedQuerySet, User

# Users with this permission see every vehicle of their organization subtree; the others (the crews)
# see only the vehicles they are on.
FLEET_PERMISSION = "caravan.view_fleet"
JIN_KG = Decimal("0.5")  # 1 斤 = 0.5 kg; stock is kept in kg


def sees_fleet(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(FLEET_PERMISSION))


class VehicleKind(models.TextChoices):
    GOODS_TO_VILLAGE = "goods_to_village", _("Goods-to-village truck")
    PRODUCE_TO_CITY = "produce_to_city", _("Produce-to-city truck")
    INPUTS_TO_MOUNTAIN = "inputs_to_mountain", _("Inputs-and-advice truck")


class CrewScopedQuerySet(ScopedQuerySet):
    """The organization scope, and for crew members only the rows of their own vehicles."""

    crew_field = "crew"

    def visible_to(self, user: Any) -> CrewScopedQuerySet:
        rows = super().visible_to(user)
        if user.is_authenticated and not sees_fleet(user):
            rows = rows.filter(**{self.crew_field: user})
        return rows  # type: ignore[return-value]


class VehicleQuerySet(CrewScopedQuerySet):
    def search(self, text: str) -> VehicleQuerySet:
        from gongxiao.caravan.plates import normalize_plate

        return self.filter(Q(plate__icontains=normalize_plate(text)) | Q(name__icontains=text))


class Vehicle(models.Model):
    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        UNDER_REPAIR = "under_repair", _("Under repair")
        RETIRED = "retired", _("Retired")

    Kind = VehicleKind

    organization = models.ForeignKey(Organization, verbose_name=_("operator"), on_delete=models.PROTECT)
    kind = models.CharField(_("vehicle kind"), max_length=24, choices=VehicleKind.choices)
    plate = models.CharField(_("licence plate"), max_length=10, unique=True)
    name = models.CharField(_("vehicle name"), max_length=60, blank=True)
    capacity_kg = models.PositiveIntegerField(
        _("capacity (kg)"), validators=[MinValueValidator(1), MaxValueValidator(60000)]
    )
    depot = models.ForeignKey(
        "network.Outlet",
        verbose_name=_("home depot"),
        on_delete=models.PROTECT,
        related_name="vehicles",
        limit_choices_to={"kind": "collection_centre"},
    )
    crew = models.ManyToManyField(User, verbose_name=_("crew"), blank=True, related_name="crewed_vehicles")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    in_service_since = models.DateField(_("in service since"), null=True, blank=True)
    location = models.OneToOneField(
        Location,
        verbose_name=_("stock location"),
        on_delete=models.PROTECT,
        related_name="vehicle",
        editable=False,
    )

    objects = ScopedManager.from_queryset(VehicleQuerySet)()
    history = HistoricalRecords(m2m_fields=[crew])

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["kind", "plate"]
        permissions = [
            ("view_fleet", _("Can see every vehicle of the organization, not only the ones they crew")),
            ("record_trip", _("Can record trips from the crew's phone")),
        ]

    def __str__(self) -> str:
        return f"{self.display_plate} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("caravan:vehicle", args=[self.pk])

    @property
    def display_plate(self) -> str:
        return display_plate(self.plate)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            self.plate = check_plate(self.plate)
        except ValidationError as exc:
            errors["plate"] = exc.messages
        if self.depot_id and self.depot.kind != "collection_centre":
            errors["depot"] = [_("the home depot is a collection and distribution centre")]
        if errors:
            raise ValidationError(errors)


class Route(models.Model):
    """A fixed route: ordered stops, the weekdays it runs on and how often a month."""

    WEEKDAYS = [
        (1, _("Monday")),
        (2, _("Tuesday")),
        (3, _("Wednesday")),
        (4, _("Thursday")),
        (5, _("Friday")),
        (6, _("Saturday")),
        (7, _("Sunday")),
    ]

    organization = models.ForeignKey(Organization, verbose_name=_("operator"), on_delete=models.PROTECT)
    code = models.CharField(_("route code"), max_length=32, unique=True)
    name = models.CharField(_("route name"), max_length=100)
    kind = models.CharField(_("vehicle kind"), max_length=24, choices=VehicleKind.choices)
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("vehicle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routes",
    )
    area = models.CharField(
        _("service area"), max_length=40, blank=True, help_text=_("e.g. the mountain district it serves")
    )
    weekdays = models.CharField(_("weekdays"), max_length=20, help_text=_("ISO weekdays, 1 = Monday"))
    runs_per_month = models.PositiveSmallIntegerField(
        _("runs a month"), default=4, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    departs_at = models.TimeField(_("departs at"), default=dt.time(8, 0))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("caravan:route", args=[self.pk])

    def weekday_numbers(self) -> list[int]:
        return sorted({int(d) for d in self.weekdays.split(",") if d.strip().isdigit()})

    def weekday_labels(self) -> str:
        labels = dict(self.WEEKDAYS)
        return "、".join(str(labels[d]) for d in self.weekday_numbers() if d in labels)

    def dates_in_month(self, year: int, month: int) -> list[dt.date]:
        """The run dates of a month: the route's weekdays in order, at most `runs_per_month` of them."""
        days = calendar.monthrange(year, month)[1]
        wanted = set(self.weekday_numbers())
        dates = [dt.date(year, month, d) for d in range(1, days + 1)]
        runs = [day for day in dates if day.isoweekday() in wanted]
        if len(runs) > self.runs_per_month:
            # Spread the runs over the month, the weekdays taking turns: for each of n evenly spaced
            # days, the nearest free run day on the weekday whose turn it is (any weekday if none is free).
            order = sorted(wanted)
            chosen: list[dt.date] = []
            for i in range(self.runs_per_month):
                target = (i + 0.5) * days / self.runs_per_month
                free = [day for day in runs if day not in chosen]
                turn = [day for day in free if day.isoweekday() == order[i % len(order)]] or free
                chosen.append(min(turn, key=lambda day: (abs(day.day - target), day)))
            runs = sorted(chosen)
        return runs

    def clean(self) -> None:
        numbers = self.weekday_numbers()
        if not numbers or any(d < 1 or d > 7 for d in numbers):
            raise ValidationError({"weekdays": _("choose at least one weekday")})
        self.weekdays = ",".join(str(d) for d in numbers)
        if self.vehicle_id and self.vehicle is not None and self.vehicle.kind != self.kind:
            raise ValidationError({"vehicle": _("the vehicle is of another kind than the route")})


class StopPlace(models.Model):
    """A stop is a village or an outlet (a produce direct-sale point, a village service coop ...)."""

    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": Region.Level.VILLAGE},
        related_name="+",
    )
    outlet = models.ForeignKey(
        "network.Outlet",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def place_name(self) -> str:
        if self.outlet_id:
            return str(self.outlet)
        return str(self.village) if self.village_id else ""

    @property
    def place_region(self) -> Region | None:
        """The village (or the outlet's town or village)."""
        if self.outlet_id and self.outlet is not None:
            return self.outlet.region
        return self.village

    def clean_place(self) -> None:
        if bool(self.village_id) == bool(self.outlet_id):
            raise ValidationError(_("a stop is either a village or an outlet"))
        if self.village is not None and self.village.level != Region.Level.VILLAGE:
            raise ValidationError({"village": _("choose a village")})


class RouteStop(StopPlace):
    route = models.ForeignKey(Route, verbose_name=_("route"), on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField(_("order"))
    minutes_from_start = models.PositiveSmallIntegerField(
        _("arrival (minutes after departure)"), null=True, blank=True
    )
    service_minutes = models.PositiveSmallIntegerField(_("minutes at the stop"), default=30)

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="uniq_route_stop_position"),
            models.CheckConstraint(
                condition=Q(village__isnull=False, outlet__isnull=True)
                | Q(village__isnull=True, outlet__isnull=False),
                name="route_stop_village_or_outlet",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.place_name}"


class TripQuerySet(CrewScopedQuerySet):
    crew_field = "vehicle__crew"


class Trip(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDERWAY = "underway", _("On the road")
        DONE = "done", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(Organization, verbose_name=_("operator"), on_delete=models.PROTECT)
    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="trips"
    )
    route = models.ForeignKey(
        Route, verbose_name=_("route"), on_delete=models.PROTECT, null=True, blank=True, related_name="trips"
    )
    plan = models.ForeignKey(
        "caravan.PlanningRun",
        verbose_name=_("route plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trips",
    )
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    crew = models.ManyToManyField(User, verbose_name=_("crew"), blank=True, related_name="trips")
    odometer_start = models.DecimalField(
        _("odometer at start (km)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    odometer_end = models.DecimalField(
        _("odometer at end (km)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    distance_km = models.DecimalField(
        _("service mileage (km)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager.from_queryset(TripQuerySet)()

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["-date", "vehicle_id"]
        indexes = [models.Index(fields=["vehicle", "date"]), models.Index(fields=["organization", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.vehicle.display_plate}"

    def get_absolute_url(self) -> str:
        return reverse("caravan:trip", args=[self.pk])

    def clean(self) -> None:
        if (
            self.odometer_start is not None
            and self.odometer_end is not None
            and self.odometer_end < self.odometer_start
        ):
            raise ValidationError(
                {"odometer_end": _("the odometer at the end cannot be less than at the start")}
            )


class TripRecordQuerySet(CrewScopedQuerySet):
    """Rows that hang off a trip: scoped by the trip's organization and, for crews, its vehicle."""

    scope_field = "trip__organization"
    crew_field = "trip__vehicle__crew"


class StopRecordQuerySet(CrewScopedQuerySet):
    scope_field = "stop__trip__organization"
    crew_field = "stop__trip__vehicle__crew"


class TripStop(StopPlace):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Not yet reached")
        MADE = "made", _("Made")
        SKIPPED = "skipped", _("Skipped")

    trip = models.ForeignKey(Trip, verbose_name=_("trip"), on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField(_("order"))
    planned_arrival = models.TimeField(_("planned arrival"), null=True, blank=True)
    planned_load_kg = models.DecimalField(
        _("planned load (kg)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager.from_queryset(TripRecordQuerySet)()

    class Meta:
        verbose_name = _("trip stop")
        verbose_name_plural = _("trip stops")
        ordering = ["trip", "position"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "position"], name="uniq_trip_stop_position"),
            models.CheckConstraint(
                condition=Q(village__isnull=False, outlet__isnull=True)
                | Q(village__isnull=True, outlet__isnull=False),
                name="trip_stop_village_or_outlet",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.place_name}"


class StopSale(models.Model):
    """A sale from the truck's stock at a stop (the `commerce` sale document, channel "truck")."""

    stop = models.ForeignKey(TripStop, verbose_name=_("stop"), on_delete=models.PROTECT, related_name="sales")
    document = models.OneToOneField(
        Document, verbose_name=_("sale document"), on_delete=models.PROTECT, related_name="caravan_sale"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedManager.from_queryset(StopRecordQuerySet)()

    class Meta:
        verbose_name = _("sale on the road")
        verbose_name_plural = _("sales on the road")

    def __str__(self) -> str:
        return str(self.document)


class ProducePurchase(models.Model):
    """Produce bought from a member farmer at a stop, weighed in jin (斤); the stock is kept in kg."""

    stop = models.ForeignKey(
        TripStop, verbose_name=_("stop"), on_delete=models.PROTECT, related_name="purchases"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("farmer"), on_delete=models.PROTECT, related_name="caravan_purchases"
    )
    product = models.ForeignKey(Product, verbose_name=_("produce"), on_delete=models.PROTECT)
    weight_jin = models.DecimalField(
        _("weight (jin)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    price_per_jin = models.DecimalField(
        _("price (yuan per jin)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount = money_field(_("amount (yuan)"))
    paid_amount = money_field(_("amount paid (yuan)"))
    payment_method = models.CharField(_("paid by"), max_length=12, choices=Payment.Method.choices)
    document = models.OneToOneField(
        Document,
        verbose_name=_("purchase document"),
        on_delete=models.PROTECT,
        related_name="caravan_purchase",
    )
    member_created = models.BooleanField(_("member registered on the truck"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedManager.from_queryset(StopRecordQuerySet)()

    class Meta:
        verbose_name = _("produce purchase")
        verbose_name_plural = _("produce purchases")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.product.name} {self.weight_jin}"

    def get_absolute_url(self) -> str:
        return reverse("caravan:receipt", args=[self.pk])

    @property
    def weight_kg(self) -> Decimal:
        return self.weight_jin * JIN_KG


class PreOrder(models.Model):
    """An order taken by phone or messaging before a run; it goes on the next trip to the village."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        MESSAGING = "messaging", _("Messaging (WeChat)")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": Region.Level.VILLAGE},
        related_name="+",
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True
    )
    customer_name = models.CharField(_("customer"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = quantity_field(_("quantity"), validators=[MinValueValidator(Decimal("0.001"))])
    channel = models.CharField(_("ordered by"), max_length=12, choices=Channel.choices, default=Channel.PHONE)
    wanted_by = models.DateField(_("wanted by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    delivered_on = models.ForeignKey(
        Trip,
        verbose_name=_("delivered on trip"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("pre-order")
        verbose_name_plural = _("pre-orders")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.customer_name} {self.product.name} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("caravan:preorder_edit", args=[self.pk])


class InputDelivery(models.Model):
    """Agri-inputs handed over at a stop, usually against a pre-order; a sale from the truck's stock."""

    stop = models.ForeignKey(
        TripStop, verbose_name=_("stop"), on_delete=models.PROTECT, related_name="deliveries"
    )
    preorder = models.ForeignKey(
        PreOrder,
        verbose_name=_("pre-order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = quantity_field(_("quantity"))
    weight_kg = quantity_field(_("weight (kg)"))
    document = models.OneToOneField(
        Document, verbose_name=_("sale document"), on_delete=models.PROTECT, related_name="caravan_delivery"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedManager.from_queryset(StopRecordQuerySet)()

    class Meta:
        verbose_name = _("input delivery")
        verbose_name_plural = _("input deliveries")

    def __str__(self) -> str:
        return f"{self.product.name} {self.weight_kg} kg"

    @property
    def tonnes(self) -> Decimal:
        return self.weight_kg / 1000


class ServiceRecord(models.Model):
    class Kind(models.TextChoices):
        ADVICE = "advice", _("Agronomy advice")
        FINANCE = "finance", _("Finance service")
        GIFT = "gift", _("Gift in kind")

    stop = models.ForeignKey(
        TripStop, verbose_name=_("stop"), on_delete=models.PROTECT, related_name="services"
    )
    kind = models.CharField(_("service"), max_length=10, choices=Kind.choices)
    topic = models.CharField(_("topic or item"), max_length=100, blank=True)
    people = models.PositiveIntegerField(_("people attending"), default=0)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("applicant"), on_delete=models.PROTECT, null=True, blank=True
    )
    amount = money_field(_("credit applied for (yuan)"), null=True, blank=True)
    bank = models.CharField(_("passed to bank"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("count given"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedManager.from_queryset(StopRecordQuerySet)()

    class Meta:
        verbose_name = _("service at a stop")
        verbose_name_plural = _("services at stops")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.topic}".strip()


class SyncEntry(models.Model):
    """One entry sent from a crew's phone, under the id the phone gave it: stored once, a repeat answers the same."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    uuid = models.UUIDField(_("entry id"), unique=True, default=uuid.uuid4)
    user = models.ForeignKey(User, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+")
    trip = models.ForeignKey(Trip, verbose_name=_("trip"), on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("entry kind"), max_length=16)
    recorded_at = models.DateTimeField(_("recorded on the phone at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    message = models.TextField(_("message"), blank=True)
    payload = models.JSONField(_("data"), default=dict)
    result = models.JSONField(_("result"), default=dict, blank=True)

    objects = ScopedManager.from_queryset(TripRecordQuerySet)()

    class Meta:
        verbose_name = _("phone entry")
        verbose_name_plural = _("phone entries")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class VillagePoint(models.Model):
    """Where a village's stopping place is, for planning routes (the region tree has no coordinates)."""

    village = models.OneToOneField(
        Region,
        verbose_name=_("village"),
        on_delete=models.CASCADE,
        limit_choices_to={"level": Region.Level.VILLAGE},
        related_name="caravan_point",
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("village stopping place")
        verbose_name_plural = _("village stopping places")

    def __str__(self) -> str:
        return f"{self.village} ({self.longitude}, {self.latitude})"


class PlanningRun(models.Model):
    """One run of the route planner: its inputs, progress, result, and the trips made from it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        RUNNING = "running", _("Solving")
        DONE = "done", _("Solved")
        FAILED = "failed", _("Refused or failed")
        CANCELLED = "cancelled", _("Cancelled")
        ACCEPTED = "accepted", _("Accepted")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("first day"))
    days = models.PositiveSmallIntegerField(
        _("days"), default=1, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    inputs = models.JSONField(_("inputs"), default=dict)
    time_limit = models.PositiveSmallIntegerField(
        _("time limit (seconds)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.WAITING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    cancel_requested = models.BooleanField(default=False)
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written with every progress report while solving: a waiting or solving run whose heartbeat is
    # much older than its time limit was cut off by a server stop (`planning.fail_interrupted`).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("caravan:plan", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.WAITING, self.Status.RUNNING)
