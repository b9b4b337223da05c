"""The trading core: products, stock locations, the stock ledger and the trade documents.

Every sale, purchase and stock movement of every business line is a `Document` with lines; a
confirmed document writes append-only `StockMove` rows and updates `StockBalance` in the same
transaction (see `gongxiao.commerce.stock`). Confirmed documents are never edited: they are
reversed by another document.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.core.fields import cost_field, money_field, quantity_field
from gongxiao.core.models import Organization, ScopedManager, ScopedQuerySet, User
from gongxiao.core.numbers import plain
from gongxiao.core.pinyin import initials


class Business(models.TextChoices):
    """The four main businesses of the cooperative statistics (四大主营业务)."""

    AGRI_INPUT = "agri_input", _("Agricultural inputs")
    FARM_PRODUCE = "farm_produce", _("Farm and sideline products")
    CONSUMER_GOODS = "consumer_goods", _("Daily consumer goods")
    RECYCLED = "recycled", _("Recycled resources")


class Category(models.TextChoices):
    UREA = "urea", _("Urea")
    COMPOUND = "compound", _("Compound fertilizer")
    FORMULA = "formula", _("Formula fertilizer")
    POTASH = "potash", _("Potash fertilizer")
    PHOSPHATE = "phosphate", _("Phosphate fertilizer")
    ORGANIC = "organic", _("Organic fertilizer")
    PESTICIDE = "pesticide", _("Pesticide")
    SEED = "seed", _("Seed")
    FILM = "film", _("Agricultural film")
    TOOLS = "tools", _("Farm tools")
    GRAIN_OIL = "grain_oil", _("Grain and oil")
    PRODUCE = "produce", _("Fresh produce")
    PROCESSED = "processed", _("Processed local food")
    DAILY = "daily", _("Daily goods")
    SCRAP = "scrap", _("Recycled material")
    OTHER = "other", _("Other")


FERTILIZERS = {
    Category.UREA,
    Category.COMPOUND,
    Category.FORMULA,
    Category.POTASH,
    Category.PHOSPHATE,
    Category.ORGANIC,
}


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    PIECE = "piece", _("piece")
    LITRE = "l", _("litre")


class ProductQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> ProductQuerySet:
        """A catalog is inherited downwards: products of the user's subtree and of their ancestors."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_all_organizations:
            return self
        org = user.scope_organization
        if org is None:
            return self.none()
        ancestors = [org.path[:n] for n in range(org.steplen, len(org.path), org.steplen)]
        return self.filter(Q(organization__path__startswith=org.path) | Q(organization__path__in=ancestors))

    def search(self, text: str) -> ProductQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(code__iexact=text)
            | Q(barcode=text)
            | Q(pinyin__startswith=text.lower())
        )


