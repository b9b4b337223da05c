"""`gongxiao backup [--output PATH]`: one consistent file per backup, taken while the site runs.

SQLite: SQLite's online backup API copies the live database (WAL mode: writers go on while it
copies; what is copied is one committed state). PostgreSQL: ``pg_dump --format=custom``.
When MEDIA_ROOT holds files (uploaded import files), they go into a sidecar
``<backup name>-media.tar.gz`` next to the database file.

The helpers here are shared with `gongxiao restore`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SQLITE_SUFFIX = ".sqlite3"
PGDUMP_SUFFIX = ".dump"
MEDIA_SUFFIX = "-media.tar.gz"


def backend() -> str:
    """'sqlite' or 'postgresql' (the others are refused)."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise CommandError(f"不支持备份/恢复 {vendor} 数据库，只支持 SQLite 和 PostgreSQL")
    return vendor


def sqlite_path() -> Path:
    """The live SQLite database file; an in-memory database has none."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        raise CommandError(f"当前 SQLite 数据库在内存中（{name}），没有可备份或恢复的文件")
    return Path(name)


def file_kind(path: Path) -> str:
    """'sqlite', 'postgresql' or 'unknown', from the file's first bytes (not its name)."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return "unknown"


def pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise CommandError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install postgresql-client），"
            f"版本不低于数据库服务器的版本"
        )
    return tool


def pg_env() -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore from Django's connection settings (password via PGPASSWORD)."""
    settings_dict: dict[str, Any] = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("passfile", "PGPASSFILE")):
        if options.get(key):
            env[var] = str(options[key])
    return env


def pg_database() -> str:
    return str(connection.settings_dict["NAME"])


def run_pg_tool(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    """Run pg_dump/pg_restore; a non-zero exit becomes a CommandError quoting its stderr."""
    try:
        result = subprocess.run(args, env=pg_env(), capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CommandError(f"{what}失败：无法运行 {args[0]}（{exc}）") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise CommandError(f"{what}失败（{Path(args[0]).name} 退出码 {result.returncode}）：\n{detail}")
    return result


def media_sidecar(backup: Path) -> Path:
    """`var/backups/gongxiao-20250101-120000.sqlite3` -> `.../gongxiao-20250101-120000-media.tar.gz`."""
    name = backup.name
    for suffix in (SQLITE_SUFFIX, PGDUMP_SUFFIX):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return backup.with_name(name + MEDIA_SUFFIX)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite 在线备份 / PostgreSQL pg_dump）到 var/backups/，上传文件另存为同名 -media.tar.gz；"
        "--output 指定文件或目录"
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--output",
            "-o",
            help="备份文件路径，或放备份的目录（默认 var/backups/gongxiao-年月日-时分秒.sqlite3|.dump）",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        kind = backend()
        suffix = SQLITE_SUFFIX if kind == "sqlite" else PGDUMP_SUFFIX
        target = self.target(options.get("output"), suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if kind == "sqlite":
                self.backup_sqlite(partial)
            else:
                self.backup_postgresql(partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"备份文件：{target}（{human_size(target.stat().st_size)}）")
        media = self.backup_media(media_sidecar(target))
        if media is not None:
            self.stdout.write(f"上传文件：{media}（{human_size(media.stat().st_size)}）")

    def target(self, output: str | None, suffix: str) -> Path:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        default_name = f"gongxiao-{stamp}{suffix}"
        if not output:
            folder = Path(settings.VAR_DIR) / "backups"
        elif Path(output).is_dir() or output.endswith(("/", os.sep)):
            folder = Path(output)
        else:
            path = Path(output)
            if path.exists():
                raise CommandError(f"{path} 已存在，不覆盖；请换一个文件名")
            return path
        path = folder / default_name
        n = 2
        while path.exists() or media_sidecar(path).exists():
            path = folder / f"gongxiao-{stamp}-{n}{suffix}"
            n += 1
        return path

    def backup_sqlite(self, partial: Path) -> None:
        live = sqlite_path()
        if not live.exists():
            raise CommandError(f"数据库文件 {live} 不存在")
        source = sqlite3.connect(live, timeout=30)
        try:
            dest = sqlite3.connect(partial)
            try:
                # One step: the copy is one committed state; in WAL mode writers are not held up.
                source.backup(dest)
                # The copy stands alone: no -wal/-shm files beside it.
                dest.execute("PRAGMA journal_mode=DELETE")
                check = dest.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise CommandError(f"备份副本自检失败：{check}")
            finally:
                dest.close()
        except sqlite3.Error as exc:
            raise CommandError(f"SQLite 备份失败：{exc}") from exc
        finally:
            source.close()

    def backup_postgresql(self, partial: Path) -> None:
        pg_dump = pg_tool("pg_dump")
        run_pg_tool(
            [pg_dump, "--format=custom", "--no-password", f"--file={partial}", f"--dbname={pg_database()}"],
            "pg_dump 备份",
        )

    def backup_media(self, sidecar: Path) -> Path | None:
        media_root = Path(settings.MEDIA_ROOT)
        if not media_root.is_dir() or not any(p.is_file() for p in media_root.rglob("*")):
            return None
        partial = sidecar.with_name(sidecar.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as tar:
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
            os.replace(partial, sidecar)
        finally:
            partial.unlink(missing_ok=True)
        return sidecar
