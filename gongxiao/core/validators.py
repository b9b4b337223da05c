"""Checks of Chinese identifiers, shared by forms, the API and the Excel importers.

Each `check_*` function returns the cleaned value or raises ValidationError with a Chinese
message that says what is wrong; the check digits come from python-stdnum.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_DIVISION = re.compile(r"^\d{12}$")


def _stdnum_message(exc: Exception, what: str) -> str:
    if isinstance(exc, stdnum_exceptions.InvalidChecksum):
        return _("the check digit of the %(what)s is wrong, please check it") % {"what": what}
    if isinstance(exc, stdnum_exceptions.InvalidLength):
        return _("the %(what)s has the wrong number of characters") % {"what": what}
    if isinstance(exc, stdnum_exceptions.InvalidComponent):
        return _("the %(what)s contains an invalid date or region") % {"what": what}
    return _("the %(what)s is not valid") % {"what": what}


def check_resident_id(value: str) -> str:
    try:
        return str(ric.validate(value))
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_stdnum_message(exc, _("resident ID number")), code="invalid") from None


def check_uscc(value: str) -> str:
    try:
        return str(uscc.validate(value))
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_stdnum_message(exc, _("unified social credit code")), code="invalid") from None


def check_phone(value: str) -> str:
    compact = re.sub(r"[\s()（）]", "", value or "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if not _PHONE.match(compact):
        raise ValidationError(
            _("the phone number must be an 11-digit mobile number or a landline with its area code"),
            code="invalid",
        )
    return compact


def validate_resident_id(value: str) -> None:
    check_resident_id(value)


def validate_uscc(value: str) -> None:
    check_uscc(value)


def validate_phone(value: str) -> None:
    check_phone(value)


def validate_division_code(value: str) -> None:
    if not _DIVISION.match(value or ""):
        raise ValidationError(_("the division code must be 12 digits"), code="invalid")
