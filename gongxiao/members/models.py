"""Members of the farmers' cooperative federation (农合联会员) and its unions."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongxiao.core.models import Organization, Region, ScopedManager, ScopedQuerySet
from gongxiao.core.pinyin import initials
from gongxiao.core.validators import check_phone, check_resident_id, check_uscc


class Industry(models.TextChoices):
    GRAIN = "grain", _("Grain")
    TEA = "tea", _("Tea")
    POULTRY = "poultry", _("Livestock and poultry")
    FRUIT = "fruit", _("Fruit")
    VEGETABLES = "vegetables", _("Vegetables")
    FUNGI = "fungi", _("Edible fungi")
    AQUATIC = "aquatic", _("Aquatic products")
    HERBS = "herbs", _("Medicinal herbs")
    FORESTRY = "forestry", _("Bamboo and forestry")
    FLOWERS = "flowers", _("Flowers and seedlings")
    OTHER = "other", _("Other")


def parse_industries(value: str) -> list[str]:
    """'粮食、茶叶' or 'grain,tea' -> ['grain', 'tea']; ValueError names the unknown word."""
    by_label = {str(label): code for code, label in Industry.choices}
    codes: list[str] = []
    for word in value.replace("，", ",").replace("、", ",").replace(";", ",").split(","):
        word = word.strip()
        if not word:
            continue
        code = word if word in Industry.values else by_label.get(word)
        if code is None:
            raise ValueError(word)
        if code not in codes:
            codes.append(code)
    return codes


class MemberQuerySet(ScopedQuerySet):
    def with_town(self) -> MemberQuerySet:
        """Annotate `town_name` (the village's parent) in the same query, for lists and exports."""
        steplen = Region.steplen
        town = Region.objects.filter(path=Substr(OuterRef("village__path"), 1, 2 * steplen)).values("name")[
            :1
        ]
        return self.annotate(town_name=Subquery(town))

    def search(self, text: str) -> MemberQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            models.Q(name__icontains=text)
            | models.Q(pinyin__startswith=text.lower())
            | models.Q(id_number__startswith=text.upper())
            | models.Q(phone__startswith=text)
        )

    def with_industry(self, code: str) -> MemberQuerySet:
        return self.filter(industries__regex=rf"(^|,){code}(,|$)")


class Member(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Farmer household")
        FAMILY_FARM = "family_farm", _("Family farm")
        COOPERATIVE = "cooperative", _("Farmers' cooperative")
        ENTERPRISE = "enterprise", _("Enterprise")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="members"
    )
    county = models.ForeignKey(
        Organization, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    kind = models.CharField(_("member kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("member name"), max_length=100)
    pinyin = models.CharField(_("pinyin initials"), max_length=100, editable=False, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=18)
    phone = models.CharField(_("phone"), max_length=20)
    village = models.ForeignKey(
        Region,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": Region.Level.VILLAGE},
        related_name="members",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    industries = models.CharField(_("industries"), max_length=200, blank=True)
    land_area_mu = models.DecimalField(
        _("land area (mu)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager.from_queryset(MemberQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "id_number"], name="uniq_member_id_number_per_county")
        ]
        indexes = [models.Index(fields=["organization", "kind"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.pinyin = initials(self.name)
        if self.organization_id and not self.county_id:
            self.county = self.organization.county
        super().save(*args, **kwargs)

    @property
    def is_person(self) -> bool:
        return self.kind in (self.Kind.HOUSEHOLD, self.Kind.FAMILY_FARM)

    def industry_codes(self) -> list[str]:
        return [code for code in self.industries.split(",") if code]

    def village_label(self) -> str:
        """Town and village, from `with_town()` when annotated."""
        town = getattr(self, "town_name", None)
        if town is None:
            return self.village.full_name()
        return f"{town}{self.village.name}"

    def masked_id_number(self) -> str:
        """The ID number with its middle hidden, as lists show it (the detail page shows it whole)."""
        number = self.id_number
        return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else number

    def industry_labels(self) -> str:
        labels = dict(Industry.choices)
        return "、".join(str(labels.get(code, code)) for code in self.industry_codes())

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.id_number = (self.id_number or "").strip().upper()
        if self.id_number and self.kind:
            try:
                self.id_number = check_id_number(self.kind, self.id_number)
            except ValidationError as exc:
                errors["id_number"] = exc.messages[0]
        if self.phone:
            try:
                self.phone = check_phone(self.phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages[0]
        if (
            self.village_id
            and Region.objects.filter(pk=self.village_id).exclude(level=Region.Level.VILLAGE).exists()
        ):
            errors["village"] = str(_("choose a village"))
        if self.organization_id and self.id_number and "id_number" not in errors:
            county = self.organization.county
            clash = Member.objects.filter(county=county, id_number=self.id_number).exclude(pk=self.pk).first()
            if clash is not None:
                errors["id_number"] = str(
                    _("this ID number is already registered for member %(name)s") % {"name": clash.name}
                )
        if errors:
            raise ValidationError(errors)


def check_id_number(kind: str, value: str) -> str:
    """Households give a resident ID, cooperatives and enterprises a USCC, family farms either."""
    value = (value or "").strip().upper()
    if kind == Member.Kind.HOUSEHOLD:
        return check_resident_id(value)
    if kind in (Member.Kind.COOPERATIVE, Member.Kind.ENTERPRISE):
        return check_uscc(value)
    try:
        return check_resident_id(value)
    except ValidationError:
        try:
            return check_uscc(value)
        except ValidationError:
            raise ValidationError(
                _(
                    "a family farm gives the resident ID of its owner or its unified social credit code; this is neither"
                ),
                code="invalid",
            ) from None


class Union(models.Model):
    """A township or industry union (乡镇农合联 / 产业农合联)."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", _("Township union")
        INDUSTRY = "industry", _("Industry union")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="unions"
    )
    kind = models.CharField(_("union kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    town = models.ForeignKey(
        Region,
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": Region.Level.TOWN},
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    member_organizations = models.ManyToManyField(
        Organization, verbose_name=_("member organizations"), blank=True, related_name="union_memberships"
    )
    members = models.ManyToManyField(Member, through="UnionMembership", related_name="unions", blank=True)

    objects = ScopedManager()
    history = HistoricalRecords(m2m_fields=[member_organizations])

    class Meta:
        verbose_name = _("union")
        verbose_name_plural = _("unions")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.TOWNSHIP and not self.town_id:
            raise ValidationError({"town": _("a township union needs its town")})
        if self.kind == self.Kind.INDUSTRY and not self.industry:
            raise ValidationError({"industry": _("an industry union needs its industry")})


class UnionMembership(models.Model):
    union = models.ForeignKey(Union, verbose_name=_("union"), on_delete=models.CASCADE)
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    is_council_member = models.BooleanField(_("council member"), default=False)

    class Meta:
        verbose_name = _("union membership")
        verbose_name_plural = _("union memberships")
        constraints = [models.UniqueConstraint(fields=["union", "member"], name="uniq_union_member")]

    def __str__(self) -> str:
        return f"{self.union} · {self.member}"
