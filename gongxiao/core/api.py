"""The API's shared parts: authentication, Chinese error messages, the organization and region routes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import APIKeyCookie, HttpBearer

from gongxiao.core.http import AuthedRequest
from gongxiao.core.models import ApiToken, Organization, Region, User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gx_…` with a token from the API tokens page.

    Two queries at most: the token with its user and their organization, and the user's
    permissions (direct and through their groups) in one; `last_used_at` is written at most once
    a minute (`ApiToken.authenticate`).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            load_permissions(user)
            request.user = user
        return user


def load_permissions(user: User) -> None:
    """Fill ModelBackend's per-user permission cache with one query instead of its two.

    `user.has_perm` then answers from the cache for the rest of the request, as it would after
    ModelBackend's own first lookup (`_perm_cache`: "app_label.codename" of the user's permissions
    and their groups'). Superusers and inactive users are left to ModelBackend.
    """
    if not user.is_active or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    direct = User.user_permissions.through.objects.filter(user_id=user.pk).values("permission_id")
    groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    grouped = Group.permissions.through.objects.filter(group_id__in=groups).values("permission_id")
    rows = Permission.objects.filter(Q(pk__in=direct) | Q(pk__in=grouped)).values_list(
        "content_type__app_label", "codename"
    )
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}  # type: ignore[attr-defined]


class SessionAuth(APIKeyCookie):
    """The browser's login session; CSRF is checked for writes."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        return None


AUTH = [TokenAuth(), SessionAuth()]

PYDANTIC_MESSAGES = {
    "missing": "必填",
    "string_type": "应为文本",
    "string_too_long": "太长",
    "string_too_short": "太短",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_max_places": "小数位数太多",
    "float_parsing": "应为数字",
    "date_from_datetime_parsing": "应为日期，如 2023-03-01",
    "date_parsing": "应为日期，如 2023-03-01",
    "bool_parsing": "应为 true 或 false",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "json_invalid": "不是有效的 JSON",
}


def pydantic_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Ninja's validation errors as [{field, message}] with messages in Chinese."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query", "path")]
        field = ".".join(loc)
        message = PYDANTIC_MESSAGES.get(error.get("type", ""), error.get("msg", ""))
        if "{" in message:  # the bound of greater_than and the like, from the error's context
            try:
                message = message.format(**error.get("ctx", {}))
            except (KeyError, IndexError, ValueError):
                message = error.get("msg", "")
        result.append({"field": field, "message": f"“{field}”：{message}" if field else message})
    return result


def require_perm(request: AuthedRequest, permission: str) -> None:
    from ninja.errors import HttpError

    if not request.user.has_perm(permission):
        raise HttpError(403, _("You do not have permission to do this."))


router = Router(tags=["organizations and regions"])


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    region_code: str | None

    @staticmethod
    def resolve_parent_id(obj: Organization) -> int | None:
        parent = Organization.objects.get_parent(obj)
        return parent.pk if parent else None

    @staticmethod
    def resolve_region_code(obj: Organization) -> str | None:
        return obj.region.code if obj.region is not None else None


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    is_mountain: bool


@router.get("/organizations", response=list[OrganizationOut])
def list_organizations(request: AuthedRequest) -> Any:
    require_perm(request, "core.view_organization")
    return Organization.objects.visible_to(request.user).select_related("region").order_by("path")


@router.get("/organizations/{org_id}", response=OrganizationOut)
def get_organization(request: AuthedRequest, org_id: int) -> Any:
    from django.shortcuts import get_object_or_404

    require_perm(request, "core.view_organization")
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_id)


@router.get("/regions", response=list[RegionOut])
def list_regions(request: AuthedRequest, level: str | None = None, parent_code: str | None = None) -> Any:
    require_perm(request, "core.view_region")
    regions = Region.objects.order_by("code")
    if level:
        regions = regions.filter(level=level)
    if parent_code:
        parent = Region.objects.filter(code=parent_code).first()
        regions = (
            regions.filter(path__startswith=parent.path, depth=parent.depth + 1) if parent else regions.none()
        )
    return regions
