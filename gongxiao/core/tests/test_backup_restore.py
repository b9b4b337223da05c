"""`gongxiao backup` / `gongxiao restore` against a throw-away database, run as an operator would.

The round trip runs the real console command in subprocesses with their own DATABASE_URL and
GONGXIAO_VAR_DIR, so it never touches pytest-django's test database (which may be in memory on
SQLite). The backend follows the suite's: PostgreSQL when DATABASE_URL is a postgres URL (a
database `gongxiao_backup_test_<pid>` is created and dropped), otherwise a SQLite file in tmp_path.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongxiao.core.management.commands import backup as backup_command

PROJECT_DIR = Path(__file__).resolve().parents[3]
SUITE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = urlsplit(SUITE_URL).scheme in ("postgres", "postgresql", "pgsql")

SETUP = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gongxiao.settings'); django.setup()\n"

POPULATE = """
import datetime as dt
from gongxiao.core.models import ApiToken, Organization
from gongxiao.core.testing import small_county
from gongxiao.members.models import Member, Union, UnionMembership
from gongxiao.members.tests.factories import member

county = small_county()
zhang = member(county, county.coop_a, "张建国", 1, land_area_mu="12.50", industries="grain,tea")
member(county, county.coop_a, "王秀兰", 2, village=county.village_b, joined_on=dt.date(2023, 4, 1))
li = member(county, county.coop_b, "李明", 3)
unit = Organization.objects.add_child(county.coop_a, {"code": "QS-A-1", "name": "桥头门店", "kind": "unit"})
member(county, unit, "赵四", 4)
union = Union.objects.create(organization=county.federation, kind="township", name="桥头镇农合联", town=county.town)
union.member_organizations.add(county.coop_a, county.coop_b)
UnionMembership.objects.create(union=union, member=zhang, is_council_member=True)
UnionMembership.objects.create(union=union, member=li)
ApiToken.issue(county.clerk_a, "对账脚本")
"""

# Every row of every table Django knows (auto-created m2m tables included), ordered by key.
SNAPSHOT = """
import json
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder

tables = {}
for model in apps.get_models(include_auto_created=True):
    rows = model._base_manager.order_by("pk").values()
    tables[model._meta.label] = json.loads(json.dumps(list(rows), cls=DjangoJSONEncoder))
print(json.dumps(tables, ensure_ascii=False))
"""

MUTATE = """
from gongxiao.core.models import ApiToken, Organization, User
from gongxiao.members.models import Member, Union, UnionMembership

