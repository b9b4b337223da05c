"""The service network in the API: outlets (list with filters, one, create, update) and the network's figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from gongxiao.commerce.models import Location
from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest
from gongxiao.core.models import Organization, Region
from gongxiao.network import statistics
from gongxiao.network.actions import save_outlet
from gongxiao.network.models import Outlet, Service

router = Router(tags=["service network"])


class OutletOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: str
    organization_id: int
    region_code: str
    town_code: str
    address: str
    longitude: Decimal | None
    latitude: Decimal | None
    opened_year: int | None
    renovated_year: int | None
    build_type: str
    build_year: int | None
    grade: str
    grade_status: str
    declared_year: int | None
    services: list[str]
    village_codes: list[str]
    hub_id: int | None
    hub_code: str | None
    location_id: int | None

    @staticmethod
    def resolve_region_code(obj: Outlet) -> str:
        return obj.region.code

    @staticmethod
    def resolve_town_code(obj: Outlet) -> str:
        region = obj.region
        if region.level == Region.Level.VILLAGE:
            return region.code[:9] + "000"  # a village's town shares its first nine digits
        return region.code

    @staticmethod
    def resolve_services(obj: Outlet) -> list[str]:
        return obj.service_list()

    @staticmethod
    def resolve_village_codes(obj: Outlet) -> list[str]:
        return sorted(village.code for village in obj.villages.all())

    @staticmethod
    def resolve_hub_code(obj: Outlet) -> str | None:
        return obj.hub.code if obj.hub else None


class OutletIn(Schema):
    organization_id: int | None = None
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: Outlet.Kind
    status: Outlet.Status = Outlet.Status.OPERATING
    region_code: str = Field(min_length=12, max_length=12)
    address: str = ""
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    opened_year: int | None = None
    renovated_year: int | None = None
    grade: Outlet.Grade | None = None
    grade_status: Outlet.GradeStatus | None = None
    declared_year: int | None = None
    services: list[Service] = []
    village_codes: list[str] = []
    hub_code: str | None = None
    location_id: int | None = Field(
        default=None, description="An existing free stock location; a store without one gets a new one"
    )


class TownOut(Schema):
    code: str
    name: str
    villages: int
    covered: int
    share: Decimal | None
    outlets: int
    by_kind: dict[str, int]


class YearOut(Schema):
    year: int
    new: dict[str, int]
    renovated: dict[str, int]
    declared: dict[str, int]
    sentence: str


class StatisticsOut(Schema):
    villages: int
    covered: int
    share: Decimal | None
    outlets: int
    towns: list[TownOut]
    years: list[YearOut]
    year: YearOut


def _outlets(request: AuthedRequest) -> Any:
    return (
        Outlet.objects.visible_to(request.user).select_related("region", "hub").prefetch_related("villages")
    )


def _apply(request: AuthedRequest, outlet: Outlet, payload: OutletIn) -> Outlet:
    """Check the payload as the outlet form does and write it; nothing is written when a check fails."""
    user = request.user
    org_id = payload.organization_id or outlet.organization_id or user.organization_id
    organization = Organization.objects.filter(pk=org_id).first()
    if organization is None or not user.can_manage(organization):
        raise HttpError(403, _("You may not write rows for this organization."))
    errors: dict[str, Any] = {}
    region = Region.objects.filter(
        code=payload.region_code, level__in=[Region.Level.TOWN, Region.Level.VILLAGE]
    ).first()
    if region is None:
        errors["region_code"] = _("no town or village with this division code")
    hub = None
    if payload.hub_code:
        hub = Outlet.objects.visible_to(user).filter(code=payload.hub_code).first()
        if hub is None:
            errors["hub_code"] = _("no outlet with this code that you may see")
    villages = {
        v.code: v.pk
        for v in Region.objects.filter(code__in=payload.village_codes, level=Region.Level.VILLAGE)
    }
    unknown = [code for code in payload.village_codes if code not in villages]
    if unknown:
        errors["village_codes"] = _("no village with the division code %(codes)s") % {
            "codes": "、".join(unknown)
        }
    location = None
    if payload.location_id is not None:
        location = (
            Location.objects.visible_to(user)
            .filter(pk=payload.location_id)
            .filter(Q(outlet__isnull=True) | Q(outlet=outlet.pk))
            .select_related("organization")
            .first()
        )
        if location is None:
            errors["location_id"] = _("no free stock location with this id that you may see")
        elif not organization.contains(location.organization):
            errors["location_id"] = _(
                "This stock location belongs to %(owner)s, not to the operator or its units."
            ) % {"owner": location.organization}
    if errors:
        raise ValidationError(errors)
    outlet.organization = organization
    outlet.region = region  # type: ignore[assignment]
    outlet.hub = hub
    for name in ("code", "name", "kind", "status", "address", "longitude", "latitude"):
        setattr(outlet, name, getattr(payload, name))
    for name in ("opened_year", "renovated_year", "declared_year"):
        setattr(outlet, name, getattr(payload, name))
    outlet.grade = payload.grade or ""
    outlet.grade_status = payload.grade_status or ""
    outlet.services = ",".join(payload.services)
    if location is not None:
        outlet.location = location
    outlet.location_pending = outlet.is_store and outlet.location_id is None
    outlet.full_clean(exclude=["villages"])
    if outlet.location_pending and Location.objects.filter(code=outlet.code).exists():
        raise ValidationError(
            {
                "code": _(
                    "A stock location with the code %(code)s already exists: choose it, or give the outlet another code."
                )
                % {"code": outlet.code}
            }
        )
    return save_outlet(user, outlet, villages.values())


@router.get("/network/outlets", response=list[OutletOut])
@paginate(PageNumberPagination, page_size=50)
def list_outlets(
    request: AuthedRequest,
    q: str = "",
    kind: str | None = None,
    status: str | None = None,
    town_code: str | None = None,
    village_code: str | None = None,
    organization_id: int | None = None,
    hub_code: str | None = None,
    service: str | None = None,
    grade: str | None = None,
) -> Any:
    require_perm(request, "network.view_outlet")
    outlets = _outlets(request).order_by("code")
    if q:
        outlets = outlets.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    if kind:
        outlets = outlets.filter(kind=kind)
    if status:
        outlets = outlets.filter(status=status)
    if town_code:
        town = Region.objects.filter(code=town_code, level=Region.Level.TOWN).first()
        outlets = outlets.filter(region__path__startswith=town.path) if town else outlets.none()
    if village_code:
        outlets = outlets.filter(Q(region__code=village_code) | Q(villages__code=village_code)).distinct()
    if organization_id:
        org = Organization.objects.filter(pk=organization_id).first()
        outlets = outlets.filter(organization__path__startswith=org.path) if org else outlets.none()
    if hub_code:
        outlets = outlets.filter(hub__code=hub_code)
    if service:
        outlets = outlets.with_service(service)
    if grade:
        outlets = outlets.filter(grade=grade)
    return outlets


@router.get("/network/outlets/{outlet_id}", response=OutletOut)
def get_outlet(request: AuthedRequest, outlet_id: int) -> Any:
    require_perm(request, "network.view_outlet")
    return get_object_or_404(_outlets(request), pk=outlet_id)


@router.post("/network/outlets", response={201: OutletOut})
def create_outlet(request: AuthedRequest, payload: OutletIn) -> Any:
    require_perm(request, "network.add_outlet")
    return _apply(request, Outlet(), payload)


@router.put("/network/outlets/{outlet_id}", response=OutletOut)
def update_outlet(request: AuthedRequest, outlet_id: int, payload: OutletIn) -> Any:
    require_perm(request, "network.change_outlet")
    outlet = get_object_or_404(Outlet.objects.visible_to(request.user), pk=outlet_id)
    if not request.user.can_manage(outlet.organization):
        raise HttpError(403, _("You may not write rows for this organization."))
    return _apply(request, outlet, payload)


@router.get("/network/statistics", response=StatisticsOut)
def network_statistics(request: AuthedRequest, year: int | None = None) -> Any:
    """Villages covered per town and in the county, new and renovated outlets per year, the report's sentence."""
    require_perm(request, "network.view_outlet")
    outlets = Outlet.objects.visible_to(request.user)
    covered = statistics.coverage(outlets)
    years = statistics.figures_by_year(outlets)
    chosen = year if year is not None else statistics.default_year(years)
    return {
        "villages": covered.villages,
        "covered": covered.covered,
        "share": covered.share,
        "outlets": covered.outlets,
        "towns": [
            {
                "code": row.town.code,
                "name": row.town.name,
                "villages": row.villages,
                "covered": row.covered,
                "share": row.share,
                "outlets": row.outlets,
                "by_kind": row.by_kind,
            }
            for row in covered.towns
        ],
        "years": [figures.as_dict() for figures in years.values()],
        "year": (years.get(chosen) or statistics.YearFigures(chosen)).as_dict(),
    }
