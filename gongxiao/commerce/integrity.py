"""Checks of the stock ledger for `gongxiao check-integrity`."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from gongxiao.commerce.models import StockBalance, StockMove
from gongxiao.core.integrity import Problems, register

QTY = Decimal("0.001")
CENT = Decimal("0.01")


@register("库存余额等于出入库流水之和")
def stock_balances_match_moves() -> Problems:
    sums = {
        (row["location_id"], row["product_id"], row["batch_id"] or 0): (
            # SQLite sums NUMERIC columns as floating point: round back to the columns' places
            Decimal(row["quantity"]).quantize(QTY),
            Decimal(row["value"]).quantize(CENT),
        )
        for row in StockMove.objects.values("location_id", "product_id", "batch_id").annotate(
            quantity=Sum("quantity"), value=Sum("value")
        )
    }
    problems: Problems = []
    seen = set()
    for balance in StockBalance.objects.select_related("location", "product"):
        key = (balance.location_id, balance.product_id, balance.batch_key)
        seen.add(key)
        quantity, value = sums.get(key, (Decimal("0"), Decimal("0")))
        if balance.quantity != quantity or balance.value != value:
            problems.append(
                f"{balance.location} / {balance.product}：余额 {balance.quantity}（{balance.value} 元），"
                f"流水合计 {quantity}（{value} 元）"
            )
        if balance.quantity < 0:
            problems.append(f"{balance.location} / {balance.product}：库存为负数 {balance.quantity}")
    for key in set(sums) - seen:
        if sums[key][0] != 0:
            problems.append(f"库位 {key[0]} 商品 {key[1]}：有流水合计 {sums[key][0]}，却没有余额行")
    return problems
