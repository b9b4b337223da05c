from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaravanConfig(AppConfig):
    name = "gongxiao.caravan"
    label = "caravan"
    verbose_name = _("Caravan trucks")

    def ready(self) -> None:
        from gongxiao.caravan import importers  # noqa: F401  (registers the village stopping places importer)
