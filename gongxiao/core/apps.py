from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongxiao.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gongxiao.core.roles import sync_roles_after_migrate

        # Permissions only exist after migrate, so the roles are brought up to date there.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="gongxiao.core.sync_roles")
