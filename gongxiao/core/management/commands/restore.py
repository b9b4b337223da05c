"""`gongxiao restore PATH --yes`: put a backup made by `gongxiao backup` back into the live database.

SQLite: SQLite's backup API copies the backup file into the live database file, page by page
in one transaction, under SQLite's own locks, so it works while the server has the file open
(its connections see the restored data on their next query). PostgreSQL:
``pg_restore --clean --if-exists --no-owner --single-transaction`` into the configured database.
A sidecar ``-media.tar.gz`` next to the backup is unpacked into MEDIA_ROOT.
"""

from __future__ import annotations

import sqlite3
import sys
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from gongxiao.core.integrity import pending_migrations
from gongxiao.core.management.commands.backup import (
    backend,
    file_kind,
    media_sidecar,
    pg_database,
    pg_tool,
    run_pg_tool,
    sqlite_path,
)

KIND_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Command(BaseCommand):
    help = "用 gongxiao backup 生成的备份覆盖当前数据库（需 --yes 确认）；同名 -media.tar.gz 解压回上传目录"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("path", help="备份文件（.sqlite3 或 .dump）")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库，不再询问")
        parser.add_argument("--skip-media", action="store_true", help="不恢复上传文件（-media.tar.gz）")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"找不到备份文件 {path}")
        kind = backend()
        found = file_kind(path)
        if found == "unknown":
            raise CommandError(
                f"{path} 不是 gongxiao 的备份文件：既不是 SQLite 数据库，也不是 pg_dump 自定义格式（--format=custom）"
            )
        if found != kind:
            raise CommandError(
                f"{path} 是 {KIND_LABELS[found]} 备份，当前数据库是 {KIND_LABELS[kind]}，不能恢复。"
                f"请把 DATABASE_URL 指向 {KIND_LABELS[found]} 数据库后再恢复；"
                f"两种数据库之间迁移数据见 docs/operations.md"
            )
        if kind == "sqlite":
            self.validate_sqlite(path)
        else:
            self.validate_postgresql(path)
        target = str(sqlite_path()) if kind == "sqlite" else f"PostgreSQL 数据库 {pg_database()}"
        self.confirm(options["yes"], path, target)

        connection.close()
        if kind == "sqlite":
            self.restore_sqlite(path)
        else:
            self.restore_postgresql(path)
        connection.close()
        self.stdout.write(f"已把 {path} 恢复到 {target}")

        sidecar = media_sidecar(path)
        if sidecar.is_file() and not options["skip_media"]:
            count = self.restore_media(sidecar)
            self.stdout.write(f"已恢复 {count} 个上传文件到 {settings.MEDIA_ROOT}")
        self.sanity_check()

    def confirm(self, yes: bool, path: Path, target: str) -> None:
        if yes:
            return
        if not sys.stdin.isatty():
            raise CommandError(f"恢复会用 {path} 覆盖 {target} 的全部数据；确认无误请加 --yes 再运行")
        answer = input(f"恢复会用 {path} 覆盖 {target} 的全部数据，此操作不能撤销。输入 yes 继续：")
        if answer.strip().lower() not in ("yes", "y", "是"):
            raise CommandError("已取消，数据库未改动")

    def validate_sqlite(self, path: Path) -> None:
        try:
            backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                check = backup.execute("PRAGMA quick_check").fetchone()[0]
                tables = {
                    row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
            finally:
                backup.close()
        except sqlite3.Error as exc:
            raise CommandError(f"{path} 无法读取：{exc}") from exc
        if check != "ok":
            raise CommandError(f"{path} 已损坏（SQLite 自检：{check}），未恢复")
        if not {"django_migrations", "core_organization"} <= tables:
            raise CommandError(
                f"{path} 是 SQLite 数据库，但不是 gongxiao 的数据库（缺少 core_organization 等表）"
            )

    def validate_postgresql(self, path: Path) -> None:
        listing = run_pg_tool([pg_tool("pg_restore"), "--list", str(path)], "读取备份目录").stdout
        if "django_migrations" not in listing or "core_organization" not in listing:
            raise CommandError(
                f"{path} 是 pg_dump 备份，但不是 gongxiao 的数据库（缺少 core_organization 等表）"
            )

    def restore_sqlite(self, path: Path) -> None:
        live = sqlite_path()
        live.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                # Waits for the server's write transactions; readers in WAL mode do not block it.
                dest = sqlite3.connect(live, timeout=60)
                try:
                    source.backup(dest)
                    dest.execute("PRAGMA journal_mode=WAL")
                finally:
                    dest.close()
            finally:
                source.close()
        except sqlite3.Error as exc:
            raise CommandError(f"SQLite 恢复失败，数据库未改动：{exc}") from exc

    def restore_postgresql(self, path: Path) -> None:
        run_pg_tool(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--no-password",
                f"--dbname={pg_database()}",
                str(path),
            ],
            "pg_restore 恢复（单一事务，数据库未改动）",
        )

    def restore_media(self, sidecar: Path) -> int:
        media_root = Path(settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sidecar, "r:gz") as tar:
            members = [member for member in tar.getmembers() if member.isfile()]
            tar.extractall(media_root, members=members, filter="data")
        return len(members)

    def sanity_check(self) -> None:
        """Count the rows of every table Django knows; name the tables the backup lacks."""
        pending = pending_migrations()
        existing = set(connection.introspection.table_names())
        total = tables = 0
        counts: dict[str, int] = {}
        missing = []
        try:
            for model in apps.get_models(include_auto_created=True):
                if model._meta.db_table not in existing:
                    missing.append(model._meta.db_table)
                    continue
                counts[model._meta.label] = count = model._base_manager.count()
                total += count
                tables += 1
        except Exception as exc:
            raise CommandError(f"恢复后读取数据出错：{exc}") from exc
        summary = "，".join(
            f"{label} {counts.get(key, 0)}"
            for key, label in (
                ("core.Organization", "组织"),
                ("core.User", "用户"),
                ("members.Member", "会员"),
            )
        )
        self.stdout.write(f"检查：{tables} 张表共 {total} 行（{summary}）")
        if pending:
            self.stdout.write(f"备份来自较旧的版本，有 {len(pending)} 个迁移未执行：请运行 gongxiao migrate")
        elif missing:
            raise CommandError(f"恢复后缺少数据表：{'、'.join(sorted(missing))}")
