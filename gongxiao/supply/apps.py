from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "gongxiao.supply"
    label = "supply"
    verbose_name = _("Agri-input supply")

    def ready(self) -> None:
        from gongxiao.commerce.actions import SALE_CHECKS
        from gongxiao.supply import importers  # noqa: F401  (registers the reserve reports importer)
        from gongxiao.supply.rules import pesticide_sale_check

        # The trading core knows nothing of pesticides; this app adds its rules to every sale.
        if pesticide_sale_check not in SALE_CHECKS:
            SALE_CHECKS.append(pesticide_sale_check)
