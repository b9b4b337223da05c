import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongxiao.core.testing import make_ric, make_uscc
from gongxiao.core.validators import check_phone, check_resident_id, check_uscc


def test_valid_resident_id_passes():
    import datetime as dt

    number = make_ric(dt.date(1985, 3, 2), 17)
    assert check_resident_id(number.lower()) == number


def test_resident_id_with_wrong_check_digit_is_refused_in_chinese():
    import datetime as dt

    number = make_ric(dt.date(1985, 3, 2), 17)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        check_resident_id(wrong)
    assert "校验位不正确" in exc.value.messages[0]


def test_resident_id_too_short_is_refused():
    with pytest.raises(ValidationError):
        check_resident_id("3303271985")


def test_uscc_check_digit():
    good = make_uscc(42)
    assert check_uscc(good) == good
    with pytest.raises(ValidationError):
        check_uscc(good[:-1] + ("A" if good[-1] != "A" else "B"))


@pytest.mark.parametrize(
    "raw,clean",
    [("138 0013 8000", "13800138000"), ("+8613800138000", "13800138000"), ("0577-68881234", "0577-68881234")],
)
def test_phone_numbers_are_normalized(raw, clean):
    assert check_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12345", "23800138000", "1380013800a", ""])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        check_phone(raw)