class Product(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    code = models.CharField(_("product code"), max_length=32)
    name = models.CharField(_("product name"), max_length=100)
    pinyin = models.CharField(_("pinyin initials"), max_length=100, editable=False, db_index=True)
    barcode = models.CharField(_("barcode"), max_length=32, blank=True, db_index=True)
    business = models.CharField(_("main business"), max_length=20, choices=Business.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    specification = models.CharField(_("specification"), max_length=60, blank=True)
    base_unit = models.CharField(_("base unit"), max_length=8, choices=Unit.choices, default=Unit.KG)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    price = cost_field(_("price per base unit"), validators=[MinValueValidator(0)], default=0)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, default=Decimal("0.09"))
    registration_no = models.CharField(_("registration number"), max_length=40, blank=True)
    is_restricted = models.BooleanField(_("restricted-use pesticide"), default=False)
    is_banned = models.BooleanField(_("banned"), default=False)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    unit_weight_kg = models.DecimalField(
        _("weight of one base unit (kg)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("for products counted in pieces, so that statistics can report kilograms and tonnes"),
    )
    tracks_batches = models.BooleanField(_("tracks batches"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager.from_queryset(ProductQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="uniq_product_code")]

    def __str__(self) -> str:
        return f"{self.name} {self.specification}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pinyin = initials(self.name)
        super().save(*args, **kwargs)

    def weight_kg(self, quantity: Decimal) -> Decimal | None:
        """The weight of `quantity` base units in kg, when it is known."""
        if self.base_unit == Unit.KG:
            return quantity
        if self.unit_weight_kg is not None:
            return quantity * self.unit_weight_kg
        return None

    @property
    def is_pesticide(self) -> bool:
        return self.category == Category.PESTICIDE

    @property
    def is_fertilizer(self) -> bool:
        return self.category in FERTILIZERS

    def clean(self) -> None:
        if self.is_pesticide and not self.registration_no:
            raise ValidationError({"registration_no": _("a pesticide needs its registration number")})


class Package(models.Model):
    """A package unit of a product: a 50 kg bag, a box of 20 bottles."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="packages"
    )
    name = models.CharField(_("package name"), max_length=20)
    factor = quantity_field(_("base units per package"), validators=[MinValueValidator(Decimal("0.001"))])
    barcode = models.CharField(_("barcode"), max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("package unit")
        verbose_name_plural = _("package units")
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="uniq_package_name")]

    def __str__(self) -> str:
        return f"{self.name}({plain(self.factor)}{self.product.get_base_unit_display()})"


class Batch(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="batches"
    )
    batch_no = models.CharField(_("batch number"), max_length=40)
    produced_on = models.DateField(_("produced on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [models.UniqueConstraint(fields=["product", "batch_no"], name="uniq_batch_no")]

    def __str__(self) -> str:
        return self.batch_no

    def is_expired(self, on: dt.date | None = None) -> bool:
        return self.expires_on is not None and self.expires_on < (on or timezone.localdate())


class Location(models.Model):
    """Where stock is: a warehouse, a store, a truck, or a signed reserve zone inside a warehouse."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")
        TRUCK = "truck", _("Truck")
        RESERVE_ZONE = "reserve_zone", _("Reserve zone")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    code = models.CharField(_("location code"), max_length=32, unique=True)
    name = models.CharField(_("location name"), max_length=100)
    kind = models.CharField(_("location kind"), max_length=20, choices=Kind.choices)
    warehouse = models.ForeignKey(
        "self",
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"kind": Kind.WAREHOUSE},
        related_name="zones",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.RESERVE_ZONE and not self.warehouse_id:
            raise ValidationError({"warehouse": _("a reserve zone lies in a named warehouse")})


class StockMoveQuerySet(ScopedQuerySet):
    scope_field = "location__organization"


class StockMove(models.Model):
    """One change of stock. Append-only: never updated, never deleted; dated when written.

    A move of a correction of an earlier day is written now too, and says the day it corrects.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        SALE = "sale", _("Sale")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        STOCKTAKE = "stocktake", _("Stocktake difference")
        RELEASE = "release", _("Release")
        REVERSAL = "reversal", _("Reversal")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="moves"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="moves"
    )
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(_("move kind"), max_length=20, choices=Kind.choices)
    quantity = quantity_field(_("quantity"))
    unit_cost = cost_field(_("unit cost"))
    value = money_field(_("value"))
    document = models.ForeignKey(
        "Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moves",
    )
    # Set only on the moves of a correction (and of its reversal): the earlier day the move counts
    # on in stock as of a day (`gongxiao.commerce.asof`); `created_at` stays the time it was written.
    corrects_date = models.DateField(_("corrects the day"), null=True, blank=True)

    objects = ScopedManager.from_queryset(StockMoveQuerySet)()

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        indexes = [models.Index(fields=["location", "product", "batch"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product} {self.quantity}"


class StockBalanceQuerySet(ScopedQuerySet):
    scope_field = "location__organization"


class StockBalance(models.Model):
    """Stock on hand per location, product and batch; equal to the sum of the moves (check-integrity)."""

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="balances"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="balances"
    )
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, null=True, blank=True)
    batch_key = models.PositiveBigIntegerField(default=0, editable=False)
    quantity = quantity_field(_("quantity on hand"), default=0)
    value = money_field(_("stock value"), default=0)

    objects = ScopedManager.from_queryset(StockBalanceQuerySet)()

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["location", "product", "batch_key"], name="uniq_stock_balance"),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.product} {self.quantity}"

    @property
    def average_cost(self) -> Decimal:
        return (self.value / self.quantity).quantize(Decimal("0.0001")) if self.quantity > 0 else Decimal("0")


class DocumentQuerySet(ScopedQuerySet):
    pass


class Document(models.Model):
    """A purchase, sale, transfer or stocktake: draft → confirmed; reversed by another document."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        SALE = "sale", _("Sale")
        TRANSFER = "transfer", _("Transfer")
        STOCKTAKE = "stocktake", _("Stocktake")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        REVERSED = "reversed", _("Reversed")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Store counter")
        TRUCK = "truck", _("Caravan truck")
        ONLINE = "online", _("Online mall")
        FAIR = "fair", _("Fair")
        WHOLESALE = "wholesale", _("Wholesale")
        DISTRIBUTION = "distribution", _("Chain distribution")
        OTHER = "other", _("Other")

    NUMBER_PREFIX = {"purchase": "CG", "sale": "XS", "transfer": "DB", "stocktake": "PD"}

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    kind = models.CharField(_("document kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(_("document number"), max_length=40, blank=True, db_index=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    location = models.ForeignKey(
        Location, verbose_name=_("stock location"), on_delete=models.PROTECT, related_name="documents"
    )
    to_location = models.ForeignKey(
        Location,
        verbose_name=_("to location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_documents",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True
    )
    partner_name = models.CharField(_("partner"), max_length=100, blank=True)
    partner_contact = models.CharField(_("partner contact"), max_length=60, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    total_amount = money_field(_("total amount"), default=0)
    # A correction (更正单) of an earlier day: its moves are written now but count on that day.
    corrects_date = models.DateField(_("corrects the day"), null=True, blank=True)
    correction_reason = models.CharField(_("reason for the correction"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = ScopedManager.from_queryset(DocumentQuerySet)()

    class Meta:
        verbose_name = _("trade document")
        verbose_name_plural = _("trade documents")
        ordering = ["-id"]
        permissions = [
            ("confirm_document", _("Can confirm trade documents")),
            ("reverse_document", _("Can reverse trade documents")),
            ("correct_document", _("Can enter corrections of an earlier day")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_document_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("commerce:document", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_correction(self) -> bool:
        return self.corrects_date is not None

    def paid_amount(self) -> Decimal:
        return self.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


class DocumentLine(models.Model):
    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, null=True, blank=True)
    package = models.ForeignKey(
        Package, verbose_name=_("package unit"), on_delete=models.PROTECT, null=True, blank=True
    )
    package_quantity = quantity_field(_("quantity in packages"), null=True, blank=True)
    quantity = quantity_field(_("quantity"))
    unit_price = cost_field(_("unit price"), default=0)
    amount = money_field(_("amount"), default=0)
    book_quantity = quantity_field(_("book quantity"), null=True, blank=True)
    unit_cost = cost_field(_("unit cost"), null=True, blank=True)

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def package_price(self) -> Decimal | None:
        """The price per package the clerk quoted, when the line was entered in packages."""
        if self.package is None:
            return None
        return (self.unit_price * self.package.factor).quantize(Decimal("0.01"))


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        BANK_CARD = "bank_card", _("Bank card")
        MOBILE = "mobile", _("Mobile payment")
        CREDIT = "credit", _("On credit")

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="payments"
    )
    method = models.CharField(_("payment method"), max_length=12, choices=Method.choices)
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"