UnionMembership.objects.all().delete()
Member.objects.filter(name__in=["张建国", "赵四"]).delete()
Member.objects.filter(name="李明").update(phone="13911112222", land_area_mu="99")
Organization.objects.filter(code="QS").update(name="改过的名字")
Union.objects.get().member_organizations.clear()
ApiToken.objects.all().delete()
User.objects.filter(username="clerk_b").delete()
Organization.objects.add_child(Organization.objects.get(code="QS"), {"code": "QS-C", "name": "新社", "kind": "base_coop"})
"""


def gongxiao(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "gongxiao.cli", *args],
        env=env,
        cwd=PROJECT_DIR,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if check:
        assert result.returncode == 0, f"gongxiao {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def python(env: dict[str, str], script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SETUP + textwrap.dedent(script)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def snapshot(env: dict[str, str]) -> dict[str, list[dict[str, object]]]:
    return json.loads(python(env, SNAPSHOT))


@pytest.fixture
def throwaway(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for subprocesses: a migrated, empty throw-away database and var/ directory."""
    var = tmp_path / "var"
    env = {**os.environ, "GONGXIAO_VAR_DIR": str(var), "PYTHONDONTWRITEBYTECODE": "1", "LOG_LEVEL": "ERROR"}
    if not POSTGRES:
        env["DATABASE_URL"] = f"sqlite:///{var / 'gongxiao.sqlite3'}"
        gongxiao(env, "migrate", "--no-input", "-v", "0")
        yield env
        return

    import psycopg

    config = dj_database_url.parse(SUITE_URL)
    name = f"gongxiao_backup_test_{os.getpid()}"
    admin = psycopg.connect(
        dbname="postgres",
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env["DATABASE_URL"] = urlsplit(SUITE_URL)._replace(path=f"/{name}").geturl()
        gongxiao(env, "migrate", "--no-input", "-v", "0")
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Raw:
    """A plain DB-API connection to the throw-away database, beside the subprocesses'."""

    def __init__(self, env: dict[str, str]) -> None:
        config = dj_database_url.parse(env["DATABASE_URL"])
        self.conn: Any
        if POSTGRES:
            import psycopg

            self.conn = psycopg.connect(
                dbname=config["NAME"],
                host=config.get("HOST") or None,
                port=config.get("PORT") or None,
                user=config.get("USER") or None,
                password=config.get("PASSWORD") or None,
                autocommit=True,
            )
            self.placeholder = "%s"
        else:
            self.conn = sqlite3.connect(config["NAME"], isolation_level=None, timeout=10)
            self.placeholder = "?"

    def execute(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        cursor = self.conn.execute(sql.replace("%s", self.placeholder), params)
        return list(cursor.fetchall()) if cursor.description else []

    def close(self) -> None:
        self.conn.close()


def test_backup_then_restore_brings_every_row_back(throwaway: dict[str, str], tmp_path: Path) -> None:
    env = throwaway
    var = Path(env["GONGXIAO_VAR_DIR"])
    python(env, POPULATE)
    upload = var / "media" / "imports" / "2025" / "01" / "会员.xlsx"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"PK\x03\x04 pretend workbook")
    before = snapshot(env)
    assert len(before["members.Member"]) == 4
    assert len(before["members.UnionMembership"]) == 2
    assert len(before["members.Union_member_organizations"]) == 2

    # Online: another session holds an uncommitted change while the backup runs.
    writer = Raw(env)
    writer.execute("BEGIN")
    writer.execute("UPDATE core_organization SET name = %s WHERE code = %s", "未提交的改动", "QS")
    try:
        out = gongxiao(env, "backup").stdout
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    suffix = ".dump" if POSTGRES else ".sqlite3"
    backups = sorted((var / "backups").glob(f"gongxiao-*{suffix}"))
    assert len(backups) == 1
    backup = backups[0]
    assert str(backup) in out
    media = backup.with_name(backup.name.removesuffix(suffix) + "-media.tar.gz")
    assert media.is_file() and str(media) in out

    python(env, MUTATE)
    upload.unlink()
    changed = snapshot(env)
    assert len(changed["members.Member"]) == 2
    assert changed != before

    refused = gongxiao(env, "restore", str(backup), check=False)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert snapshot(env) == changed

    # The server's connection stays open through the restore and sees the restored rows after it.
    reader = Raw(env)
    try:
        assert reader.execute("SELECT name FROM core_organization WHERE code = %s", "QS") == [("改过的名字",)]
        out = gongxiao(env, "restore", str(backup), "--yes").stdout
        assert reader.execute("SELECT name FROM core_organization WHERE code = %s", "QS") == [
            ("青山县供销合作社联合社",)
        ]
    finally:
        reader.close()
    assert "会员 4" in out and "组织 4" in out

    after = snapshot(env)
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], f"{label} differs after restore"
    members = {row["name"]: row for row in after["members.Member"]}
    assert members["张建国"]["land_area_mu"] == "12.50"
    assert members["张建国"]["industries"] == "grain,tea"
    assert members["李明"]["phone"] == "13800000000"
    assert {row["code"] for row in after["core.Organization"]} == {"QS", "QS-A", "QS-B", "QS-A-1"}
    assert "clerk_b" in {row["username"] for row in after["core.User"]}
    assert upload.read_bytes() == b"PK\x03\x04 pretend workbook"

    # New rows get fresh keys after the restore (PostgreSQL's sequences came back too).
    python(
        env,
        'from gongxiao.core.models import Organization\nOrganization.objects.add_root({"code": "X", "name": "X", "kind": "federation"})',
    )
    assert "全部" in gongxiao(env, "check-integrity").stdout


