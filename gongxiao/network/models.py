"""Outlets of the county service network (县域服务网络，一中心多站点): stores, service coops, service
centres, collection centres and direct-sale points, each with the hub it belongs to, the villages it
serves, the services it offers and its photos.

Two kinds of status are kept apart: `status` says whether the outlet is open (planned, operating,
closed), for every kind; a farm service centre's `grade` and `grade_status` say which recognition
(province, city or county grade) it seeks or holds and how far that has gone (to be declared,
declared, approved). A centre can be operating while its provincial declaration is pending.

How an outlet came about follows from its two years: opened (built new) and renovated. An outlet
renovated in the year it opened was made from existing premises and counts as renovated, not new.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.commerce.models import Location
from gongxiao.core import clock
from gongxiao.core.models import Organization, Region, ScopedManager, ScopedQuerySet

FIRST_YEAR = 1949
# How many hub links an outlet may sit below; a longer chain is a loop.
MAX_HUB_DEPTH = 10


def last_year() -> int:
    """The latest year an outlet may be planned to open in."""
    return clock.today().year + 10


class Service(models.TextChoices):
    """What an outlet offers farmers (the seed's 助农服务项目, 三位一体: production, marketing, credit)."""

    AGRI_INPUTS = "agri_inputs", _("Agri-inputs")
    MACHINERY = "machinery", _("Farm machinery work")
    DRYING = "drying", _("Grain drying")
    TESTING = "testing", _("Residue testing")
    AGRONOMY = "agronomy", _("Agronomy advice")
    TRAINING = "training", _("Technical training")
    PRODUCE = "produce", _("Produce purchasing")
    ECOMMERCE = "ecommerce", _("E-commerce")
    LOGISTICS = "logistics", _("Logistics and delivery")
    FINANCE = "finance", _("Credit and guarantees")
    INSURANCE = "insurance", _("Agricultural insurance")
    DAILY_GOODS = "daily_goods", _("Daily goods")
    RECYCLING = "recycling", _("Recycling")
    PAPERWORK = "paperwork", _("Paperwork on the farmer's behalf")


def service_codes(codes: Any) -> str:
    """Service codes in the order of the choices, comma-separated, as stored; ValueError names a bad one."""
    wanted = set(codes)
    unknown = wanted - set(Service.values)
    if unknown:
        raise ValueError(sorted(unknown)[0])
    return ",".join(code for code in Service.values if code in wanted)


def store_location(organization: Organization, code: str, name: str, address: str = "") -> Location:
    """The stock location a new store sells from (not saved): the store's code, name and operator."""
    return Location(
        organization=organization, code=code, name=name, kind=Location.Kind.STORE, address=address
    )


class OutletQuerySet(ScopedQuerySet):
    def with_service(self, code: str) -> OutletQuerySet:
        return self.filter(services__regex=rf"(^|,){code}(,|$)")


class Outlet(models.Model):
    class Kind(models.TextChoices):
        CHAIN_STORE = "chain_store", _("Agri-input chain store")
        DIRECT_STORE = "direct_store", _("Directly operated store")
        VILLAGE_SERVICE = "village_service", _("Village comprehensive service coop")
        FARM_SERVICE_CENTRE = "farm_service_centre", _("Farm service centre")
        COLLECTION_CENTRE = "collection_centre", _("Collection and distribution centre")
        PRODUCE_POINT = "produce_point", _("Produce direct-sale point")
        BASE_COOP_OUTLET = "base_coop_outlet", _("Base-coop outlet")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPERATING = "operating", _("Operating")
        CLOSED = "closed", _("Closed")

    class Grade(models.TextChoices):
        PROVINCE = "province", _("Provincial grade")
        CITY = "city", _("City grade")
        COUNTY = "county", _("County grade")

    class GradeStatus(models.TextChoices):
        PLANNED = "planned", _("To be declared")
        DECLARED = "declared", _("Declared")
        APPROVED = "approved", _("Approved")

    class Build(models.TextChoices):
        NEW = "new", _("New")
        RENOVATED = "renovated", _("Renovated")

    organization = models.ForeignKey(Organization, verbose_name=_("operator"), on_delete=models.PROTECT)
    code = models.CharField(_("outlet code"), max_length=32, unique=True)
    name = models.CharField(_("outlet name"), max_length=100)
    kind = models.CharField(_("outlet kind"), max_length=24, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPERATING)
    region = models.ForeignKey(Region, verbose_name=_("town or village"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    opened_year = models.PositiveSmallIntegerField(_("opened in"), null=True, blank=True)
    renovated_year = models.PositiveSmallIntegerField(_("renovated in"), null=True, blank=True)
    hub = models.ForeignKey(
        "self",
        verbose_name=_("hub"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
    )
    location = models.OneToOneField(
        Location,
        verbose_name=_("stock location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outlet",
    )
    grade = models.CharField(_("centre grade"), max_length=10, choices=Grade.choices, blank=True)
    grade_status = models.CharField(
        _("grade declaration"), max_length=10, choices=GradeStatus.choices, blank=True
    )
    declared_year = models.PositiveSmallIntegerField(_("declared in"), null=True, blank=True)
    services = models.CharField(_("services offered"), max_length=300, blank=True)
    villages = models.ManyToManyField(
        Region,
        verbose_name=_("villages served"),
        blank=True,
        related_name="served_by",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )

    objects = ScopedManager.from_queryset(OutletQuerySet)()
    history = HistoricalRecords()

    # Set by whoever creates the store's stock location in the same transaction (form, import, API).
    location_pending = False

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")

    def __str__(self) -> str:
        return self.name

    @property
    def is_store(self) -> bool:
        return self.kind in (self.Kind.CHAIN_STORE, self.Kind.DIRECT_STORE)

    @property
    def build_type(self) -> str:
        if self.renovated_year:
            return self.Build.RENOVATED.value
        return self.Build.NEW.value if self.opened_year else ""

    @property
    def build_year(self) -> int | None:
        return self.renovated_year or self.opened_year

    def get_build_type_display(self) -> str:
        return str(self.Build(self.build_type).label) if self.build_type else ""

    def service_list(self) -> list[str]:
        return [code for code in self.services.split(",") if code]

    def service_labels(self) -> str:
        labels = dict(Service.choices)
        return "、".join(str(labels.get(code, code)) for code in self.service_list())

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.is_store and self.location_id is None and not self.location_pending:
            errors["location"] = _("a store needs its stock location")
        self._check_years(errors)
        self._check_grade(errors)
        self._check_hub(errors)
        try:
            self.services = service_codes(self.service_list())
        except ValueError as exc:
            errors["services"] = _("unknown service “%(code)s”") % {"code": exc.args[0]}
        if self.region_id and self.region.level == Region.Level.COUNTY:
            errors["region"] = _("choose a town or a village, not the county")
        if errors:
            raise ValidationError(errors)

    def _check_years(self, errors: dict[str, Any]) -> None:
        last = last_year()
        for name in ("opened_year", "renovated_year", "declared_year"):
            year = getattr(self, name)
            if year is not None and not FIRST_YEAR <= year <= last:
                errors[name] = _("Enter a year between %(first)s and %(last)s.") % {
                    "first": FIRST_YEAR,
                    "last": last,
                }
        opened, renovated = self.opened_year, self.renovated_year
        if opened and renovated and renovated < opened and "renovated_year" not in errors:
            errors["renovated_year"] = _("The renovation year is before the opening year.")

    def _check_grade(self, errors: dict[str, Any]) -> None:
        if self.kind != self.Kind.FARM_SERVICE_CENTRE:
            if self.grade or self.grade_status or self.declared_year:
                errors["grade"] = _("only a farm service centre has a grade")
            return
        if not self.grade:
            errors["grade"] = _("a farm service centre needs its grade (province, city or county)")
        if not self.grade_status:
            errors["grade_status"] = _("say whether the grade is to be declared, declared or approved")
        elif self.grade_status != self.GradeStatus.PLANNED and not self.declared_year:
            errors["declared_year"] = _("a declared or approved grade needs the year it was declared")

    def _check_hub(self, errors: dict[str, Any]) -> None:
        if not self.hub_id:
            return
        if self.hub_id == self.pk:
            errors["hub"] = _("an outlet cannot be its own hub")
            return
        hub: Outlet | None = self.hub
        for _depth in range(MAX_HUB_DEPTH):
            if hub is None or hub.hub_id is None:
                return
            if self.pk is not None and hub.hub_id == self.pk:
                errors["hub"] = _(
                    "%(hub)s already belongs to this outlet: the hubs would go round in a loop"
                ) % {"hub": self.hub}
                return
            hub = hub.hub
        errors["hub"] = _("the chain of hubs above this one is longer than %(n)s") % {"n": MAX_HUB_DEPTH}


class OutletPhotoQuerySet(ScopedQuerySet):
    scope_field = "outlet__organization"


class OutletPhoto(models.Model):
    """A photo of an outlet (signage, inside, service board); served only to those who may see the outlet."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="photos"
    )
    photo = models.FileField(_("photo"), upload_to="outlets/%Y/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    taken_on = models.DateField(_("taken on"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, blank=True
    )

    objects = ScopedManager.from_queryset(OutletPhotoQuerySet)()

    class Meta:
        verbose_name = _("outlet photo")
        verbose_name_plural = _("outlet photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or f"{self.outlet} #{self.pk}"
