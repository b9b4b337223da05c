"""Members from Excel: 成员类型, 姓名/名称, 证件号码, 手机号, 行政村, 产业, 土地面积(亩)..."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.core import excel
from gongxiao.core.models import Region
from gongxiao.core.pinyin import initials
from gongxiao.core.validators import check_phone
from gongxiao.members.models import Member, check_id_number, parse_industries


def _kind(value: Any) -> str:
    text = excel.cell_text(value)
    for code, label in Member.Kind.choices:
        if text in (code, str(label)):
            return code
    raise excel.RowError(_("must be one of: %(choices)s") % {"choices": "、".join(str(lb) for _c, lb in Member.Kind.choices)})


def _industries(value: Any) -> str:
    try:
        return ",".join(parse_industries(excel.cell_text(value)))
    except ValueError as exc:
        raise excel.RowError(_("unknown industry “%(word)s”") % {"word": exc.args[0]}) from None


def _land(value: Any) -> Decimal:
    area = excel.parse_decimal(value, 2)
    if area < 0:
        raise excel.RowError(_("must not be negative"))
    return area


def _kind_labels() -> list[str]:
    return [str(label) for _code, label in Member.Kind.choices]


@excel.register
class MemberImporter(excel.Importer):
    name = "members"
    label = gettext_lazy("Members")
    model = Member
    permission = "members.add_member"
    key_fields = ("id_number",)
    compare_fields = (
        "kind", "name", "pinyin", "phone", "village_id", "address", "industries", "land_area_mu", "joined_on",
    )
    columns = [
        excel.Column(gettext_lazy("Member kind"), "kind", True, _kind, _kind_labels, 12),
        excel.Column(gettext_lazy("Member name"), "name", True, width=16),
        excel.Column(
            gettext_lazy("ID number"), "id_number", True, width=22,
            help=gettext_lazy("Resident ID for households, unified social credit code for cooperatives and enterprises; enter as text"),
        ),
        excel.Column(gettext_lazy("Phone"), "phone", True, width=14),
        excel.Column(
            gettext_lazy("Village"), "village", True, width=16,
            help=gettext_lazy("Village name, or town name + village name when two villages share a name, or the 12-digit division code"),
        ),
        excel.Column(gettext_lazy("Address"), "address", width=24),
        excel.Column(
            gettext_lazy("Industries"), "industries", parse=_industries, width=16,
            help=gettext_lazy("Several separated by 、 for example 粮食、茶叶"),
        ),
        excel.Column(gettext_lazy("Land area (mu)"), "land_area_mu", parse=_land, width=12),
        excel.Column(gettext_lazy("Joined on"), "joined_on", parse=excel.parse_date, width=12),
    ]

    def prepare(self) -> None:
        county = self.organization.county
        self.county = county
        villages = Region.objects.filter(level=Region.Level.VILLAGE)
        if county.region_id:
            villages = villages.filter(path__startswith=county.region.path)
        self.villages_by_code: dict[str, int] = {}
        self.villages_by_name: dict[str, list[int]] = {}
        towns = {t.path: t.name for t in Region.objects.filter(level=Region.Level.TOWN)}
        for village in villages.only("id", "code", "name", "path", "depth"):
            self.villages_by_code[village.code] = village.pk
            self.villages_by_name.setdefault(village.name, []).append(village.pk)
            town = towns.get(village.path[: 2 * village.steplen], "")
            self.villages_by_name.setdefault(town + village.name, []).append(village.pk)

    def _village(self, text: str) -> int:
        if text in self.villages_by_code:
            return self.villages_by_code[text]
        matches = self.villages_by_name.get(text, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise excel.RowError(_("several villages are called “%(name)s”; write the town name before it") % {"name": text}, str(_("Village")))
        raise excel.RowError(_("no village “%(name)s” in this county") % {"name": text}, str(_("Village")))

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        try:
            id_number = check_id_number(values["kind"], values["id_number"])
        except ValidationError as exc:
            raise excel.RowError(exc.messages[0], str(_("ID number"))) from None
        try:
            phone = check_phone(values["phone"])
        except ValidationError as exc:
            raise excel.RowError(exc.messages[0], str(_("Phone"))) from None
        name = values["name"]
        if len(name) > 100:
            raise excel.RowError(_("at most 100 characters"), str(_("Member name")))
        return {
            "kind": values["kind"],
            "name": name,
            "pinyin": initials(name),
            "id_number": id_number,
            "phone": phone,
            "village_id": self._village(values["village"]),
            "address": values.get("address", "")[:200],
            "industries": values.get("industries", ""),
            "land_area_mu": values.get("land_area_mu", Decimal("0.00")),
            "joined_on": values.get("joined_on"),
        }

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Member]:
        found: dict[tuple[Any, ...], Member] = {}
        numbers = [key[0] for key in keys]
        for start in range(0, len(numbers), 900):
            chunk = numbers[start : start + 900]
            for member in Member.objects.filter(county=self.county, id_number__in=chunk).select_related("organization"):
                found[(member.id_number,)] = member
        return found

    def build(self, values: dict[str, Any]) -> Member:
        return Member(organization=self.organization, county=self.county, **values)

    def bulk_create(self, objs: list[Any]) -> None:
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(objs, Member, batch_size=1000, default_user=self.user)

    def bulk_update(self, objs: list[Any], fields: Any) -> None:
        from simple_history.utils import bulk_update_with_history

        bulk_update_with_history(objs, Member, list(fields), batch_size=1000, default_user=self.user)

