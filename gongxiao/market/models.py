"""Regional brands, sales channels (online malls and fairs) and the orders they bring.

A `Channel` is where the cooperative sells other than at its counters: a bank's points mall, a
zone in a rural bank's app mall, a shop in a provincial agri-products app, its own mini program
(kind *online*), or a fair with stalls (kind *event*). It belongs to an organization and sells
from one stock location. Each online channel keeps the column mapping of its mall's order export.

A `ChannelOrder` is one line of a mall order (an order of two products is two rows with the same
order number). Its sale reaches the trading core in batches, not one document per order: see
`gongxiao.market.actions`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.commerce.models import Document, Location, Product, ProductQuerySet
from gongxiao.core import clock
from gongxiao.core.fields import cost_field, money_field, quantity_field
from gongxiao.core.models import Organization, ScopedManager, ScopedQuerySet, User
from gongxiao.core.pinyin import initials

ZERO = Decimal("0")


class BrandQuerySet(ProductQuerySet):
    """A regional brand is seen as a product catalog is: in the owner's subtree and by everyone below
    the owner (a county brand by every coop); written only within the owner's subtree."""

    def search(self, text: str) -> BrandQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(pinyin__startswith=text.lower()))


class ChannelQuerySet(ScopedQuerySet):
    def search(self, text: str) -> ChannelQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(pinyin__startswith=text.lower())
            | Q(code__iexact=text)
            | Q(operator__icontains=text)
        )


