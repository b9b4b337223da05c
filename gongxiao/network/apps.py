from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "gongxiao.network"
    label = "network"
    verbose_name = _("Service network")

    def ready(self) -> None:
        from gongxiao.network import importers  # noqa: F401  (registers the outlets importer)
