"""Members from Excel: 成员类型, 姓名/名称, 证件号码, 手机号, 行政村, 产业, 土地面积(亩)...

A county imports its members 100,000 rows at a time (see benchmarks/), so: the columns whose
values repeat are parsed once per distinct value; resident IDs are checked by stdnum's own steps
with the birth-date and birth-place lookups remembered per import; USCCs and phone numbers
already in their compact form skip the normalising. Whatever these shortcuts do not accept goes
through check_id_number and check_phone as before, so every error and its message is unchanged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as NumberError
from stdnum.util import isdigits

from gongxiao.core import excel
from gongxiao.core.pinyin import initials
from gongxiao.core.regions import VillageLookup
from gongxiao.core.validators import _PHONE, check_phone
from gongxiao.members.models import Member, check_id_number, parse_industries

_PLAIN_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
# a USCC as uscc.compact leaves it: 8 digits, then 10 of the code's alphabet (no I, O, S, V, Z)
_PLAIN_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")
# who gives which number (check_id_number), as plain strings: comparing with enum members costs more
_RESIDENT_ID_KINDS = (Member.Kind.HOUSEHOLD.value, Member.Kind.FAMILY_FARM.value)
_USCC_KINDS = (Member.Kind.COOPERATIVE.value, Member.Kind.ENTERPRISE.value, Member.Kind.FAMILY_FARM.value)


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


@excel.register
class MemberImporter(excel.Importer):
    name = "members"
    label = gettext_lazy("Members")
    model = Member
    permission = "members.add_member"
    key_fields = ("id_number",)
    compare_fields = (
        "kind",
        "name",
        "pinyin",
        "phone",
        "village_id",
        "address",
        "industries",
        "land_area_mu",
        "joined_on",
    )
    columns = [
        excel.Column(
            gettext_lazy("Member kind"),
            "kind",
            True,
            excel.choice_parser(Member.Kind.choices),
            excel.choice_labels(Member.Kind.choices),
            12,
            repeats=True,
        ),
        excel.Column(gettext_lazy("Member name"), "name", True, width=16),
        excel.Column(
            gettext_lazy("ID number"),
            "id_number",
            True,
            width=22,
            help=gettext_lazy(
                "Resident ID for households, unified social credit code for cooperatives and enterprises; enter as text"
            ),
        ),
        excel.Column(gettext_lazy("Phone"), "phone", True, width=14),
        excel.Column(
            gettext_lazy("Village"),
            "village",
            True,
            width=16,
            help=gettext_lazy(
                "Village name, or town name + village name when two villages share a name, or the 12-digit division code"
            ),
        ),
        excel.Column(gettext_lazy("Address"), "address", width=24),
        excel.Column(
            gettext_lazy("Industries"),
            "industries",
            parse=_industries,
            width=16,
            repeats=True,
            help=gettext_lazy("Several separated by 、 for example 粮食、茶叶"),
        ),
        excel.Column(gettext_lazy("Land area (mu)"), "land_area_mu", parse=_land, width=12, repeats=True),
        excel.Column(gettext_lazy("Joined on"), "joined_on", parse=excel.parse_date, width=12, repeats=True),
    ]

    def export_values(self, member: Any) -> dict[str, Any]:
        town = getattr(member, "town_name", None)
        return {
            "kind": member.get_kind_display(),
            "name": member.name,
            "id_number": member.id_number,
            "phone": member.phone,
            "village": (town or "") + member.village.name if town else member.village.code,
            "address": member.address,
            "industries": member.industry_labels(),
            "land_area_mu": member.land_area_mu,
            "joined_on": member.joined_on,
        }

    def prepare(self) -> None:
        county = self.organization.county
        self.county = county
        self.villages = VillageLookup(county.region if county.region_id else None)
        self._birth_dates: dict[str, bool] = {}
        self._birth_places: dict[tuple[str, str], bool] = {}

    def _resident_id(self, value: str) -> str | None:
        """The number if `ric.validate(value)` accepts it, else None (check_id_number then says why).

        ric.validate's own steps through stdnum's public functions; only the two that do not depend
        on the whole number are remembered for the rest of the import: whether the birth date
        (digits 7-14) is a date, and whether the region (digits 1-6) existed in the birth year,
        which takes validate a search of stdnum's region database each time.
        """
        if _PLAIN_RESIDENT_ID.fullmatch(value):
            number = value  # no separators, no whitespace, upper case: already what ric.compact gives
        else:
            number = ric.compact(value)
            if len(number) != 18 or not isdigits(number[:-1]):
                return None
        if number[-1] != ric.calc_check_digit(number):
            return None
        date_ok = self._birth_dates.get(number[6:14])
        if date_ok is None:
            date_ok = self._birth_dates[number[6:14]] = _accepts(ric.get_birth_date, number)
        if not date_ok:
            return None
        place = (number[:6], number[6:10])
        place_ok = self._birth_places.get(place)
        if place_ok is None:
            place_ok = self._birth_places[place] = _accepts(ric.get_birth_place, number)
        return number if place_ok else None

    def _id_number(self, kind: str, raw: str) -> str:
        """What check_id_number(kind, raw) returns; what it would refuse goes to it for the message."""
        value = (raw or "").strip().upper()
        if kind in _RESIDENT_ID_KINDS:  # households; family farms try the resident ID first
            number = self._resident_id(value)
            if number is not None:
                return number
        if kind in _USCC_KINDS and _PLAIN_USCC.fullmatch(value) and value[-1] == uscc.calc_check_digit(value):
            return value  # what uscc.validate checks: length, digits, alphabet, check digit
        return check_id_number(kind, raw)

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        try:
            id_number = self._id_number(values["kind"], values["id_number"])
        except ValidationError as exc:
            raise excel.RowError(exc.messages[0], str(_("ID number"))) from None
        phone = values["phone"]
        try:
            if not _PHONE.fullmatch(phone):  # check_phone returns a number that matches whole as it is
                phone = check_phone(phone)
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
            "village_id": self.villages.find(values["village"]),
            "address": values.get("address", "")[:200],
            "industries": values.get("industries", ""),
            "land_area_mu": values.get("land_area_mu", Decimal("0.00")),
            "joined_on": values.get("joined_on"),
        }

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Member]:
        found: dict[tuple[Any, ...], Member] = {}
        numbers = [key[0] for key in keys]
        if len(numbers) > 2000:  # one pass over the county's ID numbers beats a hundred IN queries
            stored = set(Member.objects.filter(county=self.county).values_list("id_number", flat=True))
            numbers = [number for number in numbers if number in stored]
        for start in range(0, len(numbers), 900):
            chunk = numbers[start : start + 900]
            for member in Member.objects.filter(county=self.county, id_number__in=chunk).select_related(
                "organization"
            ):
                found[(member.id_number,)] = member
        return found

    def build(self, values: dict[str, Any]) -> Member:
        return Member(organization=self.organization, county=self.county, **values)

    def create(self, rows: list[dict[str, Any]]) -> None:
        """The new members and their history rows, as bulk_create_with_history would write them."""
        common = {"organization_id": self.organization.pk, "county_id": self.county.pk}
        excel.insert_rows(Member, rows, common=common, history_user=self.user)

    def bulk_create(self, objs: list[Any]) -> None:
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(objs, Member, batch_size=1000, default_user=self.user)

    def bulk_update(self, objs: list[Any], fields: Any) -> None:
        from simple_history.utils import bulk_update_with_history

        bulk_update_with_history(objs, Member, list(fields), batch_size=1000, default_user=self.user)


def _accepts(check: Any, number: str) -> bool:
    try:
        check(number)
    except NumberError:
        return False
    return True