class Brand(models.Model):
    """A regional public brand (区域公共品牌) such as “瓯越鲜风”: its products and their producers."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("brand name"), max_length=60, unique=True)
    pinyin = models.CharField(_("pinyin initials"), max_length=60, editable=False, db_index=True)
    slogan = models.CharField(_("slogan"), max_length=100, blank=True)
    launched_year = models.PositiveSmallIntegerField(_("launched in (year)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    products = models.ManyToManyField(
        Product, verbose_name=_("products"), related_name="market_brands", blank=True
    )
    producers = models.ManyToManyField(
        "members.Member", verbose_name=_("producers"), related_name="market_brands", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager.from_queryset(BrandQuerySet)()

    class Meta:
        verbose_name = _("regional brand")
        verbose_name_plural = _("regional brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pinyin = initials(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("market:brand", args=[self.pk])


# Words of a mall's order status that mean the order was refunded or cancelled; a channel can
# replace them with its mall's own.
REFUND_WORDS = "已退款,退款成功,退款完成,已退货,退货退款"
CANCEL_WORDS = "已取消,交易关闭,已关闭,订单关闭,取消"


class Channel(models.Model):
    class Kind(models.TextChoices):
        ONLINE = "online", _("Online channel")
        EVENT = "event", _("Sales event")

    class Platform(models.TextChoices):
        BANK_POINTS_MALL = "bank_points_mall", _("Bank points mall")
        BANK_MALL_ZONE = "bank_mall_zone", _("Zone in a bank's app mall")
        AGRI_APP_SHOP = "agri_app_shop", _("Shop in an agri-products app")
        OWN_SHOP = "own_shop", _("Own online shop or mini program")
        NEW_YEAR_FAIR = "new_year_fair", _("New-Year goods fair")
        TRADE_FAIR = "trade_fair", _("Trade fair")
        OTHER = "other", _("Other")

    class ProductMatch(models.TextChoices):
        CODE = "code", _("by product code")
        NAME = "name", _("by product name")
        EITHER = "either", _("by code or name")

    EVENT_PLATFORMS = (Platform.NEW_YEAR_FAIR, Platform.TRADE_FAIR, Platform.OTHER)

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    code = models.CharField(_("channel code"), max_length=32, unique=True)
    name = models.CharField(_("channel name"), max_length=100)
    pinyin = models.CharField(_("pinyin initials"), max_length=100, editable=False, db_index=True)
    kind = models.CharField(_("channel kind"), max_length=10, choices=Kind.choices, default=Kind.ONLINE)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    operator = models.CharField(
        _("platform operator"), max_length=100, blank=True, help_text=_("e.g. the bank that runs the mall")
    )
    url = models.CharField(_("web address"), max_length=200, blank=True)
    location = models.ForeignKey(
        Location,
        verbose_name=_("sells from (stock location)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    brands = models.ManyToManyField(
        Brand, verbose_name=_("brands shown"), related_name="channels", blank=True
    )

    # a sales event (fair)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    organizers = models.CharField(_("organizers"), max_length=200, blank=True)
    visitors = models.PositiveIntegerField(_("visitors"), null=True, blank=True)
    online_views = models.PositiveIntegerField(_("online views"), null=True, blank=True)

    # the column mapping of the mall's order export: the header of each column, as in the file
    column_order_no = models.CharField(_("column: order number"), max_length=60, blank=True)
    column_ordered_at = models.CharField(_("column: order time"), max_length=60, blank=True)
    column_product = models.CharField(_("column: product"), max_length=60, blank=True)
    column_quantity = models.CharField(_("column: quantity"), max_length=60, blank=True)
    column_price = models.CharField(_("column: unit price"), max_length=60, blank=True)
    column_buyer = models.CharField(_("column: buyer"), max_length=60, blank=True)
    column_status = models.CharField(_("column: order status"), max_length=60, blank=True)
    column_refund = models.CharField(_("column: refund"), max_length=60, blank=True)
    product_match = models.CharField(
        _("products are found"), max_length=8, choices=ProductMatch.choices, default=ProductMatch.EITHER
    )
    refund_words = models.CharField(
        _("status words meaning refunded"),
        max_length=200,
        default=REFUND_WORDS,
        blank=True,
        help_text=_("separated by commas"),
    )
    cancel_words = models.CharField(
        _("status words meaning cancelled"),
        max_length=200,
        default=CANCEL_WORDS,
        blank=True,
        help_text=_("separated by commas"),
    )

    # the mall's push token: only its SHA-256 is kept; pushes act as the user who issued it
    push_token_prefix = models.CharField(max_length=8, blank=True, editable=False)
    push_token_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    push_token_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    push_token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedManager.from_queryset(ChannelQuerySet)()
    history = HistoricalRecords(excluded_fields=["push_token_digest"])

    class Meta:
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")
        ordering = ["code"]
        permissions = [
            ("import_orders", _("Can import channel orders and issue push tokens")),
            ("sell_at_stall", _("Can enter sales at an event stall")),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pinyin = initials(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("market:channel", args=[self.pk])

    def lines(self) -> ChannelOrderQuerySet:
        """The channel's order lines, with the order queryset's methods (sales, pending)."""
        return ChannelOrder.objects.filter(channel=self)

    @property
    def is_event(self) -> bool:
        return self.kind == self.Kind.EVENT

    @property
    def document_channel(self) -> str:
        """How the trading core labels this channel's sale documents."""
        return Document.Channel.FAIR if self.is_event else Document.Channel.ONLINE

    def mapping(self) -> dict[str, str]:
        """The mapped columns by order field; fields without a column are left out."""
        mapping = {
            "order_no": self.column_order_no,
            "ordered_at": self.column_ordered_at,
            "product": self.column_product,
            "quantity": self.column_quantity,
            "unit_price": self.column_price,
            "buyer": self.column_buyer,
            "status": self.column_status,
            "refund": self.column_refund,
        }
        return {name: header.strip() for name, header in mapping.items() if header.strip()}

    @property
    def has_mapping(self) -> bool:
        return set(REQUIRED_COLUMNS) <= set(self.mapping())

    def words(self, text: str) -> set[str]:
        return {w.strip() for w in text.replace("，", ",").replace("、", ",").split(",") if w.strip()}

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.is_event:
            if self.platform and self.platform not in self.EVENT_PLATFORMS:
                errors["platform"] = _(
                    "a sales event is a fair: choose New-Year goods fair, trade fair or other"
                )
            if not self.starts_on:
                errors["starts_on"] = _("a sales event needs its first day")
            if not self.ends_on:
                errors["ends_on"] = _("a sales event needs its last day")
            elif self.starts_on and self.ends_on < self.starts_on:
                errors["ends_on"] = _("must not be before the first day")
        elif self.platform in (self.Platform.NEW_YEAR_FAIR, self.Platform.TRADE_FAIR):
            errors["platform"] = _("a fair is a sales event: choose the kind “Sales event”")
        if self.location_id and self.organization_id:
            location_org = self.location.organization
            if not self.organization.contains(location_org):
                errors["location"] = _("must be a stock location of the channel's organization or below it")
        headers = [h for h in self.mapping().values()]
        if len(headers) != len(set(headers)):
            errors["column_order_no"] = _("two fields name the same column of the file")
        if errors:
            raise ValidationError(errors)


