from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest
from gongxiao.core.models import Organization, Region
from gongxiao.members.models import Member, parse_industries

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    organization_id: int
    kind: str
    name: str
    id_number: str
    phone: str
    village_code: str
    address: str
    industries: list[str]
    land_area_mu: Decimal
    joined_on: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_village_code(obj: Member) -> str:
        return obj.village.code

    @staticmethod
    def resolve_industries(obj: Member) -> list[str]:
        return obj.industry_codes()


class MemberIn(Schema):
    organization_id: int | None = None
    kind: Member.Kind
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=18)
    phone: str = Field(min_length=1, max_length=20)
    village_code: str = Field(min_length=12, max_length=12)
    address: str = ""
    industries: list[str] = []
    land_area_mu: Decimal = Field(default=Decimal("0"), ge=0, decimal_places=2)
    joined_on: dt.date | None = None
    is_active: bool = True


def _apply(request: AuthedRequest, member: Member, payload: MemberIn) -> Member:
    org_id = payload.organization_id or member.organization_id or request.user.organization_id
    organization = Organization.objects.filter(pk=org_id).first()
    if organization is None or not request.user.can_manage(organization):
        raise HttpError(403, _("You may not write rows for this organization."))
    village = Region.objects.filter(code=payload.village_code, level=Region.Level.VILLAGE).first()
    if village is None:
        raise ValidationError({"village_code": _("no village with this division code")})
    try:
        industries = parse_industries(",".join(payload.industries))
    except ValueError as exc:
        raise ValidationError(
            {"industries": _("unknown industry “%(word)s”") % {"word": exc.args[0]}}
        ) from None
    member.organization = organization
    member.county = organization.county
    for name in ("kind", "name", "id_number", "phone", "address", "land_area_mu", "joined_on", "is_active"):
        setattr(member, name, getattr(payload, name))
    member.village = village
    member.industries = ",".join(industries)
    member.full_clean(exclude=["county", "pinyin"])
    with transaction.atomic():
        member.save()
    return member


@router.get("/members", response=list[MemberOut])
@paginate(PageNumberPagination, page_size=50)
def list_members(
    request: AuthedRequest,
    q: str = "",
    kind: str | None = None,
    village_code: str | None = None,
    industry: str | None = None,
) -> Any:
    require_perm(request, "members.view_member")
    members = Member.objects.visible_to(request.user).select_related("village").order_by("id")
    if q:
        members = members.search(q)
    if kind:
        members = members.filter(kind=kind)
    if village_code:
        members = members.filter(village__code=village_code)
    if industry:
        members = members.with_industry(industry)
    return members


@router.get("/members/{member_id}", response=MemberOut)
def get_member(request: AuthedRequest, member_id: int) -> Any:
    require_perm(request, "members.view_member")
    return get_object_or_404(Member.objects.visible_to(request.user).select_related("village"), pk=member_id)


@router.post("/members", response={201: MemberOut})
def create_member(request: AuthedRequest, payload: MemberIn) -> Any:
    require_perm(request, "members.add_member")
    return _apply(request, Member(), payload)


@router.put("/members/{member_id}", response=MemberOut)
def update_member(request: AuthedRequest, member_id: int, payload: MemberIn) -> Any:
    require_perm(request, "members.change_member")
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=member_id)
    if not request.user.can_manage(member.organization):
        raise HttpError(403, _("You may not write rows for this organization."))
    return _apply(request, member, payload)
