"""The list page engine: filter, search (pinyin initials too), sort, paginate, export to .xlsx.

A list is declared as a `ListPage` subclass; `as_view()` gives a function view that answers the
full page, the htmx table fragment, and `?export=xlsx` with the filtered rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import django_filters
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongxiao.core.excel import ExportColumn, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@dataclass
class ListColumn:
    """A column of the table; `sort` is the ORM field to order by, or '' for unsortable."""

    label: Any
    value: Callable[[Any], Any]
    sort: str = ""
    kind: str = "text"  # text | money | decimal | int | date | badge
    link: bool = False
    export: bool = True
    width: int = 14
    export_value: Callable[[Any], Any] | None = None  # when the file needs more than the page shows


def field_column(name: str, label: Any, kind: str = "text", **kwargs: Any) -> ListColumn:
    def value(obj: Any) -> Any:
        for part in name.split("__"):
            obj = getattr(obj, part, None) if obj is not None else None
        return obj

    return ListColumn(label, value, sort=kwargs.pop("sort", name), kind=kind, **kwargs)


def choice_column(name: str, label: Any, **kwargs: Any) -> ListColumn:
    return ListColumn(label, lambda obj: getattr(obj, f"get_{name}_display")(), sort=name, **kwargs)


def yes_no_filter(label: Any) -> django_filters.ChoiceFilter:
    """A 全部 / 是 / 否 select for a boolean field."""
    return django_filters.ChoiceFilter(
        label=label,
        choices=[("true", _("yes")), ("false", _("no"))],
        empty_label=_("All"),
        method=lambda queryset, name, value: queryset.filter(**{name: value == "true"}),
    )


class ListPage:
    title: ClassVar[Any]
    permission: ClassVar[str]
    template = "core/list.html"
    filterset_class: ClassVar[type[django_filters.FilterSet] | None] = None
    columns: ClassVar[list[ListColumn]]
    default_sort: ClassVar[str] = "-id"
    search_placeholder: ClassVar[Any] = _("Search name, pinyin initials, number")
    create_url: ClassVar[str | None] = None
    import_name: ClassVar[str | None] = None
    create_permission: ClassVar[str | None] = None
    empty_text: ClassVar[Any] = _("Nothing here yet.")
    breadcrumbs: ClassVar[list[tuple[Any, str]]] = []

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.search(text)  # type: ignore[attr-defined]

    def detail_url(self, obj: Any) -> str:
        return obj.get_absolute_url()

    def export_filename(self) -> str:
        return f"{self.title}-{timezone.localdate():%Y%m%d}.xlsx"

    def filtered(self) -> tuple[QuerySet, Any]:
        queryset = self.queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(self.request.GET, queryset=queryset, request=self.request)
            for field in filterset.form.fields.values():
                if hasattr(field, "empty_label"):
                    field.empty_label = _("All")
            queryset = filterset.qs if filterset.is_valid() else queryset.none()
        text = self.request.GET.get("q", "").strip()
        if text:
            queryset = self.search(queryset, text)
        return queryset, filterset

    def ordering(self) -> str:
        sortable = {c.sort for c in self.columns if c.sort}
        wanted = self.request.GET.get("sort", "")
        if wanted.lstrip("-") in sortable:
            return wanted
        return self.default_sort

    def export(self, queryset: QuerySet) -> HttpResponse:
        columns = [
            ExportColumn(c.label, c.export_value or c.value, c.kind if c.kind != "badge" else "text", c.width)
            for c in self.columns
            if c.export
        ]
        return xlsx_response(
            write_xlsx(columns, queryset.iterator(chunk_size=2000), str(self.title)), self.export_filename()
        )

    @classmethod
    def as_view(cls) -> Callable[[HttpRequest], HttpResponse]:
        @login_required
        def view(request: HttpRequest) -> HttpResponse:
            page = cls(request)
            if not request.user.has_perm(cls.permission):
                raise PermissionDenied
            queryset, filterset = page.filtered()
            sort = page.ordering()
            queryset = queryset.order_by(sort, "pk") if sort.lstrip("-") != "pk" else queryset.order_by(sort)
            if request.GET.get("export") == "xlsx":
                return page.export(queryset)
            paginator = Paginator(queryset, settings.LIST_PAGE_SIZE)
            page_obj = paginator.get_page(request.GET.get("page"))
            rows = [
                (obj, [(column, column.value(obj)) for column in cls.columns], page.detail_url(obj))
                for obj in page_obj.object_list
            ]
            query = request.GET.copy()
            query.pop("page", None)
            sort_query = query.copy()
            sort_query.pop("sort", None)
            context = {
                "page": page,
                "title": cls.title,
                "filterset": filterset,
                "columns": cls.columns,
                "rows": rows,
                "page_obj": page_obj,
                "count": paginator.count,
                "sort": sort,
                "query": query.urlencode(),
                "sort_query": sort_query.urlencode(),
                "q": request.GET.get("q", ""),
                "can_create": cls.create_url
                and request.user.has_perm(cls.create_permission or cls.permission),
                "breadcrumbs": cls.breadcrumbs,
            }
            template = "core/_list_table.html" if request.headers.get("HX-Request") else cls.template
            return render(request, template, context)

        view.__name__ = cls.__name__
        return view
