import getpass

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongxiao.core import roles
from gongxiao.core.models import Organization, User


class Command(BaseCommand):
    help = "Create (or reset the password of) a system administrator at the root organization."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", help="asked for when not given")
        parser.add_argument("--organization", help="organization code; the root organization by default")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        roles.sync_roles()
        if options["organization"]:
            org = Organization.objects.filter(code=options["organization"]).first()
            if org is None:
                raise CommandError(f"没有代码为 {options['organization']} 的组织")
        else:
            org = Organization.objects.filter(depth=1).order_by("path").first()
        password = options["password"] or getpass.getpass("密码: ")
        if len(password) < 8:
            raise CommandError("密码至少 8 位")
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=options["username"])
            user.organization = org
            user.is_staff = True
            user.is_superuser = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=roles.SYSADMIN))
        self.stdout.write(
            ("已创建" if created else "已更新")
            + f"系统管理员 {user.username}（{org.name if org else '无组织'}）"
        )
