"""Village stopping places from Excel: 行政区划代码 and/or 行政村, 经度, 纬度.

The village is found as the members import finds it (`core.regions.VillageLookup`: the 12-digit
division code, the village name, or town + village name when two villages share a name); when both
columns are filled they must name the same village. One stopping place per village: a village that
has one already gets the file's coordinates. Coordinates are refused when they are not on the globe,
not in China (longitude and latitude swapped, most often), or far outside the county: more than
`BOX_MARGIN` degrees beyond the box of the places the county already knows (its outlets with
coordinates, and the stopping places stored). The file is written all at once or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.caravan.models import VillagePoint
from gongxiao.core import excel
from gongxiao.core.models import Region
from gongxiao.core.regions import VillageLookup
from gongxiao.network.models import Outlet

# degrees (about 30 km) a stopping place may lie beyond the box of the county's known places
BOX_MARGIN = Decimal("0.3")
# China from west to east and south to north, with the islands of the south sea left aside
CHINA_LONGITUDE = (Decimal("73"), Decimal("136"))
CHINA_LATITUDE = (Decimal("18"), Decimal("54"))


def _coordinate(value: Any) -> Decimal:
    return excel.parse_decimal(value, 6)


def _degrees(value: Decimal) -> str:
    """121.500000 as 121.5, for a message."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class Box:
    """The smallest box around the county's known places, widened by `BOX_MARGIN` on every side."""

    west: Decimal
    east: Decimal
    south: Decimal
    north: Decimal


def county_box(county_region: Region | None) -> Box | None:
    """None when no place of the county has coordinates yet (then only China's box is checked)."""
    outlets = Outlet.objects.filter(longitude__isnull=False, latitude__isnull=False)
    points = VillagePoint.objects.all()
    if county_region is not None:
        outlets = outlets.filter(region__path__startswith=county_region.path)
        points = points.filter(village__path__startswith=county_region.path)
    edges = [
        rows.aggregate(w=Min("longitude"), e=Max("longitude"), s=Min("latitude"), n=Max("latitude"))
        for rows in (outlets, points)
    ]
    known = [edge for edge in edges if edge["w"] is not None]
    if not known:
        return None
    return Box(
        west=min(e["w"] for e in known) - BOX_MARGIN,
        east=max(e["e"] for e in known) + BOX_MARGIN,
        south=min(e["s"] for e in known) - BOX_MARGIN,
        north=max(e["n"] for e in known) + BOX_MARGIN,
    )


@excel.register
class VillagePointImporter(excel.Importer):
    name = "village_points"
    label = gettext_lazy("Village stopping places")
    model = VillagePoint
    permission = "caravan.add_villagepoint"
    key_fields = ("village_id",)
    compare_fields = ("longitude", "latitude")
    columns = [
        excel.Column(
            gettext_lazy("division code"),
            "code",
            width=14,
            help=gettext_lazy("The village's 12-digit division code; or fill in the village column"),
        ),
        excel.Column(
            gettext_lazy("Village"),
            "village",
            width=16,
            help=gettext_lazy(
                "Village name, or town name + village name when two villages share a name, or the 12-digit division code"
            ),
        ),
        excel.Column(
            gettext_lazy("longitude"),
            "longitude",
            True,
            _coordinate,
            width=12,
            help=gettext_lazy("Degrees east, up to 6 decimals, for example 120.451234"),
        ),
        excel.Column(
            gettext_lazy("latitude"),
            "latitude",
            True,
            _coordinate,
            width=12,
            help=gettext_lazy("Degrees north, up to 6 decimals, for example 27.431234"),
        ),
    ]

    def prepare(self) -> None:
        # the members import's lookup of villages, so both read a village the same way
        county = self.organization.county
        self.villages = VillageLookup(county.region if county.region_id else None)
        self.box = county_box(self.organization.county.region)

    @staticmethod
    def header(field: str) -> str:
        return str(next(c.header for c in VillagePointImporter.columns if c.field == field))

    def _village(self, field: str, text: str) -> int:
        return self.villages.find(text, self.header(field))

    def _check(self, field: str, value: Decimal, globe: Decimal, china: tuple[Decimal, Decimal]) -> None:
        column = self.header(field)
        if not -globe <= value <= globe:
            raise excel.RowError(
                _("must be between -%(limit)s and %(limit)s degrees") % {"limit": globe}, column
            )
        if not china[0] <= value <= china[1]:
            raise excel.RowError(
                _("%(value)s is not in China (%(low)s to %(high)s); are longitude and latitude swapped?")
                % {"value": _degrees(value), "low": china[0], "high": china[1]},
                column,
            )
        if self.box is None:
            return
        low, high = (
            (self.box.west, self.box.east) if field == "longitude" else (self.box.south, self.box.north)
        )
        if not low <= value <= high:
            raise excel.RowError(
                _("%(value)s is far outside the county: its known places lie between %(low)s and %(high)s")
                % {
                    "value": _degrees(value),
                    "low": _degrees(low + BOX_MARGIN),
                    "high": _degrees(high - BOX_MARGIN),
                },
                column,
            )

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        code, name = values.get("code", ""), values.get("village", "")
        if not code and not name:
            raise excel.RowError(_("give the village's division code or its name"), self.header("village"))
        village_id = self._village("code", code) if code else self._village("village", name)
        if code and name and self._village("village", name) != village_id:
            raise excel.RowError(
                _("“%(name)s” is not the village with the division code %(code)s")
                % {"name": name, "code": code},
                self.header("village"),
            )
        longitude, latitude = values["longitude"], values["latitude"]
        self._check("longitude", longitude, Decimal(180), CHINA_LONGITUDE)
        self._check("latitude", latitude, Decimal(90), CHINA_LATITUDE)
        return {"village_id": village_id, "longitude": longitude, "latitude": latitude}

    def existing(self, keys: list[tuple[Any, ...]]) -> Mapping[tuple[Any, ...], VillagePoint]:
        ids = [key[0] for key in keys]
        found: dict[tuple[Any, ...], VillagePoint] = {}
        for start in range(0, len(ids), 900):
            for point in VillagePoint.objects.filter(village_id__in=ids[start : start + 900]):
                found[(point.village_id,)] = point
        return found

    def may_change(self, instance: Any) -> bool:
        """A stopping place belongs to the village, not to an organization: whoever may plan changes it."""
        return bool(self.user.has_perm("caravan.change_villagepoint"))

    def export_values(self, village: Any) -> dict[str, Any]:
        """A village (from `views.VillagePointList`, with its town's name and its point, if any)."""
        return {
            "code": village.code,
            "village": (village.town_name or "") + village.name,
            "longitude": village.point_longitude,
            "latitude": village.point_latitude,
        }
