"""Distances and travel times for the route planner: great-circle distance times a road factor, or
a distance matrix the user uploads (.xlsx: first row and first column are village codes or names).

Pure Python (no models): the caravan pages build a `planner.Problem` and hand it to the planner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from django.utils.translation import gettext as _

EARTH_RADIUS_KM = 6371.0088
DEFAULT_ROAD_FACTOR = 1.4  # mountain roads: the road is about 1.4 times the straight line
DEFAULT_SPEED_KMH = 35.0
# metres and seconds of an edge a truck may not use: ten days, beyond any shift of a week's plan, yet
# small enough that the solver's penalty for the time it would take cannot overflow
UNREACHABLE = 864_000


@dataclass(frozen=True)
class Issue:
    """One thing wrong with the input, named: `subject` is the village, vehicle or cell concerned."""

    message: str
    subject: str = ""

    def __str__(self) -> str:
        return self.message


class InvalidProblem(ValueError):
    """The input cannot be planned; `issues` says why, one message per village, vehicle or cell."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(issue.message for issue in self.issues))

    @property
    def messages(self) -> list[str]:
        return [issue.message for issue in self.issues]


@dataclass(frozen=True)
class DistanceMatrix:
    """Road distances in km between places named by `labels` (codes or names of depots and villages).

    `km[i][j]` is the distance from `labels[i]` to `labels[j]`; it need not be symmetric.
    """

    labels: tuple[str, ...]
    km: tuple[tuple[float, ...], ...]

    def index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    def problems(self) -> list[Issue]:
        """Shape and values: square, one row and one column per label, no negative or missing value."""
        issues: list[Issue] = []
        seen: set[str] = set()
        for label in self.labels:
            if label in seen:
                issues.append(
                    Issue(_("Distance matrix: “%(label)s” appears twice") % {"label": label}, label)
                )
            seen.add(label)
        if len(self.km) != len(self.labels):
            issues.append(
                Issue(
                    _("Distance matrix: %(rows)s rows for %(labels)s places")
                    % {"rows": len(self.km), "labels": len(self.labels)}
                )
            )
        for label, row in zip(self.labels, self.km, strict=False):
            if len(row) != len(self.labels):
                issues.append(
                    Issue(
                        _("Distance matrix: the row of “%(label)s” has %(n)s values, %(m)s expected")
                        % {"label": label, "n": len(row), "m": len(self.labels)},
                        label,
                    )
                )
                continue
            for other, value in zip(self.labels, row, strict=True):
                if value is None or not isinstance(value, int | float) or math.isnan(value):
                    issues.append(
                        Issue(
                            _("Distance matrix: no distance from “%(a)s” to “%(b)s”")
                            % {"a": label, "b": other},
                            label,
                        )
                    )
                elif value < 0:
                    issues.append(
                        Issue(
                            _("Distance matrix: the distance from “%(a)s” to “%(b)s” is negative (%(value)s)")
                            % {"a": label, "b": other, "value": value},
                            label,
                        )
                    )
        return issues


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    """A depot or a village as the distance code sees it."""

    code: str
    name: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Travel:
    """Whole metres and whole seconds between places (index = position in the `places` given).

    Both the planner and the feasibility checker use these same numbers, so a plan's times and
    distances are checked against exactly what it was planned with.
    """

    metres: np.ndarray
    seconds: np.ndarray

    def km(self, i: int, j: int) -> float:
        return int(self.metres[i, j]) / 1000

    def time(self, i: int, j: int) -> int:
        return int(self.seconds[i, j])


def build_travel(
    places: Sequence[Place],
    *,
    road_factor: float = DEFAULT_ROAD_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    matrix: DistanceMatrix | None = None,
) -> Travel:
    """Metres and seconds between every pair of places: from `matrix` when given (looked up by code,
    then by name), else great-circle times `road_factor`. Call `travel_issues` first: this assumes
    every place can be found and has coordinates."""
    n = len(places)
    km = np.zeros((n, n), dtype=float)
    if matrix is not None:
        where = matrix.index()
        rows = [where[p.code] if p.code in where else where[p.name] for p in places]
        full = np.array(matrix.km, dtype=float)
        km = full[np.ix_(rows, rows)]
        np.fill_diagonal(km, 0.0)
    else:
        lat = np.radians(np.array([p.lat for p in places], dtype=float))
        lon = np.radians(np.array([p.lon for p in places], dtype=float))
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a))) * road_factor
    metres = np.rint(km * 1000).astype(np.int64)
    seconds = np.rint(km / speed_kmh * 3600).astype(np.int64)
    return Travel(metres=metres, seconds=seconds)


def travel_issues(places: Sequence[Place], matrix: DistanceMatrix | None) -> list[Issue]:
    """What stops `build_travel`: a place without coordinates (no matrix), or missing from the matrix."""
    issues: list[Issue] = []
    if matrix is None:
        for place in places:
            if place.lat is None or place.lon is None:
                issues.append(
                    Issue(
                        _(
                            "%(place)s has no coordinates: enter its latitude and longitude or upload a distance matrix"
                        )
                        % {"place": label_of(place)},
                        place.code,
                    )
                )
            elif not (-90 <= place.lat <= 90 and -180 <= place.lon <= 180):
                issues.append(
                    Issue(
                        _("%(place)s: the coordinates (%(lat)s, %(lon)s) are not a latitude and longitude")
                        % {"place": label_of(place), "lat": place.lat, "lon": place.lon},
                        place.code,
                    )
                )
        return issues
    issues.extend(matrix.problems())
    where = matrix.index()
    for place in places:
        if place.code not in where and place.name not in where:
            issues.append(
                Issue(
                    _(
                        "%(place)s is not in the distance matrix (no row and column named “%(code)s” or “%(name)s”)"
                    )
                    % {"place": label_of(place), "code": place.code, "name": place.name or place.code},
                    place.code,
                )
            )
    return issues


