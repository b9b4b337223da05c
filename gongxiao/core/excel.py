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
import operator
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone, translation
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


def choice_parser(choices: Any) -> Callable[[Any], str]:
    """A parser that takes a choice's code or its label (中文 or English): '农户' -> 'household'."""

    def parse(value: Any) -> str:
        text = cell_text(value)
        for code, label in choices:
            if text in (code, str(label)):
                return str(code)
        raise RowError(
            _("must be one of: %(choices)s") % {"choices": "、".join(str(label) for _c, label in choices)}
        )

    return parse


def choice_labels(choices: Any) -> Callable[[], list[str]]:
    """The labels for the template's dropdown, in the language of the template."""
    return lambda: [str(label) for _code, label in choices]


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
    # the same few values fill most rows (kinds, industries, dates): parse each distinct cell value
    # once per import. Only for parsers whose result depends on nothing but the cell value.
    repeats: bool = False

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
    # A file exported by another system (an online mall) has columns the import does not read:
    # True ignores them instead of refusing the file.
    ignores_other_columns: ClassVar[bool] = False

    def __init__(self, user: Any, organization: Any) -> None:
        self.user = user
        self.organization = organization

    @classmethod
    def bind(cls, argument: str) -> type[Importer]:
        """The variant of this importer for one record, registered as "name:argument" (a sales
        channel's own columns); LookupError when there is no such record."""
        raise KeyError(argument)

    # -- hooks for subclasses

    def prepare(self) -> None:
        """Load the lookups the rows need (villages by name, ...), once per import."""

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        """Turn parsed cells into model field values; raise RowError for row-level problems."""
        return values

    def existing(self, keys: list[tuple[Any, ...]]) -> Mapping[tuple[Any, ...], models.Model]:
        """The rows already stored under these natural keys, in the whole county."""
        raise NotImplementedError

    def may_change(self, instance: models.Model) -> bool:
        """May this user overwrite an existing row? Refused rows become row errors."""
        return bool(self.user.can_manage(instance.organization))  # type: ignore[attr-defined]

    def check_existing(self, instance: models.Model, values: dict[str, Any]) -> None:
        """Raise RowError when the stored row may not take the file's values (a confirmed order whose
        quantity the file changes); only `compare_fields` are written, the others are ignored."""

    def check_writes(self, new: list[dict[str, Any]], changed: list[models.Model]) -> list[str]:
        """Problems of the file as a whole, once every row passed (the stock all its orders need)."""
        return []

    def build(self, values: dict[str, Any]) -> models.Model:
        return self.model(**values)

    def create(self, rows: list[dict[str, Any]]) -> None:
        """Write the new rows (cleaned values, in file order): by default `build` + `bulk_create`.

        An importer of many rows can use `insert_rows` instead, which needs no model instances.
        """
        self.bulk_create([self.build(values) for values in rows])

    def bulk_create(self, objs: list[models.Model]) -> None:
        self.model._default_manager.bulk_create(objs, batch_size=1000)

    def bulk_update(self, objs: list[models.Model], fields: Sequence[str]) -> None:
        self.model._default_manager.bulk_update(objs, fields, batch_size=1000)

    # -- the template

    def export_values(self, obj: Any) -> dict[str, Any]:
        """The cells of one stored row, by column field, as the import reads them back."""
        raise NotImplementedError

    def export(self, queryset: Any) -> tuple[bytes, int]:
        """The rows in the template's layout, so that the file can be edited and imported again."""
        with translation.override("zh-hans"):
            columns = [
                ExportColumn(
                    column.header,
                    operator.itemgetter(column.field),
                    "date" if column.parse is parse_date else "text",
                    column.width,
                )
                for column in self.columns
            ]
            rows = [
                dict.fromkeys(c.field for c in self.columns) | self.export_values(obj) for obj in queryset
            ]
            return write_xlsx(columns, rows, str(self.label)), len(rows)

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
                cell = sheet.cell(
                    row=1, column=index, value=str(column.header) + ("*" if column.required else "")
                )
                cell.font = Font(bold=True, color="C00000" if column.required else "000000")
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(horizontal="center")
                sheet.column_dimensions[letter].width = column.width
                sheet.column_dimensions[letter].number_format = "@"
                if column.choices is not None:
                    options = column.choices()
                    if options and len(",".join(options)) < 250:
                        validation = DataValidation(
                            type="list",
                            formula1='"' + ",".join(options) + '"',
                            allow_blank=not column.required,
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


class ImporterRegistry(dict[str, type[Importer]]):
    """Importers by name; "name:argument" is importer `name` bound to one record (`Importer.bind`),
    so that an import job, its confirmation and the command line find a channel's own importer."""

    def __missing__(self, name: str) -> type[Importer]:
        base, colon, argument = name.partition(":")
        if not colon or not dict.__contains__(self, base):
            raise KeyError(name)
        return dict.__getitem__(self, base).bind(argument)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[name]
        except LookupError:
            return default


IMPORTERS: ImporterRegistry = ImporterRegistry()


def register(importer: type[Importer]) -> type[Importer]:
    IMPORTERS[importer.name] = importer
    return importer


def read_rows(file: IO[bytes] | str | list[list[Any]]) -> list[list[Any]]:
    if isinstance(file, list):  # rows already read (a JSON push): header first
        return file
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
            if wanted[text] in mapping.values():
                result.add_error(1, text, _("this column appears twice"))
            mapping[index] = wanted[text]
        elif text and not importer.ignores_other_columns:
            # A column the template does not have would be dropped without a word: refuse it.
            result.add_error(1, text, _("not a column of this template; use the template's column names"))
    present = {column.field for column in mapping.values()}
    for column in importer.columns:
        if column.required and column.field not in present:
            result.add_error(1, str(column.header), _("this required column is missing from the file"))
    return mapping


_UNSEEN = object()


def run_import(
    importer: Importer,
    file: IO[bytes] | str | list[list[Any]],
    *,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row; unless `dry_run` or a row failed, write them all in one transaction.

    The row loop is the hot path of a 100,000-row import (see benchmarks/): it works from a
    precomputed list of the mapped columns, takes text cells that need no parser without a call,
    and keeps each row's natural key so the second pass need not rebuild it.
    """
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
    parsed: list[tuple[int, tuple[Any, ...], dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    key_fields = importer.key_fields
    key_columns = [c for c in importer.columns if c.field in key_fields]
    total = len(rows) - 1
    cells: list[tuple[int, str, Callable[[Any], Any], bool, Column, dict[Any, Any] | None]] = [
        (index, column.field, column.parse, column.required, column, {} if column.repeats else None)
        for index, column in mapping.items()
    ]
    clean_row = importer.clean_row
    add_error = result.add_error
    count = 0
    for number, row in enumerate(islice(rows, 1, None), start=2):
        for cell in row:  # a row of empty cells is skipped, as if it were not there
            if cell is not None and not (isinstance(cell, str) and not cell.strip()):
                break
        else:
            continue
        count += 1
        values: dict[str, Any] = {}
        row_ok = True
        width = len(row)
        for index, name, parse, required, column, parsed_before in cells:
            raw = row[index] if index < width else None
            if raw.__class__ is str:
                text = raw.strip()
                if text and parse is cell_text:  # what cell_text(raw) would give, without the call
                    values[name] = text
                    continue
                blank = not text
            else:
                blank = raw is None or (isinstance(raw, str) and not raw.strip())
            if blank:
                if required:
                    add_error(number, str(column.header), _("this field is required"))
                    row_ok = False
                continue
            if parsed_before is not None:
                seen_as = raw if raw.__class__ is str else (raw.__class__, raw)  # 1, 1.0 and True differ
                value = parsed_before.get(seen_as, _UNSEEN)
                if value is not _UNSEEN:
                    values[name] = value
                    continue
            try:
                value = parse(raw)
            except (RowError, ValidationError, ValueError) as exc:
                add_error(number, str(column.header), _message(exc))
                row_ok = False
                continue
            values[name] = value
            if parsed_before is not None:
                parsed_before[seen_as] = value
        if not row_ok:
            continue
        try:
            cleaned = clean_row(values)
        except (RowError, ValidationError) as exc:
            column_name = exc.column if isinstance(exc, RowError) else ""
            add_error(number, column_name, _message(exc))
            continue
        key = tuple(map(cleaned.__getitem__, key_fields))
        first = seen.setdefault(key, number)
        if first != number:
            add_error(
                number,
                "、".join(str(c.header) for c in key_columns),
                _("the same as row %(row)s of this file") % {"row": first},
            )
            continue
        parsed.append((number, key, cleaned))
        if progress and count % 1000 == 0:
            progress(count, total)
    result.total = count
    if result.total == 0:
        result.add_error(0, "", _("The file has no data rows."))
        return result

    existing = importer.existing(list(seen))
    to_create: list[dict[str, Any]] = []  # cleaned values: `importer.create` makes them rows
    to_update: list[models.Model] = []
    for number, key, cleaned in parsed:
        current = existing.get(key)
        if current is None:
            to_create.append(cleaned)
            continue
        if not importer.may_change(current):
            result.add_error(
                number,
                "、".join(str(c.header) for c in key_columns),
                _("already registered by another organization; ask them or the county office"),
            )
            continue
        try:
            importer.check_existing(current, cleaned)
        except (RowError, ValidationError) as exc:
            add_error(number, exc.column if isinstance(exc, RowError) else "", _message(exc))
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
    if not result.errors:
        for message in importer.check_writes(to_create, to_update):
            add_error(0, "", message)
    result.created = len(to_create)
    result.updated = len(to_update)
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        if to_create:
            importer.create(to_create)
        if to_update:
            importer.bulk_update(to_update, importer.compare_fields)
    result.written = True
    if progress:
        progress(total, total)
    return result


# ---------------------------------------------------------------- fast writes


# Field classes (exactly these, not subclasses) whose get_db_prep_save returns values of these
# types unchanged, on every backend.
_PASSED_AS_IS: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.SmallAutoField: (int,),
}
_HISTORY_WRITTEN = ("history_date", "history_change_reason", "history_type", "history_user_id")


def insert_rows(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    common: dict[str, Any] | None = None,
    history_user: Any = None,
) -> None:
    """Create rows of `model`, and their simple_history "+" rows, without model instances.

    What `bulk_create_with_history(objs, model, default_user=history_user)` writes, for imports of
    100,000 rows, where building the instances and compiling every field of every row to SQL took
    most of the time. Each row is a dict of field attnames (`village_id`, not `village`), the same
    keys in every row; `common` holds values shared by all rows; other fields get their defaults.
    Values reach the database as `get_db_prep_save` makes them (the call is skipped where it
    would change nothing). No save(), no signals, as with bulk_create.

    Primary keys come from the table's own counter, as the database would assign them: the
    sequence on PostgreSQL (the rows then go in by COPY), the AUTOINCREMENT counter on SQLite
    (read inside the transaction, which holds the write lock; a clash would fail, not overwrite).
    The database copies the history rows from the rows just stored (INSERT ... SELECT): the same
    fields, `history_user`, one timestamp for the batch, type "+", no change reason. What this
    does not cover (other databases, psycopg 2, extra history fields, auto_now fields, no history
    user) goes through bulk_create_with_history or bulk_create, 1,000 rows a batch.
    """
    if not rows:
        return
    common = common or {}
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    opts = model._meta
    pk: Any = opts.pk
    fields: list[Any] = [f for f in opts.concrete_fields if f is not pk]
    history_model = _history_model(model)
    fast = (
        connection.vendor in ("sqlite", "postgresql")
        and isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
        and set(rows[0]).union(common) <= {f.attname for f in fields}
        and not any(
            getattr(f, "auto_now", False)
            or getattr(f, "auto_now_add", False)
            or f.generated
            or f.has_db_default()
            for f in fields
        )
        and (history_model is None or (history_user is not None and _plain_history(model, history_model)))
    )
    sequence = None
    if fast and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(opts.db_table), pk.column])
            sequence = cursor.fetchone()[0]
            fast = sequence is not None and hasattr(cursor.cursor, "copy")  # psycopg 3
    if not fast:
        objs = [model(**common, **values) for values in rows]
        if history_model is None:
            model._default_manager.bulk_create(objs, batch_size=1000)
        else:
            from simple_history.utils import bulk_create_with_history

            bulk_create_with_history(objs, model, batch_size=1000, default_user=history_user)
        return

    count = len(rows)
    columns: list[list[Any]] = []
    for f in fields:
        if f.attname in common:
            columns.append(_db_values(f, [common[f.attname]], connection) * count)
            continue
        try:
            values = [values[f.attname] for values in rows]
        except KeyError:
            if f.attname in rows[0]:
                raise ValueError(f"every row must have the same keys; one lacks {f.attname}") from None
            if f.has_default() and callable(f.default):
                values = [f.get_default() for _row in rows]
            else:
                values = [f.get_default()] * count
        columns.append(_db_values(f, values, connection))
    table = quote(opts.db_table)
    names = ", ".join(quote(f.column) for f in [pk, *fields])
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
            ids = sorted(row[0] for row in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                write = copy.write_row
                for record in zip(ids, *columns, strict=True):
                    write(record)
            if ids[-1] - ids[0] + 1 == count:  # every sequence value in between is ours
                where, params = f"{quote(pk.column)} BETWEEN %s AND %s", [ids[0], ids[-1]]
            else:
                where, params = f"{quote(pk.column)} = ANY(%s)", [ids]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
            counter = 0
            if cursor.fetchone():
                cursor.execute("SELECT max(seq) FROM sqlite_sequence WHERE name = %s", [opts.db_table])
                counter = cursor.fetchone()[0] or 0
            cursor.execute(f"SELECT max({quote(pk.column)}) FROM {table}")
            start = max(counter, cursor.fetchone()[0] or 0) + 1
            # Many rows a statement: a quarter faster than executemany into a table with indexes.
            # Run by the sqlite3 cursor itself: Django's would rescan each 20 kB statement for %s.
            width = len(fields) + 1
            batch = max(1, min(500, _sqlite_max_params(connection) // width))
            one = "(" + ", ".join(["?"] * width) + ")"
            for first in range(0, count, batch):
                last = min(first + batch, count)
                chunk = zip(
                    range(start + first, start + last), *(c[first:last] for c in columns), strict=True
                )
                sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * (last - first))}"
                sqlite3.Cursor.execute(cursor.cursor, sql, list(chain.from_iterable(chunk)))
            where, params = f"{quote(pk.column)} BETWEEN %s AND %s", [start, start + count - 1]
        if history_model is None:
            return
        history_opts = history_model._meta
        tracked = [f.attname for f in history_model.tracked_fields]
        targets = [_column(history_opts, name) for name in [*tracked, *_HISTORY_WRITTEN]]
        sources = [_column(opts, name) for name in tracked]
        cursor.execute(
            f"INSERT INTO {quote(history_opts.db_table)} ({', '.join(map(quote, targets))})"
            f" SELECT {', '.join(map(quote, sources))}, %s, %s, %s, %s"
            f" FROM {table} WHERE {where} ORDER BY {quote(pk.column)}",
            [
                history_opts.get_field("history_date").get_db_prep_save(timezone.now(), connection),
                None,
                "+",
                history_user.pk,
                *params,
            ],
        )
        if cursor.rowcount != count:
            raise RuntimeError(f"{cursor.rowcount} history rows written for {count} new {opts.db_table} rows")


def _column(opts: Any, name: str) -> str:
    return str(opts.get_field(name).column)


def _sqlite_max_params(connection: Any) -> int:
    connection.ensure_connection()
    try:
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except AttributeError:  # Python < 3.11
        return int(connection.features.max_query_params)


def _history_model(model: type[models.Model]) -> Any:
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    from simple_history.exceptions import NotHistoricalModelError
    from simple_history.utils import get_history_model_for_model

    try:
        return get_history_model_for_model(model)
    except NotHistoricalModelError:
        return None


def _plain_history(model: type[models.Model], history_model: Any) -> bool:
    """The history model has the model's fields and simple_history's own, nothing else."""
    history_opts = history_model._meta
    tracked = {f.attname for f in history_model.tracked_fields}
    return (
        {f.attname for f in history_opts.concrete_fields} == tracked | {"history_id", *_HISTORY_WRITTEN}
        and history_opts.pk.attname == "history_id"
        and isinstance(history_opts.pk, models.AutoField)
        and tracked <= {f.attname for f in model._meta.concrete_fields}
    )


def _db_values(f: models.Field, values: list[Any], connection: Any) -> list[Any]:
    """`f.get_db_prep_save(value, connection)` of each value, without the calls that change nothing."""
    prepare = f.get_db_prep_save
    target = f
    if type(f) in (models.ForeignKey, models.OneToOneField):
        target = f.target_field  # type: ignore[attr-defined]  # ForeignKey hands values to it
    kind = type(target)
    plain = _PASSED_AS_IS.get(kind)
    if plain is not None:
        if set(map(type, values)) <= {*plain, type(None)}:
            return values
        return [
            value if value is None or type(value) in plain else prepare(value, connection) for value in values
        ]
    if kind is models.DecimalField and type(connection.ops).adapt_decimalfield_value is (
        BaseDatabaseOperations.adapt_decimalfield_value  # no backend change: to_python keeps a finite Decimal
    ):
        return [
            value if value.__class__ is Decimal and value.is_finite() else prepare(value, connection)
            for value in values
        ]
    if kind is models.DateField:  # to_python keeps a date; the backend adapts it
        adapt = connection.ops.adapt_datefield_value
        if set(map(type, values)) <= {dt.date, type(None)}:
            adapted = {value: adapt(value) for value in set(values)}  # the same few dates: once each
            return [adapted[value] for value in values]
    if kind is models.DateTimeField and settings.USE_TZ:
        # to_python keeps an aware datetime (it warns of naive ones only); the backend adapts it
        if all(value.__class__ is dt.datetime and value.tzinfo is not None for value in values):
            adapt = connection.ops.adapt_datetimefield_value
            adapted = {value: adapt(value) for value in set(values)}  # lines of one order share its time
            return [adapted[value] for value in values]
    return [prepare(value, connection) for value in values]


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
