"""The sales counter's cart, kept in the clerk's session per store until checkout, and its payment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from gongxiao.commerce.actions import LineSpec, PaymentSpec
from gongxiao.commerce.models import Package, Payment, Product

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")


@dataclass
class CartLine:
    product: Product
    package: Package | None
    quantity: Decimal  # in packages when a package is chosen, else in base units
    price: Decimal  # per package when a package is chosen, else per base unit

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.price).quantize(CENT, ROUND_HALF_UP)

    @property
    def unit_label(self) -> str:
        return self.package.name if self.package else str(self.product.get_base_unit_display())

    def spec(self) -> LineSpec:
        if self.package is not None:
            base_price = (self.price / self.package.factor).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            return LineSpec(
                self.product, package=self.package, package_quantity=self.quantity, unit_price=base_price
            )
        return LineSpec(self.product, self.quantity, unit_price=self.price)


class Cart:
    def __init__(self, session: Any, outlet_id: int) -> None:
        self.session = session
        self.key = f"counter-cart-{outlet_id}"

    def _raw(self) -> list[dict[str, str]]:
        return list(self.session.get(self.key, []))

    def _save(self, raw: list[dict[str, str]]) -> None:
        self.session[self.key] = raw
        self.session.modified = True

    def lines(self, products: Any) -> list[CartLine]:
        raw = self._raw()
        by_id = {p.pk: p for p in products.filter(pk__in=[int(r["product"]) for r in raw])}
        packages = {
            p.pk: p for p in Package.objects.filter(pk__in=[int(r["package"]) for r in raw if r["package"]])
        }
        lines = []
        for row in raw:
            product = by_id.get(int(row["product"]))
            if product is None:
                continue  # no longer visible or no longer sold: it drops out of the cart
            package = packages.get(int(row["package"])) if row["package"] else None
            lines.append(CartLine(product, package, Decimal(row["quantity"]), Decimal(row["price"])))
        return lines

    def add(self, product: Product, package: Package | None) -> None:
        raw = self._raw()
        package_id = str(package.pk) if package else ""
        for row in raw:
            if row["product"] == str(product.pk) and row["package"] == package_id:
                row["quantity"] = str(Decimal(row["quantity"]) + 1)
                self._save(raw)
                return
        price = product.price * package.factor if package else product.price
        raw.append(
            {
                "product": str(product.pk),
                "package": package_id,
                "quantity": "1",
                "price": str(price.quantize(CENT)),
            }
        )
        self._save(raw)

    def set_quantity(self, index: int, text: str) -> bool:
        raw = self._raw()
        try:
            quantity = Decimal(text)
        except InvalidOperation:
            return False
        if not 0 <= index < len(raw) or quantity <= 0 or quantity != quantity.quantize(Decimal("0.001")):
            return False
        raw[index]["quantity"] = str(quantity)
        self._save(raw)
        return True

    def remove(self, index: int) -> None:
        raw = self._raw()
        if 0 <= index < len(raw):
            raw.pop(index)
            self._save(raw)

    def clear(self) -> None:
        self.session.pop(self.key, None)
        self.session.modified = True


def payments_from(posted: Any, total: Decimal, member: Any) -> tuple[list[PaymentSpec], list[str]]:
    """The payments of a checkout as the clerk entered them, or the refusals naming the field.

    With no split amount (``pay_<method>``) the whole total is paid by ``method``; with amounts,
    they are the payments and must add up to the total. Credit (赊销) is only for a member.
    """
    labels = dict(Payment.Method.choices)
    errors: list[str] = []
    amounts: dict[str, Decimal] = {}
    for method in Payment.Method.values:
        text = (posted.get(f"pay_{method}") or "").strip().replace(",", "")
        if not text:
            continue
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not (amount.is_finite() and abs(amount) < MAX_AMOUNT and amount == amount.quantize(CENT)):
            errors.append(
                _("“%(method)s”: enter an amount in yuan such as 120.50") % {"method": labels[method]}
            )
        elif amount < 0:
            errors.append(_("“%(method)s”: the amount must not be negative") % {"method": labels[method]})
        elif amount > 0:
            amounts[method] = amount
    split = any((posted.get(f"pay_{method}") or "").strip() for method in Payment.Method.values)
    if not split:
        method = posted.get("method") or Payment.Method.CASH
        if method not in labels:
            return [], [_("“Payment method”: choose one of the list")]
        amounts = {method: total} if total > 0 else {}
    elif not errors:
        paid = sum(amounts.values(), Decimal("0"))
        if paid != total:
            errors.append(
                _("“Payment”: %(paid)s yuan paid, the document totals %(total)s yuan")
                % {"paid": paid.quantize(CENT), "total": total}
            )
    if Payment.Method.CREDIT in amounts and member is None:
        errors.append(
            _("“%(method)s”: only a member may buy on credit; look the member up first")
            % {"method": labels[Payment.Method.CREDIT]}
        )
    if errors:
        return [], errors
    return [PaymentSpec(method, amount) for method, amount in amounts.items()], []
