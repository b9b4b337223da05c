"""Organizations, regions, users and the data scope every business model shares."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from gongxiao.core import clock
from gongxiao.core.pinyin import initials
from gongxiao.core.validators import validate_division_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class ScopedQuerySet(models.QuerySet):
    """The one place that decides which rows a user may see: their organization's subtree.

    A model that is scoped through another field than `organization` sets `scope_field`
    on its queryset subclass (e.g. ``"loan__organization"``).
    """

    scope_field = "organization"

    def visible_to(self, user: User | AnonymousUser) -> ScopedQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.sees_all_organizations:
            return self
        org = user.scope_organization
        if org is None:
            return self.none()
        return self.filter(**{f"{self.scope_field}__path__startswith": org.path})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class OrganizationQuerySet(MP_NodeQuerySet):
    def visible_to(self, user: User | AnonymousUser) -> OrganizationQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.sees_all_organizations:
            return self
        org = user.scope_organization
        if org is None:
            return self.none()
        return self.filter(path__startswith=org.path)


class OrganizationManager(MP_NodeManager):
    def get_queryset(self) -> OrganizationQuerySet:
        return OrganizationQuerySet(self.model).order_by("path")

    def visible_to(self, user: User | AnonymousUser) -> OrganizationQuerySet:
        return self.get_queryset().visible_to(user)


class Organization(MP_Node):
    """A node of the county's organization tree: federation, companies, base coops, units."""

    class Kind(models.TextChoices):
        FEDERATION = "federation", _("County federation")
        ENTERPRISE = "enterprise", _("Coop-owned enterprise")
        BASE_COOP = "base_coop", _("Base cooperative")
        DEPARTMENT = "department", _("Department")
        UNIT = "unit", _("Business unit")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    pinyin = models.CharField(_("pinyin initials"), max_length=100, editable=False, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]
    objects = OrganizationManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        permissions = [("view_all_organizations", _("Can see the rows of every organization"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pinyin = initials(self.name)
        super().save(*args, **kwargs)

    def contains(self, other: Organization | None) -> bool:
        """True if `other` is this organization or lies below it."""
        return other is not None and other.path.startswith(self.path)

    @property
    def county(self) -> Organization:
        return self if self.depth == 1 else Organization.objects.get(path=self.path[: self.steplen])


class Region(MP_Node):
    """County > town > village, keyed by the 12-digit administrative division code."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County")
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")

    code = models.CharField(
        _("division code"), max_length=12, unique=True, validators=[validate_division_code]
    )
    name = models.CharField(_("name"), max_length=60)
    pinyin = models.CharField(_("pinyin initials"), max_length=60, editable=False, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    is_mountain = models.BooleanField(_("mountain area"), default=False)

    node_order_by = ["code"]
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pinyin = initials(self.name)
        super().save(*args, **kwargs)

    def full_name(self) -> str:
        if self.depth == 1:
            return self.name
        ancestors = Region.objects.filter(
            path__in=[self.path[:n] for n in range(2 * self.steplen, len(self.path), self.steplen)]
        )
        return "".join(node.name for node in [*ancestors.order_by("depth"), self])

    def clean(self) -> None:
        expected = {1: self.Level.COUNTY, 2: self.Level.TOWN, 3: self.Level.VILLAGE}
        if self.depth and expected.get(self.depth) != self.level:
            raise ValidationError({"level": _("The level does not match the place in the tree.")})


class GongxiaoUserManager(UserManager["User"]):
    def get_queryset(self) -> ScopedQuerySet:
        return ScopedQuerySet(self.model, using=self._db)

    def visible_to(self, user: User | AnonymousUser) -> ScopedQuerySet:
        """Users of the viewer's organization subtree; everyone for county leaders."""
        return self.get_queryset().visible_to(user)


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = GongxiaoUserManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["password", "last_login"])  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def sees_all_organizations(self) -> bool:
        if not hasattr(self, "_sees_all"):
            self._sees_all = self.is_active and (
                self.is_superuser or self.has_perm("core.view_all_organizations")
            )
        return self._sees_all

    @property
    def scope_organization(self) -> Organization | None:
        """The organization whose subtree this user sees and writes.

        A department (业务科, 财务科 ...) owns no business rows: its staff work for the
        organization the department belongs to, so they see that organization's subtree.
        """
        org = self.organization
        if org is not None and org.kind == Organization.Kind.DEPARTMENT and org.depth > 1:
            if not hasattr(self, "_scope_org"):
                self._scope_org = Organization.objects.get_parent(org)
            return self._scope_org
        return org

    def can_manage(self, organization: Organization | None) -> bool:
        """May this user write rows owned by `organization`?"""
        if organization is None or not self.is_active:
            return False
        if self.sees_all_organizations:
            return True
        scope = self.scope_organization
        return scope is not None and scope.contains(organization)

    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def role_labels(self) -> str:
        from gongxiao.core.roles import ROLE_LABELS

        return "、".join(str(ROLE_LABELS.get(g.name, g.name)) for g in self.groups.all())


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-user API key. Only its SHA-256 is stored; the key is shown once, when created."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("prefix"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    LAST_USED_EVERY = timedelta(minutes=1)  # how stale `last_used_at` may be

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        key = "gx_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[3:11], digest=cls.hash(key))
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        """The token's user, with their organization, in one query; None for an unknown or revoked key.

        `last_used_at` is written at most once per `LAST_USED_EVERY`: a counter posting every few
        seconds would otherwise pay an UPDATE (and its commit) on every request.
        """
        token = cls.objects.active().select_related("user__organization").filter(digest=cls.hash(key)).first()
        if token is None or not token.user.is_active:
            return None
        now = clock.now()
        if token.last_used_at is None or now - token.last_used_at >= cls.LAST_USED_EVERY:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class DocumentSequence(models.Model):
    """Document numbers per organization, kind and year: PREFIX-ORGCODE-YYYY-000001."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "year"], name="uniq_document_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.kind}-{self.organization_id}-{self.year}: {self.last}"

    @classmethod
    def next_number(cls, organization: Organization, kind: str, year: int | None = None) -> str:
        """Take the next number; call inside the transaction that saves the document.

        One statement, race-safe: the upsert creates the counter at 1 or adds 1 to it, and holds the
        counter's row lock until the transaction ends, so two transactions never take the same
        number and a rolled-back one gives its number back. (PostgreSQL; SQLite ≥ 3.35.)
        """
        year = year or timezone.localdate().year
        quote = connection.ops.quote_name
        table = quote(cls._meta.db_table)
        fields = {field.name: str(field.column) for field in cls._meta.concrete_fields}
        organization_id, kind_column, year_column, last = (
            quote(fields[name]) for name in ("organization", "kind", "year", "last")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({organization_id}, {kind_column}, {year_column}, {last})"
                f" VALUES (%s, %s, %s, 1)"
                f" ON CONFLICT ({organization_id}, {kind_column}, {year_column})"
                f" DO UPDATE SET {last} = {table}.{last} + 1"
                f" RETURNING {last}",
                [organization.pk, kind, year],
            )
            (number,) = cursor.fetchone()
        return f"{kind}-{organization.code}-{year}-{number:06d}"


class ImportJob(models.Model):
    """One upload of an Excel file: its dry run, its confirmation, progress and per-row errors."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        FAILED = "failed", _("Has errors")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        ERROR = "error", _("Stopped by an error")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    importer = models.CharField(_("data"), max_length=40)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("to create"), default=0)
    updated_count = models.PositiveIntegerField(_("to update"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def importer_label(self) -> str:
        from gongxiao.core.excel import IMPORTERS

        importer = IMPORTERS.get(self.importer)
        return str(importer.label) if importer else self.importer

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.CHECKING, self.Status.IMPORTING)

    def set_progress(self, processed: int, **fields: Any) -> None:
        ImportJob.objects.filter(pk=self.pk).update(processed_rows=processed, **fields)
