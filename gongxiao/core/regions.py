"""Finding a county's village from what a person writes in a spreadsheet cell."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongxiao.core.excel import RowError
from gongxiao.core.models import Region


class VillageLookup:
    """A county's villages by 12-digit division code, by name, and by town name + village name.

    Read once per import (every village of the county, with its town's name), then `find` answers
    each row from memory. A name two villages share is refused, asking for the town before it.
    """

    def __init__(self, county_region: Region | None) -> None:
        villages = Region.objects.filter(level=Region.Level.VILLAGE)
        if county_region is not None:
            villages = villages.filter(path__startswith=county_region.path)
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        towns = {t.path: t.name for t in Region.objects.filter(level=Region.Level.TOWN)}
        for village in villages.only("id", "code", "name", "path", "depth"):
            self.by_code[village.code] = village.pk
            self.by_name.setdefault(village.name, []).append(village.pk)
            town = towns.get(village.path[: 2 * village.steplen], "")
            self.by_name.setdefault(town + village.name, []).append(village.pk)

    def find(self, text: str, column: str | None = None) -> int:
        """The village's id; a `RowError` naming `column` (the village column by default) otherwise."""
        column = column if column is not None else str(_("Village"))
        if text in self.by_code:
            return self.by_code[text]
        matches = self.by_name.get(text, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise RowError(
                _("several villages are called “%(name)s”; write the town name before it") % {"name": text},
                column,
            )
        raise RowError(_("no village “%(name)s” in this county") % {"name": text}, column)