def test_backup_output_option_refuses_to_overwrite(throwaway: dict[str, str], tmp_path: Path) -> None:
    env = throwaway
    target = tmp_path / "out" / ("nightly.dump" if POSTGRES else "nightly.sqlite3")
    out = gongxiao(env, "backup", "--output", str(target)).stdout
    assert target.is_file() and str(target) in out
    assert "上传文件" not in out  # MEDIA_ROOT is empty: no sidecar
    assert not list(target.parent.glob("*.tar.gz"))
    again = gongxiao(env, "backup", "--output", str(target), check=False)
    assert again.returncode != 0 and "已存在" in again.stderr
    folder = gongxiao(env, "backup", "--output", str(target.parent)).stdout
    assert len(list(target.parent.glob("gongxiao-*"))) == 1 and str(target.parent) in folder


def write_fake(path: Path, kind: str) -> Path:
    if kind == "sqlite":
        sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    else:
        path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    return path


def test_restore_refuses_a_backup_of_the_other_database_kind(tmp_path: Path) -> None:
    other = "sqlite" if POSTGRES else "postgresql"
    fake = write_fake(tmp_path / ("x.sqlite3" if other == "sqlite" else "x.dump"), other)
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(fake), "--yes")
    message = str(caught.value)
    if POSTGRES:
        assert "SQLite 备份" in message and "当前数据库是 PostgreSQL" in message
    else:
        assert "PostgreSQL 备份" in message and "当前数据库是 SQLite" in message


def test_restore_refuses_files_that_are_not_backups(tmp_path: Path) -> None:
    junk = tmp_path / "notes.sqlite3"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="不是 gongxiao 的备份文件"):
        call_command("restore", str(junk), "--yes")
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.dump"), "--yes")


@pytest.mark.skipif(POSTGRES, reason="an arbitrary SQLite file is refused by kind on PostgreSQL")
def test_restore_refuses_a_sqlite_file_that_is_not_a_gongxiao_database(tmp_path: Path) -> None:
    other = write_fake(tmp_path / "other.sqlite3", "sqlite")
    with pytest.raises(CommandError, match="不是 gongxiao 的数据库"):
        call_command("restore", str(other), "--yes")


@pytest.fixture
def fake_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the backup command believe it runs on a PostgreSQL nobody listens to (port 1)."""
    settings_dict = {
        "NAME": "nowhere",
        "HOST": "127.0.0.1",
        "PORT": "1",
        "USER": "postgres",
        "PASSWORD": "s3cret",
    }
    monkeypatch.setattr(
        backup_command, "connection", SimpleNamespace(vendor="postgresql", settings_dict=settings_dict)
    )


def test_backup_without_pg_dump_says_what_to_install(
    fake_postgres: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match=r"找不到 pg_dump.*postgresql-client"):
        call_command("backup", "--output", str(tmp_path / "x.dump"))
    assert not list(tmp_path.glob("x.dump*"))


def test_a_failing_pg_dump_is_reported_and_leaves_no_file(fake_postgres: None, tmp_path: Path) -> None:
    env = backup_command.pg_env()
    assert env["PGPASSWORD"] == "s3cret" and env["PGPORT"] == "1"
    with pytest.raises(CommandError, match="pg_dump 备份失败") as caught:
        call_command("backup", "--output", str(tmp_path / "x.dump"))
    assert "127.0.0.1" in str(caught.value)  # pg_dump's own reason is quoted
    assert list(tmp_path.iterdir()) == []
