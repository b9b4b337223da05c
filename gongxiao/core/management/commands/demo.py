import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gongxiao.core.demo import DEFAULT_PASSWORD, DEFAULT_SEED, DemoContext, DemoError, build, existing_data


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(ctx: DemoContext) -> list[str]:
    rows = [["用户名", "密码", "角色", "所属组织"]]
    rows += [
        [login.username, login.password, "、".join(login.roles), login.organization.name]
        for login in ctx.logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


class Command(BaseCommand):
    help = (
        "Build the demo county 青山县 (towns, villages, organizations, a user for every role, "
        "members imported from Excel, unions) in an empty database."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same demo")
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = about 3,000 members")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="the password of every demo user")
        parser.add_argument(
            "--reset", action="store_true", help="empty the database first (everything but the roles)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing, successfully, when the database has data"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if len(options["password"]) < 8:
            raise CommandError("密码至少 8 位")
        if options["if_empty"] and not options["reset"] and any(existing_data()):
            self.stdout.write("数据库中已有数据，未生成演示县。")
            return
        verbose = options["verbosity"] >= 1

        def report(title: str, summary: str | None, seconds: float) -> None:
            if verbose:
                self.stdout.write(f"✓ {title}：{summary or '完成'}（{seconds:.1f} 秒）")

        started = time.perf_counter()
        with translation.override("zh-hans"):
            try:
                ctx = build(
                    seed=options["seed"],
                    scale=options["scale"],
                    password=options["password"],
                    reset=options["reset"],
                    report=report,
                )
            except DemoError as exc:
                raise CommandError(str(exc)) from None
        if not verbose:
            return
        self.stdout.write(
            f"演示县{ctx.county}已生成（种子 {ctx.seed}，规模 {ctx.scale:g}，"
            f"用时 {time.perf_counter() - started:.1f} 秒）。登录账号：\n"
        )
        for line in login_table(ctx):
            self.stdout.write(line)
