"""Figures of the service network: which villages an outlet serves, new and renovated outlets per year,
farm service centres declared, and the report's sentence made from them.

Every function takes the outlets to count (already narrowed to what the user may see), so a base
coop's clerk gets the figures of their coop and a county leader those of the county.

The rules, in one place:
- A village is covered when an operating outlet stands in it or names it among the villages it
  serves. Planned and closed outlets cover nothing. The share is covered villages ÷ all villages
  of the town (or of the county).
- An outlet is new in the year it opened and renovated in the year it was renovated; one renovated
  in the year it opened was made from existing premises and counts as renovated only. Planned
  outlets are not counted: they are not built yet.
- A farm service centre is declared at a grade in its `declared_year` when its declaration is
  declared or approved.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from gongxiao.core import clock
from gongxiao.core.models import Region
from gongxiao.network.models import Outlet

SHARE_PLACES = Decimal("0.1")


def share(part: int, whole: int) -> Decimal | None:
    """Per cent with one decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(SHARE_PLACES)


# ---------------------------------------------------------------- coverage


def operating(outlets: QuerySet) -> QuerySet:
    return outlets.filter(status=Outlet.Status.OPERATING)


def served_villages(outlets: QuerySet) -> dict[int, set[int]]:
    """Village id -> ids of the operating outlets among `outlets` that cover it."""
    running = operating(outlets)
    covering: dict[int, set[int]] = defaultdict(set)
    for outlet_id, region_id in running.filter(region__level=Region.Level.VILLAGE).values_list(
        "pk", "region_id"
    ):
        covering[region_id].add(outlet_id)
    through = Outlet.villages.through.objects.filter(outlet__in=running)
    for outlet_id, region_id in through.values_list("outlet_id", "region_id"):
        covering[region_id].add(outlet_id)
    return covering


@dataclass
class TownCoverage:
    town: Region
    villages: int
    covered: int
    outlets: int  # operating outlets standing in the town
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> Decimal | None:
        return share(self.covered, self.villages)

    @property
    def uncovered(self) -> int:
        return self.villages - self.covered


@dataclass
class Coverage:
    towns: list[TownCoverage]
    villages: int
    covered: int
    outlets: int

    @property
    def share(self) -> Decimal | None:
        return share(self.covered, self.villages)


def coverage(outlets: QuerySet) -> Coverage:
    """Villages with a service outlet per town and in the county."""
    covering = served_villages(outlets)
    towns = list(Region.objects.filter(level=Region.Level.TOWN).order_by("code"))
    by_path = {town.path: TownCoverage(town, 0, 0, 0) for town in towns}
    steplen = Region.steplen
    for village_id, path in Region.objects.filter(level=Region.Level.VILLAGE).values_list("pk", "path"):
        row = by_path.get(path[: 2 * steplen])
        if row is None:
            continue
        row.villages += 1
        if covering.get(village_id):
            row.covered += 1
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for path, kind in operating(outlets).values_list("region__path", "kind"):
        kinds[path[: 2 * steplen]][kind] += 1
    for path, row in by_path.items():
        row.by_kind = dict(kinds[path])
        row.outlets = sum(row.by_kind.values())
    rows = list(by_path.values())
    return Coverage(
        towns=rows,
        villages=sum(r.villages for r in rows),
        covered=sum(r.covered for r in rows),
        outlets=sum(r.outlets for r in rows),
    )


@dataclass
class VillageRow:
    village: Region
    outlets: list[Outlet]


@dataclass
class TownNetwork:
    town: Region
    villages: list[VillageRow]
    outlets: list[Outlet]  # standing in the town, any status, with `served` (their villages) prefetched
    coverage: TownCoverage


def town_network(outlets: QuerySet, town: Region) -> TownNetwork:
    """A town's villages with the outlets that cover each, and the outlets standing in the town."""
    covering = served_villages(outlets)
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=town.path).order_by("code")
    )
    needed = {pk for village in villages for pk in covering.get(village.pk, ())}
    by_pk = {o.pk: o for o in outlets.filter(pk__in=needed).order_by("code")}
    rows = [
        VillageRow(village, sorted((by_pk[pk] for pk in covering.get(village.pk, ())), key=lambda o: o.code))
        for village in villages
    ]
    standing = list(
        outlets.filter(region__path__startswith=town.path)
        .select_related("region", "organization", "hub")
        .prefetch_related("villages")
        .order_by("kind", "code")
    )
    covered = sum(1 for row in rows if row.outlets)
    kinds = Counter(o.kind for o in standing if o.status == Outlet.Status.OPERATING)
    summary = TownCoverage(town, len(villages), covered, sum(kinds.values()), dict(kinds))
    return TownNetwork(town, rows, standing, summary)


