"""Outlets of the county service network (县域服务网络): stores, service coops, service centres."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.commerce.models import Location
from gongxiao.core.models import Organization, Region, ScopedManager


class Outlet(models.Model):
    class Kind(models.TextChoices):
        CHAIN_STORE = "chain_store", _("Agri-input chain store")
        DIRECT_STORE = "direct_store", _("Directly operated store")
        VILLAGE_SERVICE = "village_service", _("Village comprehensive service coop")
        FARM_SERVICE_CENTRE = "farm_service_centre", _("Farm service centre")
        COLLECTION_CENTRE = "collection_centre", _("Collection and distribution centre")
        PRODUCE_POINT = "produce_point", _("Produce direct-sale point")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPERATING = "operating", _("Operating")
        CLOSED = "closed", _("Closed")

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

    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind in (self.Kind.CHAIN_STORE, self.Kind.DIRECT_STORE) and self.location_id is None:
            raise ValidationError({"location": _("a store needs its stock location")})
        if self.hub_id and self.hub_id == self.pk:
            raise ValidationError({"hub": _("an outlet cannot be its own hub")})
