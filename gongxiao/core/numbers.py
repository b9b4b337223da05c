"""Numbers as people write them: 100 not 1E+2, 2.5 not 2.500."""

from decimal import Decimal


def plain(value: Decimal | int | float | str) -> str:
    number = Decimal(str(value)).normalize()
    text = format(number, "f")
    return "0" if text in ("-0", "") else text


def capital_amount(value: Decimal) -> str:
    """An amount in yuan in Chinese capital numerals for receipts and vouchers: 叁佰贰拾元整."""
    import cn2an

    amount = Decimal(value).quantize(Decimal("0.01"))
    words = cn2an.an2cn(str(abs(amount)), "rmb")
    if amount == 0:
        return "零元整"
    return ("负" if amount < 0 else "") + words