def label_of(place: Any) -> str:
    """How a message names a village, depot or vehicle: its name and code."""
    name = getattr(place, "name", "") or ""
    code = getattr(place, "code", "") or ""
    if name and code and name != code:
        return f"{name}（{code}）"
    return name or code


# ------------------------------------------------------------------------------------ .xlsx reader


def _cell_label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_ref(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def read_distance_matrix(file: IO[bytes] | str) -> DistanceMatrix:
    """Read an .xlsx distance matrix (km): the first row names the columns, the first column names the
    rows (village or depot codes or names, the same set in any order); the diagonal may be empty.

    Raises `InvalidProblem` naming each bad cell (B3: ...), label or missing row/column.
    """
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(file, str):
            workbook = CalamineWorkbook.from_path(file)
        else:
            workbook = CalamineWorkbook.from_filelike(file)
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for a file that is not a workbook
        raise InvalidProblem(
            [Issue(_("The distance matrix is not a readable .xlsx file (%(error)s)") % {"error": exc})]
        ) from None
    return matrix_from_rows(rows)


def matrix_from_rows(rows: Sequence[Sequence[Any]]) -> DistanceMatrix:
    """The matrix from a sheet's cells (list of rows); see `read_distance_matrix`."""
    rows = [list(row) for row in rows]
    while rows and all(_cell_label(v) == "" for v in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        raise InvalidProblem(
            [Issue(_("The distance matrix is empty: the first row and column must name the villages"))]
        )
    header = rows[0]
    columns: dict[str, int] = {}
    issues: list[Issue] = []
    for j in range(1, len(header)):
        label = _cell_label(header[j])
        if not label:
            continue
        if label in columns:
            issues.append(
                Issue(
                    _("Distance matrix %(cell)s: column “%(label)s” appears twice")
                    % {"cell": _cell_ref(0, j), "label": label},
                    label,
                )
            )
        columns[label] = j
    row_of: dict[str, int] = {}
    for i in range(1, len(rows)):
        label = _cell_label(rows[i][0] if rows[i] else None)
        if not label:
            if any(_cell_label(v) for v in rows[i][1:]):
                issues.append(
                    Issue(
                        _("Distance matrix row %(row)s has values but no village in column A")
                        % {"row": i + 1}
                    )
                )
            continue
        if label in row_of:
            issues.append(
                Issue(
                    _("Distance matrix %(cell)s: row “%(label)s” appears twice")
                    % {"cell": _cell_ref(i, 0), "label": label},
                    label,
                )
            )
        row_of[label] = i
    for label in columns:
        if label not in row_of:
            issues.append(
                Issue(_("Distance matrix: “%(label)s” has a column but no row") % {"label": label}, label)
            )
    for label in row_of:
        if label not in columns:
            issues.append(
                Issue(_("Distance matrix: “%(label)s” has a row but no column") % {"label": label}, label)
            )
    if issues:
        raise InvalidProblem(issues)
    labels = tuple(row_of)
    km: list[tuple[float, ...]] = []
    for a in labels:
        i = row_of[a]
        values: list[float] = []
        for b in labels:
            j = columns[b]
            raw = rows[i][j] if j < len(rows[i]) else None
            cell = _cell_ref(i, j)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if a == b:
                    values.append(0.0)
                else:
                    issues.append(
                        Issue(
                            _("Distance matrix %(cell)s: no distance from “%(a)s” to “%(b)s”")
                            % {"cell": cell, "a": a, "b": b},
                            a,
                        )
                    )
                    values.append(0.0)
                continue
            try:
                value = float(str(raw).replace(",", "").strip()) if isinstance(raw, str) else float(raw)
            except (TypeError, ValueError):
                issues.append(
                    Issue(
                        _("Distance matrix %(cell)s (“%(a)s” to “%(b)s”): “%(value)s” is not a number of km")
                        % {"cell": cell, "a": a, "b": b, "value": raw},
                        a,
                    )
                )
                values.append(0.0)
                continue
            if isinstance(raw, bool) or math.isnan(value) or math.isinf(value):
                issues.append(
                    Issue(
                        _("Distance matrix %(cell)s (“%(a)s” to “%(b)s”): “%(value)s” is not a number of km")
                        % {"cell": cell, "a": a, "b": b, "value": raw},
                        a,
                    )
                )
            elif value < 0:
                issues.append(
                    Issue(
                        _(
                            "Distance matrix %(cell)s: the distance from “%(a)s” to “%(b)s” is negative (%(value)s)"
                        )
                        % {"cell": cell, "a": a, "b": b, "value": raw},
                        a,
                    )
                )
            values.append(value)
        km.append(tuple(values))
    if issues:
        raise InvalidProblem(issues)
    return DistanceMatrix(labels=labels, km=tuple(km))
