from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    name = "gongxiao.market"
    label = "market"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from gongxiao.market import importers  # noqa: F401  (registers the channel orders importer)
