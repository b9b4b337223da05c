"""Formatting of numbers, dates and cells the way ui.md says: 1,234.50, 2023-03-01, 是/否."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def number(value: Any) -> str:
    if value is None or value == "":
        return ""
    value = Decimal(value)
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


@register.filter
def ymd(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


@register.filter
def yesno_zh(value: Any) -> str:
    return _("yes") if value else _("no")


@register.simple_tag
def cell(column: Any, value: Any) -> str:
    kind = column.kind
    if kind == "money":
        return money(value)
    if kind in ("decimal", "int"):
        return number(value)
    if kind in ("date", "datetime"):
        return ymd(value)
    if kind == "bool":
        return yesno_zh(value)
    if kind == "badge":
        return format_html('<span class="badge text-bg-secondary">{}</span>', value)
    return "" if value is None else str(value)


@register.simple_tag
def sort_link(sort_query: str, current: str, field: str) -> str:
    target = f"-{field}" if current == field else field
    prefix = f"{sort_query}&" if sort_query else ""
    return f"?{prefix}sort={target}"


@register.filter
def is_numeric(column: Any) -> bool:
    return column.kind in ("money", "decimal", "int")


@register.filter
def bs(bound_field: Any) -> str:
    """Render a form field's widget with Bootstrap's class and the error state."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type == "checkbox" or widget.__class__.__name__ in ("CheckboxSelectMultiple", "RadioSelect"):
        css = "form-check-input"
    elif (
        input_type == "select"
        or widget.__class__.__name__.endswith("Select")
        or "Select" in widget.__class__.__name__
    ):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if bound_field.field.required and input_type != "checkbox":
        attrs["required"] = "required"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, key) if hasattr(mapping, "get") else key


@register.filter
def percent(value: Any) -> str:
    """0.7 -> 70.0%."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value) * 100:.1f}%"
