from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "gongxiao.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from gongxiao.members import importers  # noqa: F401  (registers the members importer)
