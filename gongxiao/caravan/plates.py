"""Chinese licence plates (GA 36): 浙C12345, new-energy 浙CD12345 / 浙C12345D, trailers 浙C1234挂.

Plates are stored without the separator dot and spaces, letters upper case; pages show 浙C·12345.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Plates use the Latin capitals without I and O (they look like 1 and 0).
_LETTER = "A-HJ-NP-Z"
_CHAR = f"{_LETTER}0-9"
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_CHAR}]{{4}}[{_CHAR}挂学警]$")
# New-energy plates have six characters after the city letter: small vehicles start with D or F
# (then a letter or digit and four digits), large vehicles end with D or F after five digits.
_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][{_LETTER}]([DF][{_CHAR}]\d{{4}}|\d{{5}}[DF])$")
_SEPARATORS = re.compile(r"[\s·•.\-]")


def normalize_plate(value: str) -> str:
    return _SEPARATORS.sub("", value or "").upper()


def check_plate(value: str) -> str:
    """The plate in its stored form, or a ValidationError saying what is wrong in Chinese."""
    plate = normalize_plate(value)
    if not plate:
        raise ValidationError(_("enter the licence plate"), code="required")
    if plate[0] not in PROVINCES:
        raise ValidationError(
            _("a licence plate starts with the province's character, e.g. 浙"), code="invalid"
        )
    if len(plate) not in (7, 8):
        raise ValidationError(
            _("a licence plate has 7 characters (8 for new-energy vehicles), e.g. 浙C12345"), code="invalid"
        )
    pattern = _NEW_ENERGY if len(plate) == 8 else _ORDINARY
    if not pattern.match(plate):
        raise ValidationError(
            _("“%(plate)s” is not a valid licence plate, e.g. 浙C12345 or 浙CD12345") % {"plate": plate},
            code="invalid",
        )
    return plate


def display_plate(plate: str) -> str:
    return f"{plate[:2]}·{plate[2:]}" if len(plate) > 2 else plate
