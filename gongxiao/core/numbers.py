"""Numbers as people write them: 100 not 1E+2, 2.5 not 2.500."""

from decimal import Decimal


def plain(value: Decimal | int | float | str) -> str:
    number = Decimal(str(value)).normalize()
    text = format(number, "f")
    return "0" if text in ("-0", "") else text
