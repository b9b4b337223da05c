from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gongxiao.core.actions import import_for_user
from gongxiao.core.excel import IMPORTERS
from gongxiao.core.models import Organization, User


class Command(BaseCommand):
    help = "Import an Excel file with the same checks as the web page: gongxiao import members FILE.xlsx --user NAME"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "entity",
            help="what to import: "
            + ", ".join(sorted(IMPORTERS))
            + " (an importer bound to one record, e.g. channel_orders:<channel id>)",
        )
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="the user the import is done as (permissions, data scope)"
        )
        parser.add_argument(
            "--organization", help="code of the organization that owns the rows; the user's by default"
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        translation.activate("zh-hans")
        user = (
            User.objects.filter(username=options["user"], is_active=True)
            .select_related("organization")
            .first()
        )
        if user is None:
            raise CommandError(f"没有用户 {options['user']}")
        importer = IMPORTERS.get(options["entity"])
        if importer is None:
            raise CommandError(f"不能导入 {options['entity']}：可以导入 " + "、".join(sorted(IMPORTERS)))
        if not user.has_perm(importer.permission):
            raise CommandError(f"用户 {user.username} 没有导入{importer.label}的权限")
        org = user.organization
        if options["organization"]:
            org = Organization.objects.filter(code=options["organization"]).first()
        if org is None or not user.can_manage(org):
            raise CommandError("该用户不能为这个组织导入数据")
        try:
            result = import_for_user(
                user, org, options["entity"], options["file"], dry_run=options["dry_run"]
            )
        except LookupError as exc:  # an importer that must be bound to a record, named without it
            raise CommandError(f"不能导入 {options['entity']}：{exc}") from None
        except PermissionError:
            raise CommandError("该用户不能为这个组织导入数据") from None
        for line in result.error_lines():
            self.stderr.write(line)
        if result.errors:
            raise CommandError(f"发现 {len(result.errors)} 个问题，未写入任何数据。")
        verb = "将新增" if options["dry_run"] else "新增"
        self.stdout.write(
            f"共 {result.total} 行：{verb} {result.created}，更新 {result.updated}，不变 {result.unchanged}"
            + ("（试运行，未写入）" if options["dry_run"] else "")
        )
