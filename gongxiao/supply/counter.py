"""The sales counter's cart, kept in the clerk's session per store until checkout."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from gongxiao.commerce.actions import LineSpec
from gongxiao.commerce.models import Package, Product

CENT = Decimal("0.01")


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
