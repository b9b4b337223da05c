from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gongxiao.core.excel import IMPORTERS
from gongxiao.core.models import User


class Command(BaseCommand):
    help = "Export the rows a user may see, in the import template's layout: gongxiao export members OUT.xlsx --user NAME"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("entity", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--user", required=True)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        translation.activate("zh-hans")
        user = (
            User.objects.filter(username=options["user"], is_active=True)
            .select_related("organization")
            .first()
        )
        if user is None:
            raise CommandError(f"没有用户 {options['user']}")
        importer = IMPORTERS[options["entity"]](user, user.organization)
        view_permission = importer.permission.replace(".add_", ".view_")
        if not user.has_perm(view_permission):
            raise CommandError(f"用户 {user.username} 没有查看{importer.label}的权限")
        queryset = importer.model._default_manager.visible_to(user).order_by("pk")
        if hasattr(queryset, "with_town"):
            queryset = queryset.with_town().select_related("village")
        content, count = importer.export(queryset)
        Path(options["file"]).write_bytes(content)
        self.stdout.write(f"已导出 {count} 行到 {options['file']}")
