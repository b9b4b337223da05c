"""The agri-input business: chain stores' five unifications, pesticide licences and real-name sales.

The fertilizer reserve and the campaigns come next (issue #3); they will live here too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.commerce.models import DocumentLine
from gongxiao.core import clock
from gongxiao.core.models import Organization, ScopedManager, ScopedQuerySet, User
from gongxiao.core.validators import validate_resident_id
from gongxiao.network.models import Outlet

UNIFICATIONS = ("signage", "rules", "zoning", "distribution", "sales_system")


class OutletScopedQuerySet(ScopedQuerySet):
    scope_field = "outlet__organization"


class UnificationAssessment(models.Model):
    """One visit that checks a chain store against the five unifications (五统一)."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("store"), on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.CharField(_("assessed by"), max_length=60)
    signage = models.BooleanField(_("unified signage"), default=False)
    rules = models.BooleanField(_("unified rules"), default=False)
    zoning = models.BooleanField(_("unified floor zoning"), default=False)
    distribution = models.BooleanField(_("unified distribution channel"), default=False)
    sales_system = models.BooleanField(_("unified sales system"), default=False)
    photo = models.FileField(_("photo"), upload_to="assessments/%Y/", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager.from_queryset(OutletScopedQuerySet)()

    class Meta:
        verbose_name = _("five-unification assessment")
        verbose_name_plural = _("five-unification assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.assessed_on}"

    @property
    def met(self) -> int:
        return sum(bool(getattr(self, name)) for name in UNIFICATIONS)

    @property
    def meets_all(self) -> bool:
        return self.met == len(UNIFICATIONS)


class PesticideLicence(models.Model):
    """A store's pesticide business licence (农药经营许可证): five years; restricted-use scope or not."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("store"), on_delete=models.PROTECT, related_name="licences"
    )
    number = models.CharField(_("licence number"), max_length=40)
    covers_restricted = models.BooleanField(_("covers restricted-use pesticides"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))

    objects = ScopedManager.from_queryset(OutletScopedQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pesticide business licence")
        verbose_name_plural = _("pesticide business licences")
        ordering = ["-valid_to"]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("must not be before the start date")})

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def days_left(self, day: dt.date | None = None) -> int:
        return (self.valid_to - (day or clock.today())).days


class PesticideSaleQuerySet(ScopedQuerySet):
    scope_field = "organization"


class PesticideSaleRecord(models.Model):
    """The real-name record of one pesticide line of a sale (农药实名购买), kept at least two years."""

    RETENTION_YEARS = 2

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    line = models.OneToOneField(
        DocumentLine,
        verbose_name=_("document line"),
        on_delete=models.PROTECT,
        related_name="pesticide_record",
    )
    buyer_name = models.CharField(_("buyer"), max_length=60)
    buyer_id_number = models.CharField(
        _("buyer's resident ID number"), max_length=18, validators=[validate_resident_id]
    )
    buyer_address = models.CharField(_("buyer's address"), max_length=200)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=20, blank=True)
    crop = models.CharField(_("crop"), max_length=40)
    pest = models.CharField(_("pest or disease"), max_length=60)
    created_at = models.DateTimeField(_("recorded at"), default=clock.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager.from_queryset(PesticideSaleQuerySet)()

    class Meta:
        verbose_name = _("real-name pesticide sale")
        verbose_name_plural = _("real-name pesticide sales")

    def __str__(self) -> str:
        return f"{self.buyer_name} {self.line.product}"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        recorded = self.created_at.date()
        try:
            kept_until = recorded.replace(year=recorded.year + self.RETENTION_YEARS)
        except ValueError:  # recorded on 29 February
            kept_until = recorded.replace(year=recorded.year + self.RETENTION_YEARS, day=28)
        if clock.today() < kept_until:
            raise ValidationError(
                _(
                    "The pesticide sales ledger must be kept at least two years; this record can be deleted from %(date)s."
                )
                % {"date": kept_until.isoformat()},
                code="retention",
            )
        return super().delete(*args, **kwargs)


class CounterClosing(models.Model):
    """The end of a counter's day: cash counted against the cash the day's sales should have left."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("store"), on_delete=models.PROTECT, related_name="closings"
    )
    day = models.DateField(_("day"))
    sales_count = models.PositiveIntegerField(_("sales"), default=0)
    sales_total = models.DecimalField(_("sales total (yuan)"), max_digits=16, decimal_places=2, default=0)
    expected_cash = models.DecimalField(_("expected cash (yuan)"), max_digits=16, decimal_places=2)
    counted_cash = models.DecimalField(_("counted cash (yuan)"), max_digits=16, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    closed_by = models.ForeignKey(
        User, verbose_name=_("closed by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), default=clock.now)

    objects = ScopedManager.from_queryset(OutletScopedQuerySet)()

    class Meta:
        verbose_name = _("daily closing")
        verbose_name_plural = _("daily closings")
        constraints = [models.UniqueConstraint(fields=["outlet", "day"], name="uniq_counter_closing")]

    def __str__(self) -> str:
        return f"{self.outlet} {self.day}"

    @property
    def difference(self) -> Any:
        return self.counted_cash - self.expected_cash


class CampaignQuerySet(ScopedQuerySet):
    pass


class Campaign(models.Model):
    """A fertilizer-to-the-countryside campaign (送肥下乡): deliveries to township outlets, households reached."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    name = models.CharField(_("campaign name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    partners = models.CharField(_("partner organizations"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager.from_queryset(CampaignQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supply:campaign", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("must not be before the start date")})


class CampaignDelivery(models.Model):
    """A delivery of the campaign to a township outlet: a confirmed transfer of the trading core."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="deliveries"
    )
    document = models.OneToOneField(
        "commerce.Document",
        verbose_name=_("transfer"),
        on_delete=models.PROTECT,
        related_name="campaign_delivery",
    )
    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("campaign delivery")
        verbose_name_plural = _("campaign deliveries")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.document}"


class CampaignDistribution(models.Model):
    """Households reached in a town: one member by name, or a count reported by the outlet."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="distributions"
    )
    town = models.ForeignKey("core.Region", verbose_name=_("town"), on_delete=models.PROTECT)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("households"), default=1)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("campaign distribution")
        verbose_name_plural = _("campaign distributions")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.town} · {self.households}"
