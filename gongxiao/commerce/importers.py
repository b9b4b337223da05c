"""Products from Excel: the catalog of a company or a coop, with one package unit per product."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.commerce.models import Business, Category, Package, Product, Unit
from gongxiao.core import excel
from gongxiao.core.numbers import plain
from gongxiao.core.pinyin import initials


def _tax_rate(value: Any) -> Decimal:
    text = excel.cell_text(value).rstrip("%")
    rate = excel.parse_decimal(text, 4)
    if rate >= 1:
        rate = rate / 100
    if not Decimal("0") <= rate < 1:
        raise excel.RowError(_("must be a rate such as 0.09 (9 per cent)"))
    return rate.quantize(Decimal("0.0001"))


def _non_negative(places: int) -> Any:
    def parse(value: Any) -> Decimal:
        number = excel.parse_decimal(value, places)
        if number < 0:
            raise excel.RowError(_("must not be negative"))
        return number

    return parse


def _days(value: Any) -> int:
    number = excel.parse_decimal(value, 0)
    if number < 0:
        raise excel.RowError(_("must not be negative"))
    return int(number)


@excel.register
class ProductImporter(excel.Importer):
    name = "products"
    label = gettext_lazy("Products")
    model = Product
    permission = "commerce.add_product"
    key_fields = ("code",)
    compare_fields = (
        "name",
        "pinyin",
        "specification",
        "business",
        "category",
        "base_unit",
        "barcode",
        "brand",
        "manufacturer",
        "price",
        "tax_rate",
        "registration_no",
        "is_restricted",
        "is_banned",
        "shelf_life_days",
        "tracks_batches",
        "package_spec",
    )
    columns = [
        excel.Column(gettext_lazy("product code"), "code", True, width=12),
        excel.Column(gettext_lazy("product name"), "name", True, width=20),
        excel.Column(gettext_lazy("specification"), "specification", width=14),
        excel.Column(
            gettext_lazy("main business"),
            "business",
            True,
            excel.choice_parser(Business.choices),
            excel.choice_labels(Business.choices),
            12,
            repeats=True,
        ),
        excel.Column(
            gettext_lazy("category"),
            "category",
            True,
            excel.choice_parser(Category.choices),
            excel.choice_labels(Category.choices),
            12,
            repeats=True,
        ),
        excel.Column(
            gettext_lazy("base unit"),
            "base_unit",
            True,
            excel.choice_parser(Unit.choices),
            excel.choice_labels(Unit.choices),
            8,
            repeats=True,
        ),
        excel.Column(
            gettext_lazy("package name"),
            "package_name",
            width=8,
            help=gettext_lazy("for example 袋 or 箱; leave empty if sold by the base unit"),
        ),
        excel.Column(
            gettext_lazy("base units per package"), "package_factor", parse=_non_negative(3), width=10
        ),
        excel.Column(gettext_lazy("barcode"), "barcode", width=16),
        excel.Column(gettext_lazy("brand"), "brand", width=12),
        excel.Column(gettext_lazy("manufacturer"), "manufacturer", width=20),
        excel.Column(gettext_lazy("price per base unit"), "price", parse=_non_negative(4), width=10),
        excel.Column(gettext_lazy("tax rate"), "tax_rate", parse=_tax_rate, width=8),
        excel.Column(
            gettext_lazy("registration number"),
            "registration_no",
            width=14,
            help=gettext_lazy("required for pesticides"),
        ),
        excel.Column(
            gettext_lazy("restricted-use pesticide"), "is_restricted", parse=excel.parse_bool, width=8
        ),
        excel.Column(gettext_lazy("banned"), "is_banned", parse=excel.parse_bool, width=8),
        excel.Column(gettext_lazy("shelf life (days)"), "shelf_life_days", parse=_days, width=10),
        excel.Column(gettext_lazy("tracks batches"), "tracks_batches", parse=excel.parse_bool, width=8),
    ]

    def clean_row(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["category"] == Category.PESTICIDE and not values.get("registration_no"):
            raise excel.RowError(
                _("a pesticide needs its registration number"), str(_("registration number"))
            )
        package_name = values.get("package_name", "")
        factor = values.get("package_factor")
        if bool(package_name) != bool(factor):
            raise excel.RowError(
                _("give both the package name and the base units per package, or neither"),
                str(_("package name")),
            )
        return {
            "code": values["code"],
            "name": values["name"][:100],
            "pinyin": initials(values["name"]),
            "specification": values.get("specification", "")[:60],
            "business": values["business"],
            "category": values["category"],
            "base_unit": values["base_unit"],
            "barcode": values.get("barcode", "")[:32],
            "brand": values.get("brand", "")[:60],
            "manufacturer": values.get("manufacturer", "")[:100],
            "price": values.get("price", Decimal("0")),
            "tax_rate": values.get("tax_rate", Decimal("0.09")),
            "registration_no": values.get("registration_no", "")[:40],
            "is_restricted": values.get("is_restricted", False),
            "is_banned": values.get("is_banned", False),
            "shelf_life_days": values.get("shelf_life_days"),
            "tracks_batches": values.get("tracks_batches", False),
            "package_spec": f"{package_name}:{plain(factor)}" if package_name and factor else "",
        }

    def existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Product]:
        found: dict[tuple[Any, ...], Product] = {}
        products = Product.objects.filter(organization=self.organization).select_related("organization")
        packages: dict[int, str] = {}
        for package in Package.objects.filter(product__organization=self.organization).order_by("pk"):
            packages.setdefault(package.product_id, f"{package.name}:{plain(package.factor)}")
        for product in products:
            product.package_spec = packages.get(product.pk, "")  # type: ignore[attr-defined]
            found[(product.code,)] = product
        return found

    def build(self, values: dict[str, Any]) -> Product:
        values = dict(values)
        spec = values.pop("package_spec")
        product = Product(organization=self.organization, **values)
        product.package_spec = spec  # type: ignore[attr-defined]
        return product

    def create(self, rows: list[dict[str, Any]]) -> None:
        from simple_history.utils import bulk_create_with_history

        products = [self.build(row) for row in rows]
        bulk_create_with_history(products, Product, batch_size=1000, default_user=self.user)
        stored = dict(Product.objects.filter(organization=self.organization).values_list("code", "pk"))
        for product in products:
            product.pk = stored[product.code]
        self._save_packages(products)

    def bulk_update(self, objs: list[Any], fields: Any) -> None:
        from simple_history.utils import bulk_update_with_history

        real = [name for name in fields if name != "package_spec"]
        bulk_update_with_history(objs, Product, real, batch_size=1000, default_user=self.user)
        self._save_packages(objs)

    def _save_packages(self, products: list[Any]) -> None:
        for product in products:
            if not product.package_spec:
                continue
            name, factor = product.package_spec.split(":")
            Package.objects.update_or_create(
                product_id=product.pk, name=name, defaults={"factor": Decimal(factor)}
            )

    def export_values(self, product: Any) -> dict[str, Any]:
        package = product.packages.order_by("pk").first()
        return {
            "code": product.code,
            "name": product.name,
            "specification": product.specification,
            "business": product.get_business_display(),
            "category": product.get_category_display(),
            "base_unit": product.get_base_unit_display(),
            "package_name": package.name if package else "",
            "package_factor": package.factor if package else None,
            "barcode": product.barcode,
            "brand": product.brand,
            "manufacturer": product.manufacturer,
            "price": product.price,
            "tax_rate": product.tax_rate,
            "registration_no": product.registration_no,
            "is_restricted": _("yes") if product.is_restricted else _("no"),
            "is_banned": _("yes") if product.is_banned else _("no"),
            "shelf_life_days": product.shelf_life_days,
            "tracks_batches": _("yes") if product.tracks_batches else _("no"),
        }
