"""Outlets from Excel: 网点编码, 网点名称, 网点类型, 状态, 乡镇, 行政村, 运营主体, 所属中心编码, 建设类型, 年份 ...

Idempotent by the outlet code: a row whose code is stored already updates that outlet (if the
importing clerk may write its operator), an unchanged row changes nothing. A hub is named by its
code and must be stored already or stand in an earlier row of the file. A new store gets its stock
location as on the outlet form. Each row is checked by the same model rules as the form
(`Outlet.clean`), and written with `save()`, so its history names the importing clerk.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.commerce.models import Location
from gongxiao.core import excel
from gongxiao.core.models import Organization, Region
from gongxiao.network.actions import save_outlet
from gongxiao.network.models import MAX_HUB_DEPTH, Outlet, Service, service_codes

SEPARATORS = ("，", "、", ";", "；", "\n")


def _words(value: Any) -> list[str]:
    text = excel.cell_text(value)
    for separator in SEPARATORS:
        text = text.replace(separator, ",")
    return [word.strip() for word in text.split(",") if word.strip()]


_service = excel.choice_parser(Service.choices)


def _services(value: Any) -> str:
    codes = []
    for word in _words(value):
        try:
            codes.append(_service(word))
        except excel.RowError as exc:
            raise excel.RowError(
                _("unknown service “%(word)s”; %(choices)s") % {"word": word, "choices": exc.message}
            ) from None
    return service_codes(codes)


def _year(value: Any) -> int:
    number = excel.parse_decimal(value, 0)
    if number < 0:
        raise excel.RowError(_("must be a year such as 2022"))
    return int(number)


def _coordinate(value: Any) -> Decimal:
    return excel.parse_decimal(value, 6)


def _choice_column(header: Any, field: str, choices: Any, width: int, **kwargs: Any) -> excel.Column:
    """A column whose cells take a choice's code or label, with the labels as the template's dropdown."""
    return excel.Column(
        header,
        field,
        kwargs.pop("required", False),
        excel.choice_parser(choices),
        excel.choice_labels(choices),
        width,
        repeats=True,
        **kwargs,
    )


def _header(field: str) -> str:
    column = next(c for c in OutletImporter.columns if c.field == field)
    return str(column.header)


# the model field each column's problems belong to, for naming the column in a message
FIELD_COLUMNS = {
    "code": "code",
    "name": "name",
    "kind": "kind",
    "status": "status",
    "region": "town",
    "address": "address",
    "opened_year": "opened_year",
    "renovated_year": "build_year",
    "grade": "grade",
    "grade_status": "grade_status",
    "declared_year": "declared_year",
    "services": "services",
    "location": "code",
    "longitude": "longitude",
    "latitude": "latitude",
}


@excel.register
class OutletImporter(excel.Importer):
    name = "outlets"
    label = gettext_lazy("Outlets")
    model = Outlet
    permission = "network.add_outlet"
    key_fields = ("code",)
    compare_fields = (
        "name",
        "kind",
        "status",
        "region_id",
        "address",
        "organization_id",
        "hub_code",
        "opened_year",
        "renovated_year",
        "grade",
        "grade_status",
        "declared_year",
        "services",
        "village_ids",
        "longitude",
        "latitude",
    )
    columns = [
        excel.Column(gettext_lazy("outlet code"), "code", True, width=12),
        excel.Column(gettext_lazy("outlet name"), "name", True, width=26),
        _choice_column(gettext_lazy("outlet kind"), "kind", Outlet.Kind.choices, 18, required=True),
        _choice_column(
            gettext_lazy("status"),
            "status",
            Outlet.Status.choices,
            8,
            help=gettext_lazy("Operating when empty"),
        ),
        excel.Column(
            gettext_lazy("Town"),
            "town",
            True,
            width=12,
            repeats=True,
            help=gettext_lazy("Town name or its 12-digit division code"),
        ),
        excel.Column(
            gettext_lazy("Village"),
            "village",
            width=12,
            help=gettext_lazy(
                "Village name in that town, or its division code; empty for an outlet in the town"
            ),
        ),
        excel.Column(gettext_lazy("address"), "address", width=24),
        excel.Column(
            gettext_lazy("operator"),
            "operator",
            width=20,
            repeats=True,
            help=gettext_lazy(
                "Code or name of the organization that runs it, within the organization the rows belong to; empty for that organization"
            ),
        ),
        excel.Column(
            gettext_lazy("hub code"),
            "hub_code",
            width=12,
            help=gettext_lazy(
                "Code of the centre this outlet belongs to: stored already, or in an earlier row"
            ),
        ),
        _choice_column(gettext_lazy("build type"), "build_type", Outlet.Build.choices, 8),
        excel.Column(
            gettext_lazy("year built or renovated"),
            "build_year",
            parse=_year,
            width=10,
            repeats=True,
        ),
        excel.Column(
            gettext_lazy("opened in"),
            "opened_year",
            parse=_year,
            width=10,
            repeats=True,
            help=gettext_lazy("For a renovated outlet: the year it first opened, if known"),
        ),
        _choice_column(
            gettext_lazy("centre grade"),
            "grade",
            Outlet.Grade.choices,
            10,
            help=gettext_lazy("Farm service centres only"),
        ),
        _choice_column(gettext_lazy("grade declaration"), "grade_status", Outlet.GradeStatus.choices, 10),
        excel.Column(gettext_lazy("declared in"), "declared_year", parse=_year, width=10, repeats=True),
        excel.Column(
            gettext_lazy("services offered"),
            "services",
            parse=_services,
            width=24,
            repeats=True,
            help=gettext_lazy("Several separated by 、 for example 农资供应、农技指导"),
        ),
        excel.Column(
            gettext_lazy("villages served"),
            "villages",
            width=24,
            help=gettext_lazy(
                "Names separated by 、 (villages of the outlet's town), town + village name, or division codes"
            ),
        ),
        excel.Column(gettext_lazy("longitude"), "longitude", parse=_coordinate, width=12),
        excel.Column(gettext_lazy("latitude"), "latitude", parse=_coordinate, width=12),
    ]

    # ---------------------------------------------------------------- lookups

    def prepare(self) -> None:
        county = self.organization.county
        regions = Region.objects.filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE])
        if county.region_id:
            regions = regions.filter(path__startswith=county.region.path)
        self.regions: dict[int, Region] = {}
        self.towns_by_text: dict[str, Region] = {}
        self.village_in_town: dict[tuple[str, str], Region] = {}  # (town path, name or code)
        self.villages_by_label: dict[str, list[Region]] = {}  # town+name, code, or a name of the county
        town_names: dict[str, str] = {}
        for region in regions.order_by("path"):
            self.regions[region.pk] = region
            if region.level == Region.Level.TOWN:
                self.towns_by_text[region.name] = region
                self.towns_by_text[region.code] = region
                town_names[region.path] = region.name
                continue
            town_path = region.path[: 2 * Region.steplen]
            self.village_in_town[(town_path, region.name)] = region
            self.village_in_town[(town_path, region.code)] = region
            for label in {region.name, region.code, town_names.get(town_path, "") + region.name}:
                self.villages_by_label.setdefault(label, []).append(region)
        self.operators: dict[str, Organization] = {}
        for org in Organization.objects.filter(path__startswith=self.organization.path):
            if self.user.can_manage(org):
                self.operators.setdefault(org.code, org)
                self.operators.setdefault(org.name, org)
                if org.short_name:
                    self.operators.setdefault(org.short_name, org)
        # code -> hub code of every outlet, updated row by row, to find loops of hubs
        self.hub_of: dict[str, str] = {}
        self.visible_codes: set[str] = set(
            Outlet.objects.visible_to(self.user).values_list("code", flat=True)
        )
        self.location_of: dict[str, int | None] = {}
        for code, hub_code, location_id in Outlet.objects.values_list("code", "hub__code", "location_id"):
            self.hub_of[code] = hub_code or ""
            self.location_of[code] = location_id
        self.file_codes: set[str] = set()
        self.location_codes = set(Location.objects.values_list("code", flat=True))

    def _town(self, text: str) -> Region:
        town = self.towns_by_text.get(text)
        if town is None:
            raise excel.RowError(_("no town “%(name)s” in this county") % {"name": text}, _header("town"))
        return town

    def _region(self, town: Region, village_text: str) -> Region:
        if not village_text:
            return town
        village = self.village_in_town.get((town.path, village_text))
        if village is None:
            raise excel.RowError(
                _("no village “%(name)s” in %(town)s") % {"name": village_text, "town": town.name},
                _header("village"),
            )
        return village

    def _served(self, town: Region, words: list[str]) -> tuple[int, ...]:
        ids: set[int] = set()
        for word in words:
            village = self.village_in_town.get((town.path, word))
            if village is None:
                matches = self.villages_by_label.get(word, [])
                if len(matches) > 1:
                    raise excel.RowError(
                        _("several villages are called “%(name)s”; write the town name before it")
                        % {"name": word},
                        _header("villages"),
                    )
                if not matches:
                    raise excel.RowError(
                        _("no village “%(name)s” in this county") % {"name": word}, _header("villages")
                    )
                village = matches[0]
            ids.add(village.pk)
        return tuple(sorted(ids))

    def _operator(self, text: str) -> Organization:
        if not text:
            return self.organization  # type: ignore[no-any-return]
        organization = self.operators.get(text)
        if organization is None:
            raise excel.RowError(
                _("no organization “%(name)s” under %(parent)s that you may write for")
                % {"name": text, "parent": self.organization.name},
                _header("operator"),
            )
        return organization

    def _years(self, values: dict[str, Any]) -> tuple[int | None, int | None]:
        """(opened_year, renovated_year) from the build type, its year and the opening year."""
        build, year, opened = values.get("build_type"), values.get("build_year"), values.get("opened_year")
        if build is None:
            if year is not None:
                raise excel.RowError(
                    _("say whether the outlet was built new or renovated in that year"), _header("build_type")
                )
            return opened, None
        if year is None:
            raise excel.RowError(_("give the year it was built or renovated"), _header("build_year"))
        if build == Outlet.Build.NEW:
            if opened is not None and opened != year:
                raise excel.RowError(
                    _("a new outlet opened in the year it was built: leave this empty or write %(year)s")
                    % {"year": year},
                    _header("opened_year"),
                )
            return year, None
        return opened, year

    def _check_hub(self, code: str, hub_code: str) -> None:
        if not hub_code:
            return
        column = _header("hub_code")
        if hub_code == code:
            raise excel.RowError(_("an outlet cannot be its own hub"), column)
        if hub_code not in self.visible_codes and hub_code not in self.file_codes:
            raise excel.RowError(
                _("no outlet “%(code)s” that you may see, stored or in an earlier row") % {"code": hub_code},
                column,
            )
        above = hub_code
        for _depth in range(MAX_HUB_DEPTH):
            above = self.hub_of.get(above, "")
            if not above:
                return
            if above == code:
                raise excel.RowError(
                    _("%(hub)s already belongs to this outlet: the hubs would go round in a loop")
                    % {"hub": hub_code},
                    column,
                )
        raise excel.RowError(
            _("the chain of hubs above this one is longer than %(n)s") % {"n": MAX_HUB_DEPTH}, column
        )

    # ---------------------------------------------------------------- rows

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        code = values["code"]
        if len(code) > 32:
            raise excel.RowError(_("at most 32 characters"), _header("code"))
        town = self._town(values["town"])
        region = self._region(town, values.get("village", ""))
        organization = self._operator(values.get("operator", ""))
        hub_code = values.get("hub_code", "")
        self._check_hub(code, hub_code)
        opened, renovated = self._years(values)
        kind = values["kind"]
        stored = code in self.location_of
        creates_location = kind in (Outlet.Kind.CHAIN_STORE, Outlet.Kind.DIRECT_STORE) and not (
            stored and self.location_of[code]
        )
        if creates_location and code in self.location_codes:
            raise excel.RowError(
                _(
                    "A stock location with the code %(code)s already exists: choose it, or give the outlet another code."
                )
                % {"code": code},
                _header("code"),
            )
        longitude, latitude = values.get("longitude"), values.get("latitude")
        if (longitude is None) != (latitude is None):
            raise excel.RowError(_("give both longitude and latitude, or neither"), _header("longitude"))
        cleaned = {
            "code": code,
            "name": values["name"],
            "kind": kind,
            "status": values.get("status") or Outlet.Status.OPERATING.value,
            "region_id": region.pk,
            "address": values.get("address", ""),
            "organization_id": organization.pk,
            "hub_code": hub_code,
            "opened_year": opened,
            "renovated_year": renovated,
            "grade": values.get("grade", ""),
            "grade_status": values.get("grade_status", ""),
            "declared_year": values.get("declared_year"),
            "services": values.get("services", ""),
            "village_ids": self._served(town, _words(values.get("villages", ""))),
            "longitude": longitude,
            "latitude": latitude,
        }
        self._validate(cleaned, region, "build_year" if values.get("build_type") == Outlet.Build.NEW else "")
        self.hub_of[code] = hub_code
        self.file_codes.add(code)
        return cleaned

    def _validate(self, cleaned: dict[str, Any], region: Region, opened_column: str) -> None:
        """The model's own rules (field lengths and choices, years, grade, services) on the row.

        `opened_column` is the column the opening year came from, when not its own.
        """
        columns = FIELD_COLUMNS | ({"opened_year": opened_column} if opened_column else {})
        outlet = self._outlet(cleaned)
        outlet.region = region
        outlet.location_pending = True  # created with the row, or kept from the stored outlet
        try:
            outlet.full_clean(
                exclude=["organization", "region", "hub", "location", "villages"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            problems = [
                (_header(columns.get(field, "code")), message)
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
            if len(problems) == 1:
                raise excel.RowError(problems[0][1], problems[0][0]) from None
            raise excel.RowError(
                "；".join(f"“{column}”：{message}" for column, message in problems)
            ) from None

    @staticmethod
    def _outlet(cleaned: dict[str, Any]) -> Outlet:
        fields = {k: v for k, v in cleaned.items() if k not in ("hub_code", "village_ids")}
        return Outlet(**fields)

    def existing(self, keys: list[tuple[Any, ...]]) -> Mapping[tuple[Any, ...], Outlet]:
        found: dict[tuple[Any, ...], Outlet] = {}
        codes = [key[0] for key in keys]
        for start in range(0, len(codes), 900):
            outlets = (
                Outlet.objects.filter(code__in=codes[start : start + 900])
                .select_related("organization", "hub")
                .prefetch_related("villages")
            )
            for outlet in outlets:
                outlet.hub_code = outlet.hub.code if outlet.hub else ""  # type: ignore[attr-defined]
                outlet.village_ids = tuple(sorted(v.pk for v in outlet.villages.all()))  # type: ignore[attr-defined]
                found[(outlet.code,)] = outlet
        return found

    # ---------------------------------------------------------------- writing

    def create(self, rows: list[dict[str, Any]]) -> None:
        """Row by row in file order, so a hub created by an earlier row is there for the later ones."""
        for values in rows:
            outlet = self._outlet(values)
            outlet.hub_code = values["hub_code"]  # type: ignore[attr-defined]
            outlet.village_ids = values["village_ids"]  # type: ignore[attr-defined]
            self._save(outlet)

    def bulk_update(self, objs: list[Any], fields: Any) -> None:
        for outlet in objs:
            self._save(outlet)

    def _save(self, outlet: Any) -> None:
        hub_code = outlet.hub_code
        outlet.hub_id = Outlet.objects.get(code=hub_code).pk if hub_code else None
        save_outlet(self.user, outlet, outlet.village_ids)

    # ---------------------------------------------------------------- export

    def export_values(self, outlet: Any) -> dict[str, Any]:
        if not hasattr(self, "_town_names"):
            self._town_names = dict(
                Region.objects.filter(level=Region.Level.TOWN).values_list("path", "name")
            )
        region = outlet.region
        town_path = region.path[: 2 * Region.steplen]
        is_village = region.level == Region.Level.VILLAGE
        renovated = outlet.build_type == Outlet.Build.RENOVATED
        return {
            "code": outlet.code,
            "name": outlet.name,
            "kind": outlet.get_kind_display(),
            "status": outlet.get_status_display(),
            "town": self._town_names.get(town_path, "") if is_village else region.name,
            "village": region.name if is_village else "",
            "address": outlet.address,
            "operator": outlet.organization.code,
            "hub_code": outlet.hub.code if outlet.hub_id else "",
            "build_type": outlet.get_build_type_display(),
            "build_year": outlet.build_year,
            "opened_year": outlet.opened_year if renovated else None,
            "grade": outlet.get_grade_display(),
            "grade_status": outlet.get_grade_status_display(),
            "declared_year": outlet.declared_year,
            "services": outlet.service_labels(),
            "villages": "、".join(
                village.name
                if village.path.startswith(town_path)
                else self._town_names.get(village.path[: 2 * Region.steplen], "") + village.name
                for village in sorted(outlet.villages.all(), key=lambda v: v.path)
            ),
            "longitude": outlet.longitude,
            "latitude": outlet.latitude,
        }


def export_queryset(queryset: Any) -> Any:
    """The outlets as the export needs them, hubs before the outlets that name them (so the file imports)."""
    outlets = list(queryset.select_related("region", "organization", "hub").prefetch_related("villages"))
    depth: dict[int, int] = {}
    by_pk = {outlet.pk: outlet for outlet in outlets}

    def level(outlet: Outlet) -> int:
        steps, current = 0, outlet
        while current.hub_id and current.hub_id in by_pk and steps < MAX_HUB_DEPTH:
            steps += 1
            current = by_pk[current.hub_id]
        return steps

    for outlet in outlets:
        depth[outlet.pk] = level(outlet)
    return sorted(outlets, key=lambda o: depth[o.pk])  # stable: keeps the list's order within a level