# ---------------------------------------------------------------- building and declarations


@dataclass
class YearFigures:
    year: int
    new: Counter[str] = field(default_factory=Counter)  # by outlet kind
    renovated: Counter[str] = field(default_factory=Counter)
    declared: Counter[str] = field(default_factory=Counter)  # farm service centres by grade

    @property
    def total_new(self) -> int:
        return sum(self.new.values())

    @property
    def total_renovated(self) -> int:
        return sum(self.renovated.values())

    def sentence(self) -> str:
        """The report's words: 新建 X 家、改造 Y 家村级综合服务社，申报省级农事服务中心 Z 家."""
        return _(
            "village comprehensive service coops: %(new)s new, %(renovated)s renovated; farm service centres declared at provincial level: %(province)s"
        ) % {
            "new": self.new[Outlet.Kind.VILLAGE_SERVICE],
            "renovated": self.renovated[Outlet.Kind.VILLAGE_SERVICE],
            "province": self.declared[Outlet.Grade.PROVINCE],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "new": {kind: self.new[kind] for kind in Outlet.Kind.values},
            "renovated": {kind: self.renovated[kind] for kind in Outlet.Kind.values},
            "declared": {grade: self.declared[grade] for grade in Outlet.Grade.values},
            "sentence": self.sentence(),
        }


def figures_by_year(outlets: QuerySet) -> dict[int, YearFigures]:
    """New and renovated outlets by kind, and farm service centres declared by grade, for each year."""
    years: dict[int, YearFigures] = {}

    def of(year: int) -> YearFigures:
        return years.setdefault(year, YearFigures(year))

    built = outlets.exclude(status=Outlet.Status.PLANNED).values_list("kind", "opened_year", "renovated_year")
    for kind, opened, renovated in built:
        if renovated:
            of(renovated).renovated[kind] += 1
        if opened and opened != renovated:
            of(opened).new[kind] += 1
    declared = outlets.filter(
        kind=Outlet.Kind.FARM_SERVICE_CENTRE,
        grade_status__in=[Outlet.GradeStatus.DECLARED, Outlet.GradeStatus.APPROVED],
        declared_year__isnull=False,
    ).values_list("grade", "declared_year")
    for grade, year in declared:
        of(year).declared[grade] += 1
    return dict(sorted(years.items()))


def year_figures(outlets: QuerySet, year: int) -> YearFigures:
    return figures_by_year(outlets).get(year) or YearFigures(year)


def default_year(years: dict[int, YearFigures]) -> int:
    """The latest year with figures up to this year; this year when there are none."""
    this_year = clock.today().year
    past = [year for year in years if year <= this_year]
    return max(past) if past else this_year


# ---------------------------------------------------------------- the plot


def map_points(outlets: QuerySet) -> dict[str, Any]:
    """Outlets with coordinates as scatter series by kind, and the links from stations to their hubs.

    For an ECharts scatter on longitude × latitude axes: no map tiles, the machines have no internet.
    """
    rows = list(
        outlets.filter(longitude__isnull=False, latitude__isnull=False)
        .select_related("region")
        .order_by("code")
    )
    town_names = dict(Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name"))
    at = {o.pk: (float(o.longitude), float(o.latitude)) for o in rows}  # type: ignore[arg-type]
    series = []
    for kind, label in Outlet.Kind.choices:
        points = [
            {
                "value": [*at[o.pk], o.name],
                "code": o.code,
                "status": o.get_status_display(),
                "town": town_names.get(o.region.path[: 2 * Region.steplen], ""),
                "url": reverse("network:outlet", args=[o.pk]),
            }
            for o in rows
            if o.kind == kind
        ]
        if points:
            series.append({"kind": kind, "label": str(label), "points": points})
    links = [[at[o.pk], at[o.hub_id]] for o in rows if o.hub_id in at]
    xs = [lon for lon, _lat in at.values()]
    ys = [lat for _lon, lat in at.values()]
    return {
        "series": series,
        "links": links,
        "bounds": [min(xs), min(ys), max(xs), max(ys)] if at else None,
        "without": outlets.filter(longitude__isnull=True).count()
        + outlets.filter(longitude__isnull=False, latitude__isnull=True).count(),
    }