REQUIRED_COLUMNS = ("order_no", "ordered_at", "product", "quantity", "unit_price")


class ChannelOrderQuerySet(ScopedQuerySet):
    scope_field = "channel__organization"

    def sales(self) -> ChannelOrderQuerySet:
        """Lines that are sales: paid, or paid and partly refunded."""
        return self.filter(status__in=ChannelOrder.SALE_STATUSES)

    def pending(self) -> ChannelOrderQuerySet:
        """Sales not yet in a sale document of the trading core."""
        return self.sales().filter(document__isnull=True)

    def search(self, text: str) -> ChannelOrderQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(order_no__icontains=text)
            | Q(buyer__icontains=text)
            | Q(product__name__icontains=text)
            | Q(product__code__iexact=text)
        )


class ChannelOrder(models.Model):
    """One line of an order of a channel: an order of two products is two rows with one number."""

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        IMPORT = "import", _("File import")
        PUSH = "push", _("Pushed by the mall")
        STALL = "stall", _("Entered at the stall")

    SALE_STATUSES = (Status.PAID, Status.PARTLY_REFUNDED)

    # no index of its own: the unique (channel, order, product) and (channel, time) indexes lead with it
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("sales channel"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    order_no = models.CharField(_("order number"), max_length=64)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="channel_orders"
    )
    ordered_at = models.DateTimeField(_("order time"))
    quantity = quantity_field(_("quantity"), validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = cost_field(_("unit price"))
    amount = money_field(_("amount"))
    refund_amount = money_field(_("refund amount"), default=ZERO)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PAID)
    buyer = models.CharField(_("buyer"), max_length=100, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=12, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.IMPORT)
    document = models.ForeignKey(
        Document,
        verbose_name=_("sale document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="channel_orders",
    )
    reversal = models.ForeignKey(
        Document,
        verbose_name=_("reversal document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # only read with its order; an import writes 100,000 rows, an index each costs
    )
    created_at = models.DateTimeField(_("recorded at"), default=clock.now)

    objects = ScopedManager.from_queryset(ChannelOrderQuerySet)()

    class Meta:
        verbose_name = _("channel order")
        verbose_name_plural = _("channel orders")
        constraints = [
            models.UniqueConstraint(fields=["channel", "order_no", "product"], name="uniq_channel_order_line")
        ]
        indexes = [models.Index(fields=["channel", "ordered_at"])]

    def __str__(self) -> str:
        return self.order_no

    @property
    def is_sale(self) -> bool:
        return self.status in self.SALE_STATUSES

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.refund_amount if self.is_sale else ZERO


# --- Contract farming (订单农业，一村一品): village production plans, buyers' orders, allocations ---


class Season(models.TextChoices):
    SPRING = "spring", _("Spring")
    SUMMER = "summer", _("Summer")
    AUTUMN = "autumn", _("Autumn")
    WINTER = "winter", _("Winter")


class ProductionPlan(models.Model):
    """A village's plan to grow one product for one season (一村一品) with the members taking part.

    Regions carry no coordinates, so the plan keeps the village's collection point (lat/lon)."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    village = models.ForeignKey(
        "core.Region",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "village"},
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    season = models.CharField(_("season"), max_length=10, choices=Season.choices)
    area_mu = models.DecimalField(
        _("area (mu)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    expected_kg = quantity_field(_("expected yield (kg)"), validators=[MinValueValidator(ZERO)])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    members = models.ManyToManyField(
        "members.Member", verbose_name=_("participating members"), related_name="+", blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("village production plan")
        verbose_name_plural = _("village production plans")
        ordering = ["-year", "season", "village__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "product", "year", "season"],
                name="market_plan_one_per_village_product_season",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_season_display()} {self.village} {self.product}"

    def clean(self) -> None:
        if self.village_id and self.village.level != "village":
            raise ValidationError({"village": _("Choose a village, not a town or county.")})


class BuyerOrder(models.Model):
    """A buyer's order for one product: a quantity in kg at a price, delivered within a window."""

    class BuyerKind(models.TextChoices):
        SUPERMARKET = "supermarket", _("Supermarket")
        SUPPLY_CHAIN = "supply_chain", _("Produce supply-chain company")
        WET_MARKET = "wet_market", _("Wet market")
        CANTEEN = "canteen", _("Canteen")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    # the order's number as the buyer or the coop writes it: the key of the Excel import
    code = models.CharField(_("buyer's order number"), max_length=40, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=100)
    buyer_kind = models.CharField(_("buyer kind"), max_length=20, choices=BuyerKind.choices)
    contact = models.CharField(_("contact (person, phone)"), max_length=100, blank=True)
    town = models.CharField(_("town or address"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    season = models.CharField(_("season"), max_length=10, choices=Season.choices)
    quantity_kg = quantity_field(_("quantity (kg)"), validators=[MinValueValidator(ZERO)])
    price = money_field(_("price per kg"), validators=[MinValueValidator(ZERO)])
    deliver_from = models.DateField(_("deliver from"))
    deliver_to = models.DateField(_("deliver to"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("buyer order")
        verbose_name_plural = _("buyer orders")
        ordering = ["-year", "season", "deliver_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~models.Q(code=""),
                name="market_buyer_order_code_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.buyer_name} {self.product} {self.quantity_kg} kg"

    def clean(self) -> None:
        if self.deliver_from and self.deliver_to and self.deliver_to < self.deliver_from:
            raise ValidationError({"deliver_to": _("The delivery window ends before it starts.")})


class AllocationQuerySet(ScopedQuerySet):
    scope_field = "plan__organization"


class Allocation(models.Model):
    """The matching's answer the clerk accepted: this plan supplies this order so many kg."""

    plan = models.ForeignKey(
        ProductionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="allocations"
    )
    order = models.ForeignKey(
        BuyerOrder, verbose_name=_("buyer order"), on_delete=models.CASCADE, related_name="allocations"
    )
    quantity_kg = quantity_field(_("quantity (kg)"))
    km = models.DecimalField(_("distance (km)"), max_digits=10, decimal_places=1)
    accepted_at = models.DateTimeField(_("accepted at"), default=clock.now)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("accepted by"), on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = ScopedManager.from_queryset(AllocationQuerySet)()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="market_allocation_once")]

    def __str__(self) -> str:
        return f"{self.plan} → {self.order.buyer_name}: {self.quantity_kg} kg"


class ContractDocument(models.Model):
    """A purchase from a plan's farmer (collection) or a sale to a buyer (delivery) of a plan."""

    plan = models.ForeignKey(
        ProductionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="contract_documents"
    )
    order = models.ForeignKey(
        BuyerOrder, verbose_name=_("buyer order"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    document = models.OneToOneField(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    quantity_kg = quantity_field(_("quantity (kg)"))

    objects = ScopedManager.from_queryset(AllocationQuerySet)()

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return f"{self.plan}: {self.document_id}"
