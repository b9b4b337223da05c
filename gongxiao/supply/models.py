"""The agri-input business: chain stores' five unifications, pesticide licences and real-name sales,
spring campaigns, and the fertilizer emergency reserve (plans, holders, reports, releases, inspections).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.commerce.models import Document, DocumentLine
from gongxiao.core import clock
from gongxiao.core.models import Organization, ScopedManager, ScopedQuerySet, User
from gongxiao.core.numbers import plain
from gongxiao.core.validators import validate_resident_id, validate_uscc
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
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member"],
                condition=models.Q(member__isnull=False),
                name="uniq_campaign_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.town} · {self.households}"


# -- the fertilizer emergency reserve (化肥应急储备) -------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def percent_field(label: Any, default: int) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class ReservePlan(models.Model):
    """A year's reserve task (储备任务): the total quota, the six-month period, the subsidy's formula."""

    class Kind(models.TextChoices):
        SPRING = "spring", _("Spring planting")
        DISASTER = "disaster", _("Disaster relief")
        POTASH = "potash", _("Potash")

    class Formula(models.TextChoices):
        PER_TONNE_MONTH = "per_tonne_month", _("Fixed yuan per tonne per month")
        INTEREST = "interest", _("Interest on the stock value")

    PERIOD_MONTHS = 6
    # spring planting: six consecutive months between 1 September and 30 April
    SPRING_START_MONTHS = (9, 10, 11)

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(
        _("plan year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("plan name"), max_length=100)
    kind = models.CharField(_("reserve type"), max_length=12, choices=Kind.choices, default=Kind.SPRING)
    total_quota = models.DecimalField(
        _("total quota (t)"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    period_start = models.DateField(
        _("reserve period starts"),
        null=True,
        blank=True,
        help_text=_("the first day of a month; fixed once set"),
    )
    products = models.ManyToManyField(
        "commerce.Product", verbose_name=_("products"), blank=True, related_name="reserve_plans"
    )
    min_ratio_any_day = percent_field(_("minimum ratio on any day (%)"), 100)
    min_ratio_average = percent_field(_("minimum average ratio (%)"), 100)
    refill_working_days = models.PositiveSmallIntegerField(_("refill within (working days)"), default=30)
    subsidy_formula = models.CharField(
        _("subsidy formula"), max_length=20, choices=Formula.choices, default=Formula.PER_TONNE_MONTH
    )
    subsidy_per_tonne_month = models.DecimalField(
        _("subsidy (yuan per tonne per month)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    subsidy_interest_rate = models.DecimalField(
        _("interest rate (% a year)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    withhold_on_failure = models.BooleanField(_("no subsidy for a failed month"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    history = HistoricalRecords(m2m_fields=[products])

    class Meta:
        verbose_name = _("reserve plan")
        verbose_name_plural = _("reserve plans")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supply:reserve_plan", args=[self.pk])

    @property
    def period_end(self) -> dt.date | None:
        if self.period_start is None:
            return None
        return _add_months(self.period_start, self.PERIOD_MONTHS) - dt.timedelta(days=1)

    @property
    def months(self) -> list[dt.date]:
        if self.period_start is None:
            return []
        return [_add_months(self.period_start, n) for n in range(self.PERIOD_MONTHS)]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.pk and self.period_start is not None:
            stored = ReservePlan.objects.filter(pk=self.pk).values_list("period_start", flat=True).first()
            if stored is not None and stored != self.period_start:
                errors["period_start"] = _("the reserve period is fixed once set (it was %(date)s)") % {
                    "date": stored.isoformat()
                }
        if self.period_start is not None and "period_start" not in errors:
            if self.period_start.day != 1:
                errors["period_start"] = _("the period starts on the first day of a month")
            elif self.kind == self.Kind.SPRING:
                if self.period_start.month not in self.SPRING_START_MONTHS:
                    errors["period_start"] = _(
                        "a spring-planting reserve holds six consecutive months between 1 September and "
                        "30 April: it starts in September, October or November"
                    )
                elif self.year and self.period_start.year != self.year - 1:
                    errors["period_start"] = _(
                        "the spring-planting reserve of %(year)s starts in the autumn of %(before)s"
                    ) % {"year": self.year, "before": self.year - 1}
        if self.subsidy_formula == self.Formula.PER_TONNE_MONTH and self.subsidy_per_tonne_month is None:
            errors["subsidy_per_tonne_month"] = _("required for this subsidy formula")
        if self.subsidy_formula == self.Formula.INTEREST and self.subsidy_interest_rate is None:
            errors["subsidy_interest_rate"] = _("required for this subsidy formula")
        if self.pk and self.total_quota is not None:
            assigned = ReserveQuota.objects.filter(holder__plan=self).aggregate(t=models.Sum("quantity"))["t"]
            if assigned and assigned > self.total_quota:
                errors["total_quota"] = _("the holders' quotas already add up to %(t)s t") % {
                    "t": plain(assigned)
                }
        if errors:
            raise ValidationError(errors)


class ReservePlanQuerySet(ScopedQuerySet):
    scope_field = "plan__organization"


class ReserveHolder(models.Model):
    """A reserve holder (承储企业) chosen by tender: one enterprise, or a consortium (联合体) of several.

    A holder inside the system names the organization whose reserve zones the stock ledger counts;
    an outside enterprise submits monthly purchase-sales-stock reports instead.
    """

    plan = models.ForeignKey(
        ReservePlan, verbose_name=_("reserve plan"), on_delete=models.PROTECT, related_name="holders"
    )
    code = models.CharField(_("holder code"), max_length=32, unique=True)
    name = models.CharField(_("holder"), max_length=100)
    stock_organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization in the system"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("leave empty for an outside enterprise that submits monthly reports"),
    )
    tender_date = models.DateField(_("tender date"), null=True, blank=True)
    tender_result = models.CharField(_("tender result"), max_length=200, blank=True)
    tender_document = models.FileField(_("tender documents"), upload_to="reserve/tenders/%Y/", blank=True)
    contact = models.CharField(_("contact person"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = ScopedManager.from_queryset(ReservePlanQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reserve holder")
        verbose_name_plural = _("reserve holders")
        ordering = ["plan", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supply:reserve_holder", args=[self.pk])

    @property
    def organization(self) -> Organization:
        return self.plan.organization

    @property
    def reports_monthly(self) -> bool:
        return self.stock_organization_id is None

    def unordered_transfers(self) -> models.QuerySet[Document]:
        """Confirmed transfers out of the holder's reserve zones that no release order names.

        Stock that left the reserve without an order is a shortfall; the holder's page lists these
        so that the county office can either find the order or ask why.
        """
        zones = self.quotas.filter(zone__isnull=False).values("zone_id")
        return (
            Document.objects.filter(
                kind=Document.Kind.TRANSFER,
                status=Document.Status.CONFIRMED,
                reverses__isnull=True,
                location_id__in=zones,
            )
            .exclude(pk__in=ReserveRelease.claimed_documents())
            .select_related("location", "to_location")
            .order_by("date", "pk")
        )

    @property
    def is_consortium(self) -> bool:
        return self.partners.count() > 1


class ReserveHolderPartner(models.Model):
    """An enterprise of a consortium holder; the lead partner signs for the consortium."""

    holder = models.ForeignKey(
        ReserveHolder, verbose_name=_("reserve holder"), on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField(_("enterprise"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    is_lead = models.BooleanField(_("lead partner"), default=False)

    class Meta:
        verbose_name = _("consortium partner")
        verbose_name_plural = _("consortium partners")
        ordering = ["-is_lead", "pk"]

    def __str__(self) -> str:
        return self.name


class ReserveHolderScopedQuerySet(ScopedQuerySet):
    scope_field = "holder__plan__organization"


class ReserveQuota(models.Model):
    """A holder's quota of one product, kept in a named, signed zone of a warehouse."""

    holder = models.ForeignKey(
        ReserveHolder, verbose_name=_("reserve holder"), on_delete=models.PROTECT, related_name="quotas"
    )
    product = models.ForeignKey("commerce.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.DecimalField(
        _("quota (t)"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    zone = models.ForeignKey(
        "commerce.Location",
        verbose_name=_("reserve zone"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": "reserve_zone"},
        help_text=_("for a holder inside the system: the zone whose stock counts"),
    )
    warehouse = models.CharField(
        _("warehouse"), max_length=100, blank=True, help_text=_("for an outside holder: its named warehouse")
    )
    zone_name = models.CharField(_("zone"), max_length=60, blank=True)
    unit_value = models.DecimalField(
        _("value (yuan per tonne)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("for the interest formula of the subsidy"),
    )

    objects = ScopedManager.from_queryset(ReserveHolderScopedQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reserve quota")
        verbose_name_plural = _("reserve quotas")
        constraints = [models.UniqueConstraint(fields=["holder", "product"], name="uniq_reserve_quota")]

    def __str__(self) -> str:
        return f"{self.holder} · {self.product} {plain(self.quantity)} t"

    @property
    def organization(self) -> Organization:
        return self.holder.plan.organization

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        holder = self.holder if self.holder_id else None
        if self.product_id and not self.product.is_fertilizer:
            errors["product"] = _("the reserve holds fertilizers only")
        if holder is not None:
            plan = holder.plan
            if (
                self.product_id
                and plan.products.exists()
                and not plan.products.filter(pk=self.product_id).exists()
            ):
                errors["product"] = _("not one of the plan's products")
            if holder.reports_monthly:
                if not self.warehouse.strip():
                    errors["warehouse"] = _("name the warehouse where the outside holder keeps the reserve")
            elif self.zone is None:
                errors["zone"] = _("choose the reserve zone whose stock counts")
            elif holder.stock_organization is None or not holder.stock_organization.contains(
                self.zone.organization
            ):
                errors["zone"] = _("the zone must belong to the holder's organization")
            if self.quantity:
                others = ReserveQuota.objects.filter(holder__plan=plan).exclude(pk=self.pk).aggregate(
                    t=models.Sum("quantity")
                )["t"] or Decimal(0)
                if others + self.quantity > plan.total_quota:
                    errors["quantity"] = _(
                        "the quotas would add up to %(sum)s t, more than the plan's %(total)s t"
                    ) % {"sum": plain(others + self.quantity), "total": plain(plan.total_quota)}
            if plan.subsidy_formula == ReservePlan.Formula.INTEREST and self.unit_value is None:
                errors["unit_value"] = _("required for the interest formula of the plan")
        if errors:
            raise ValidationError(errors)

    def tonnes(self, quantity: Decimal) -> Decimal:
        """Base units of the product in tonnes (kg-based products, or pieces with a known weight)."""
        weight = self.product.weight_kg(quantity)
        if weight is None:
            raise ValidationError(_("%(product)s has no weight per unit") % {"product": self.product})
        return weight / 1000


class ReserveReport(models.Model):
    """A holder's monthly purchase-sales-stock report (购销存月报), due by the 10th of the next month."""

    DUE_DAY = 10

    holder = models.ForeignKey(
        ReserveHolder, verbose_name=_("reserve holder"), on_delete=models.PROTECT, related_name="reports"
    )
    month = models.DateField(_("month"))
    submitted_on = models.DateField(_("submitted on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager.from_queryset(ReserveHolderScopedQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly reserve report")
        verbose_name_plural = _("monthly reserve reports")
        ordering = ["holder", "month"]
        constraints = [models.UniqueConstraint(fields=["holder", "month"], name="uniq_reserve_report")]

    def __str__(self) -> str:
        return f"{self.holder} {self.month:%Y-%m}"

    @property
    def organization(self) -> Organization:
        return self.holder.plan.organization

    @property
    def due_on(self) -> dt.date:
        return _add_months(self.month, 1).replace(day=self.DUE_DAY)

    @property
    def is_late(self) -> bool:
        return self.submitted_on > self.due_on


class ReserveReportLine(models.Model):
    """One day's movement of one product in a report, with the stock the holder states after it."""

    report = models.ForeignKey(
        ReserveReport, verbose_name=_("monthly report"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey("commerce.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    day = models.DateField(_("date"))
    received = models.DecimalField(
        _("purchased (t)"), max_digits=12, decimal_places=3, default=0, validators=[MinValueValidator(0)]
    )
    issued = models.DecimalField(
        _("sold or issued (t)"), max_digits=12, decimal_places=3, default=0, validators=[MinValueValidator(0)]
    )
    stock = models.DecimalField(
        _("stock after the day (t)"), max_digits=12, decimal_places=3, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        ordering = ["product", "day"]
        constraints = [
            models.UniqueConstraint(fields=["report", "product", "day"], name="uniq_reserve_report_line")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.day}"

    @property
    def organization(self) -> Organization:
        return self.report.holder.plan.organization


class ReserveRelease(models.Model):
    """An approved release order (动用/投放): lowers the quota that applies until the refill deadline."""

    holder = models.ForeignKey(
        ReserveHolder, verbose_name=_("reserve holder"), on_delete=models.PROTECT, related_name="releases"
    )
    product = models.ForeignKey("commerce.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.DecimalField(
        _("quantity (t)"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    order_number = models.CharField(_("order number"), max_length=40)
    approved_by = models.CharField(_("approved by"), max_length=100)
    approved_on = models.DateField(_("approved on"))
    released_on = models.DateField(_("released on"))
    destinations = models.CharField(_("destination towns or outlets"), max_length=200)
    refill_working_days = models.PositiveSmallIntegerField(
        _("refill within (working days)"),
        null=True,
        blank=True,
        help_text=_("empty: the plan's rule"),
    )
    document = models.ForeignKey(
        "commerce.Document",
        verbose_name=_("transfer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager.from_queryset(ReserveHolderScopedQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("release order")
        verbose_name_plural = _("release orders")
        ordering = ["-released_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_number} {self.product} {plain(self.quantity)} t"

    @property
    def organization(self) -> Organization:
        return self.holder.plan.organization

    @staticmethod
    def claimed_documents() -> models.QuerySet[ReserveRelease, Any]:
        """The transfers already named by a release order that is not cancelled (as a subquery)."""
        return ReserveRelease.objects.filter(cancelled_at__isnull=True, document__isnull=False).values(
            "document_id"
        )

    def transfers(self) -> models.QuerySet[Document]:
        """The documents this order may name: confirmed transfers of its product out of the holder's
        reserve zone of that product, not named by another order."""
        zones = self.holder.quotas.filter(product_id=self.product_id, zone__isnull=False).values("zone_id")
        return (
            Document.objects.filter(
                kind=Document.Kind.TRANSFER,
                status=Document.Status.CONFIRMED,
                reverses__isnull=True,
                location_id__in=zones,
                lines__product_id=self.product_id,
            )
            .exclude(pk__in=ReserveRelease.claimed_documents().exclude(pk=self.pk))
            .distinct()
            .order_by("-date", "-pk")
        )

    def transferred_tonnes(self, document: Document, quota: ReserveQuota) -> Decimal:
        quantity = DocumentLine.objects.filter(document=document, product_id=self.product_id).aggregate(
            q=models.Sum("quantity")
        )["q"]
        return quota.tonnes(quantity or Decimal("0"))

    def _link_transfer(self, quota: ReserveQuota, errors: dict[str, Any]) -> None:
        """Check the named transfer, or name the one transfer that matches the order.

        A holder inside the system moves the released fertilizer out of its reserve zone with a
        transfer in the stock ledger. The order names it; when the clerk leaves it empty and exactly
        one unclaimed transfer of the product left the zone between the approval and a week after
        the release day, without moving more than the order allows, that one is named.
        """
        if self.document_id is not None:
            document = self.transfers().filter(pk=self.document_id).first()
            if document is None:
                errors["document"] = _(
                    "not a confirmed transfer of this product out of the holder's reserve zone,"
                    " or already named by another release order"
                )
            elif self.quantity and (moved := self.transferred_tonnes(document, quota)) > self.quantity:
                errors["document"] = _("the transfer moved %(moved)s t, more than the order's %(t)s t") % {
                    "moved": plain(moved),
                    "t": plain(self.quantity),
                }
            return
        if quota.zone_id is None or not (self.approved_on and self.released_on and self.quantity):
            return
        window = (self.approved_on, self.released_on + dt.timedelta(days=7))
        candidates = list(self.transfers().filter(date__range=window)[:2])
        if len(candidates) == 1 and self.transferred_tonnes(candidates[0], quota) <= self.quantity:
            self.document = candidates[0]

    @property
    def working_days(self) -> int:
        if self.refill_working_days is not None:
            return self.refill_working_days
        return self.holder.plan.refill_working_days

    @property
    def refill_by(self) -> dt.date:
        from gongxiao.core.workdays import add_working_days

        return add_working_days(self.released_on, self.working_days)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.approved_on and self.released_on and self.released_on < self.approved_on:
            errors["released_on"] = _("a release comes after its approval")
        if self.holder_id and self.product_id:
            quota = self.holder.quotas.filter(product_id=self.product_id).first()
            if quota is None:
                errors["product"] = _("the holder has no quota of this product")
            elif self.quantity and self.quantity > quota.quantity:
                errors["quantity"] = _("more than the holder's quota of %(t)s t") % {
                    "t": plain(quota.quantity)
                }
            if quota is not None:
                self._link_transfer(quota, errors)
            plan = self.holder.plan
            end = plan.period_end
            if (
                self.released_on
                and plan.period_start
                and end
                and not (plan.period_start <= self.released_on <= end)
            ):
                errors["released_on"] = _("outside the reserve period %(start)s – %(end)s") % {
                    "start": plan.period_start,
                    "end": plan.period_end,
                }
        if errors:
            raise ValidationError(errors)


class ReserveInspection(models.Model):
    """An on-site check of a holder: quantity, books, signage and zoning (专项巡查)."""

    holder = models.ForeignKey(
        ReserveHolder, verbose_name=_("reserve holder"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspected_on = models.DateField(_("inspected on"))
    inspectors = models.CharField(_("inspectors"), max_length=100)
    counted = models.DecimalField(
        _("stock counted (t)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    quantity_ok = models.BooleanField(_("quantity as reported"), default=False)
    books_ok = models.BooleanField(_("books in order"), default=False)
    signage_ok = models.BooleanField(_("zone signed"), default=False)
    zoning_ok = models.BooleanField(_("reserve kept apart"), default=False)
    photo = models.FileField(_("photo"), upload_to="reserve/inspections/%Y/", blank=True)
    findings = models.TextField(_("findings"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager.from_queryset(ReserveHolderScopedQuerySet)()

    class Meta:
        verbose_name = _("reserve inspection")
        verbose_name_plural = _("reserve inspections")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.holder} {self.inspected_on}"

    @property
    def organization(self) -> Organization:
        return self.holder.plan.organization

    @property
    def passed(self) -> bool:
        return self.quantity_ok and self.books_ok and self.signage_ok and self.zoning_ok
