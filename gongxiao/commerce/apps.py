from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "gongxiao.commerce"
    label = "commerce"
    verbose_name = _("Trading")

    def ready(self) -> None:
        from gongxiao.commerce import importers  # noqa: F401  (registers the products importer)
