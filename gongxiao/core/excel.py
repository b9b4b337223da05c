"""The Excel engine every module uses: export lists, write import templates, import with a dry run.

An import is declared once as an `Importer` subclass: its columns (Chinese headers, parsers,
choices), the natural key that makes re-importing the same file change nothing, and how a
parsed row becomes a model row. `run_import` reads the file with python-calamine, checks every
row and reports each failure with its row number, column and a Chinese message; it writes
only when no row failed, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MONEY_FORMAT = "#,##0.00"
DECIMAL_FORMAT = "#,##0.00##"
DATE_FORMAT = "yyyy-mm-dd"


class RowError(Exception):
    """A failure of one cell or one row, raised by parsers and `Importer.clean_row`."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# ---------------------------------------------------------------- cell parsers


def cell_text(value: Any) -> str:
    """Calamine gives numbers as float: 13800000000.0 must read back as '13800000000'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_decimal(value: Any, places: int = 2) -> Decimal:
    if isinstance(value, bool):
        raise RowError(_("must be a number"))
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = cell_text(value).replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise RowError(_("must be a number")) from None
    if not number.is_finite():
        raise RowError(_("must be a number"))
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise RowError(_("at most %(places)d decimal places") % {"places": places})
    return number.quantize(quantum)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value).replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowError(_("must be a date like 2023-03-01"))


def parse_bool(value: Any) -> bool:
    text = cell_text(value).lower()
    if text in ("是", "y", "yes", "true", "1", "√"):
        return True
    if text in ("否", "n", "no", "false", "0", ""):
        return False
    raise RowError(_("must be 是 or 否"))


# ---------------------------------------------------------------- export


@dataclass
class ExportColumn:
    header: Any
    value: Callable[[Any], Any]
    kind: str = "text"  # text | money | decimal | int | date
    width: int = 14


def write_xlsx(columns: Sequence[ExportColumn], rows: Iterable[Any], title: str = "Sheet1") -> bytes:
    """A list as .xlsx: Chinese headers, frozen header row, widths, numbers as numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header_font = Font(bold=True)
    header_row = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = header_font
        cell.fill = HEADER_FILL
        header_row.append(cell)
    sheet.append(header_row)
    formats = {"money": MONEY_FORMAT, "decimal": DECIMAL_FORMAT, "date": DATE_FORMAT}
    for row in rows:
        out = []
        for column in columns:
            value = column.value(row)
            if column.kind in formats and value is not None and value != "":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = formats[column.kind]
                out.append(cell)
            else:
                out.append(value if value is not None else "")
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- import


@dataclass
class Column:
    """One column of an import file."""

    header: Any
    field: str
    required: bool = False
    parse: Callable[[Any], Any] = cell_text
    choices: Callable[[], list[str]] | None = None
    width: int = 14
    help: Any = ""

    def labels(self) -> set[str]:
        names = {str(self.header)}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(self.header))
        return names


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        lines = []
        for error in self.errors:
            if error["row"] and error["column"]:
                lines.append(
                    _("Row %(row)s “%(column)s”: %(message)s")
                    % {"row": error["row"], "column": error["column"], "message": error["message"]}
                )
            elif error["row"]:
                lines.append(_("Row %(row)s: %(message)s") % error)
            else:
                lines.append(error["message"])
        return lines


class Importer:
    """Subclass per importable entity and register it with `register`."""

    name: ClassVar[str]
    label: ClassVar[Any]
    model: ClassVar[type[models.Model]]
    permission: ClassVar[str]
    columns: ClassVar[list[Column]]
    key_fields: ClassVar[tuple[str, ...]]
    compare_fields: ClassVar[tuple[str, ...]]

    def __init__(self, user: Any, organization: Any) -> None:
        self.user = user
        self.organization = organization

    # -- hooks for subclasses

    def prepare(self) -> None:
        """Load the lookups the rows need (villages by name, ...), once per import."""

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        """Turn parsed cells into model field values; raise RowError for row-level problems."""
        return values

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], models.Model]:
        """The rows already stored under these natural keys, in the whole county."""
        raise NotImplementedError

    def may_change(self, instance: models.Model) -> bool:
        """May this user overwrite an existing row? Refused rows become row errors."""
        return bool(self.user.can_manage(instance.organization))  # type: ignore[attr-defined]

    def build(self, values: dict[str, Any]) -> models.Model:
        return self.model(**values)

    def bulk_create(self, objs: list[models.Model]) -> None:
        self.model._default_manager.bulk_create(objs, batch_size=1000)

    def bulk_update(self, objs: list[models.Model], fields: Sequence[str]) -> None:
        self.model._default_manager.bulk_update(objs, fields, batch_size=1000)

    # -- the template

    def template(self) -> bytes:
        with translation.override("zh-hans"):
            workbook = Workbook()
            sheet = workbook.active
            sheet.title = str(self.label)[:31]
            sheet.freeze_panes = "A2"
            notes = workbook.create_sheet(_("Instructions"))
            notes.append([_("Column"), _("Required"), _("Rule")])
            for index, column in enumerate(self.columns, start=1):
                letter = get_column_letter(index)
                cell = sheet.cell(row=1, column=index, value=str(column.header) + ("*" if column.required else ""))
                cell.font = Font(bold=True, color="C00000" if column.required else "000000")
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(horizontal="center")
                sheet.column_dimensions[letter].width = column.width
                sheet.column_dimensions[letter].number_format = "@"
                if column.choices is not None:
                    options = column.choices()
                    if options and len(",".join(options)) < 250:
                        validation = DataValidation(
                            type="list", formula1='"' + ",".join(options) + '"', allow_blank=not column.required
                        )
                        validation.error = _("Choose a value from the list")
                        validation.add(f"{letter}2:{letter}5000")
                        sheet.add_data_validation(validation)
                notes.append([str(column.header), _("yes") if column.required else "", str(column.help)])
            notes.column_dimensions["A"].width = 18
            notes.column_dimensions["C"].width = 80
            buffer = io.BytesIO()
            workbook.save(buffer)
            return buffer.getvalue()


IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    IMPORTERS[importer.name] = importer
    return importer


def read_rows(file: IO[bytes] | str) -> list[list[Any]]:
    if isinstance(file, str):
        workbook = CalamineWorkbook.from_path(file)
    else:
        workbook = CalamineWorkbook.from_filelike(file)
    return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)


def _header_map(importer: Importer, header: list[Any], result: ImportResult) -> dict[int, Column]:
    wanted: dict[str, Column] = {}
    for column in importer.columns:
        for label in column.labels():
            wanted[label] = column
    mapping: dict[int, Column] = {}
    for index, cell in enumerate(header):
        text = cell_text(cell).rstrip("*").strip()
        if text in wanted:
            mapping[index] = wanted[text]
    present = {column.field for column in mapping.values()}
    for column in importer.columns:
        if column.required and column.field not in present:
            result.add_error(1, str(column.header), _("this required column is missing from the file"))
    return mapping


def run_import(
    importer: Importer,
    file: IO[bytes] | str,
    *,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row; unless `dry_run` or a row failed, write them all in one transaction."""
    result = ImportResult()
    try:
        rows = read_rows(file)
    except Exception:
        result.add_error(0, "", _("The file could not be read as an Excel workbook (.xlsx)."))
        return result
    if not rows:
        result.add_error(0, "", _("The file is empty."))
        return result
    mapping = _header_map(importer, rows[0], result)
    if result.errors:
        return result
    importer.prepare()
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    key_columns = [c for c in importer.columns if c.field in importer.key_fields]
    total = len(rows) - 1
    for number, row in enumerate(_data_rows(rows), start=2):
        if row is None:
            continue
        result.total += 1
        values: dict[str, Any] = {}
        row_ok = True
        for index, column in mapping.items():
            raw = row[index] if index < len(row) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if column.required:
                    result.add_error(number, str(column.header), _("this field is required"))
                    row_ok = False
                continue
            try:
                values[column.field] = column.parse(raw)
            except (RowError, ValidationError, ValueError) as exc:
                result.add_error(number, str(column.header), _message(exc))
                row_ok = False
        if not row_ok:
            continue
        try:
            cleaned = importer.clean_row(values)
        except (RowError, ValidationError) as exc:
            column_name = exc.column if isinstance(exc, RowError) else ""
            result.add_error(number, column_name, _message(exc))
            continue
        key = tuple(cleaned[name] for name in importer.key_fields)
        if key in seen:
            result.add_error(
                number,
                "、".join(str(c.header) for c in key_columns),
                _("the same as row %(row)s of this file") % {"row": seen[key]},
            )
            continue
        seen[key] = number
        parsed.append((number, cleaned))
        if progress and result.total % 1000 == 0:
            progress(result.total, total)
    if result.total == 0:
        result.add_error(0, "", _("The file has no data rows."))
        return result

    existing = importer.existing(list(seen))
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    for number, cleaned in parsed:
        key = tuple(cleaned[name] for name in importer.key_fields)
        current = existing.get(key)
        if current is None:
            to_create.append(importer.build(cleaned))
            continue
        if not importer.may_change(current):
            result.add_error(
                number,
                "、".join(str(c.header) for c in key_columns),
                _("already registered by another organization; ask them or the county office"),
            )
            continue
        changed = False
        for name in importer.compare_fields:
            if name in cleaned and getattr(current, name) != cleaned[name]:
                setattr(current, name, cleaned[name])
                changed = True
        if changed:
            to_update.append(current)
        else:
            result.unchanged += 1
    result.created = len(to_create)
    result.updated = len(to_update)
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        if to_create:
            importer.bulk_create(to_create)
        if to_update:
            importer.bulk_update(to_update, importer.compare_fields)
    result.written = True
    if progress:
        progress(total, total)
    return result


def _data_rows(rows: list[list[Any]]) -> Iterator[list[Any] | None]:
    for row in rows[1:]:
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row):
            yield None
        else:
            yield row


def _message(exc: Exception) -> str:
    if isinstance(exc, RowError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc)


def error_workbook(result: ImportResult) -> bytes:
    """The errors of an import as .xlsx: row, column, message."""
    columns = [
        ExportColumn(_("Row"), lambda e: e["row"] or "", "int", 8),
        ExportColumn(_("Column"), lambda e: e["column"], "text", 18),
        ExportColumn(_("Problem"), lambda e: e["message"], "text", 70),
    ]
    return write_xlsx(columns, result.errors, title=_("Errors"))
