from django.core.management.base import BaseCommand, CommandError

from gongxiao.core import integrity


class Command(BaseCommand):
    help = "检查数据一致性（组织树、行政区划树、会员归属、用户组织……）；有问题时以非零状态退出。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--limit", type=int, default=20, help="每项检查最多列出几条问题（默认 20）")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        pending = integrity.pending_migrations()
        if pending:
            raise CommandError(
                f"数据库结构不是最新（有 {len(pending)} 个迁移未执行），请先运行 gongxiao migrate"
            )
        integrity.discover()
        results = integrity.run_checks()
        limit = max(options["limit"], 0)
        for result in results:
            if result.ok:
                self.stdout.write(self.style.SUCCESS("OK  ") + f"  {result.label}")
                continue
            self.stdout.write(self.style.ERROR("FAIL") + f"  {result.label}")
            if result.error:
                self.stdout.write(f"      检查本身出错：{result.error}")
            for problem in result.problems[:limit]:
                self.stdout.write(f"      - {problem}")
            if len(result.problems) > limit:
                self.stdout.write(f"      ……另有 {len(result.problems) - limit} 条")
        failed = [result for result in results if not result.ok]
        if failed:
            labels = "；".join(result.label for result in failed)
            raise CommandError(f"{len(failed)} 项检查未通过（共 {len(results)} 项）：{labels}")
        self.stdout.write(f"全部 {len(results)} 项检查通过。")
