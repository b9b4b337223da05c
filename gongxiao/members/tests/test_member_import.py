"""Members from Excel: the dry run names each bad row and column, a bad row writes nothing,
re-importing the same file changes nothing, and the command line does the same."""

import io

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from gongxiao.core.actions import import_for_user
from gongxiao.core.excel import IMPORTERS
from gongxiao.core.models import ImportJob
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import HEADERS, member, member_row, workbook


def _run(county, rows, dry_run=False, user=None, org=None):
    importer = IMPORTERS["members"](user or county.clerk_a, org or county.coop_a)
    from gongxiao.core.excel import run_import

    return run_import(importer, workbook(rows), dry_run=dry_run)


def test_dry_run_checks_everything_and_writes_nothing(county):
    result = _run(county, [member_row(1), member_row(2)], dry_run=True)
    assert result.errors == []
    assert (result.total, result.created) == (2, 2)
    assert Member.objects.count() == 0


def test_import_writes_members_with_their_fields(county):
    result = _run(county, [member_row(1, name="王小明")])
    assert result.written
    created = Member.objects.get()
    assert created.name == "王小明"
    assert created.pinyin == "wxm"
    assert created.organization == county.coop_a
    assert created.county == county.federation
    assert created.village == county.village_a
    assert created.industry_codes() == ["grain", "tea"]
    assert str(created.land_area_mu) == "3.50"
    assert created.history.count() == 1


def test_one_bad_row_means_nothing_is_written_and_the_row_is_named(county):
    bad = member_row(2)
    bad[2] = bad[2][:-1] + ("0" if bad[2][-1] != "0" else "1")
    result = _run(county, [member_row(1), bad, member_row(3)])
    assert not result.written
    assert Member.objects.count() == 0
    assert result.errors == [{"row": 3, "column": "证件号码", "message": result.errors[0]["message"]}]
    assert "校验位不正确" in result.errors[0]["message"]
    assert result.error_lines()[0].startswith("第 3 行“证件号码”：")


@pytest.mark.parametrize(
    "column,value,expected",
    [
        ("成员类型", "地主", "应为以下之一"),
        ("手机号", "12345", "手机号"),
        ("行政村", "不存在村", "不存在村"),
        ("产业", "石油", "石油"),
        ("土地面积(亩)", "三亩", "应为数字"),
        ("土地面积(亩)", -1, "不能为负"),
        ("入社日期", "去年", "日期"),
        ("姓名", None, "必填"),
    ],
)
def test_each_bad_cell_gets_a_chinese_message_naming_row_and_column(county, column, value, expected):
    row = member_row(1)
    row[HEADERS.index(column)] = value
    result = _run(county, [row])
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error["row"] == 2
    assert error["column"] == column
    assert expected in error["message"]
    assert Member.objects.count() == 0


def test_duplicate_id_inside_the_file_is_refused(county):
    first = member_row(1)
    second = member_row(2)
    second[2] = first[2]
    result = _run(county, [first, second])
    assert result.errors[0]["row"] == 3
    assert "第 2 行" in result.errors[0]["message"]


def test_missing_required_column_is_reported(county):
    rows = [r[:2] + r[3:] for r in [member_row(1)]]
    headers = HEADERS[:2] + HEADERS[3:]
    importer = IMPORTERS["members"](county.clerk_a, county.coop_a)
    from gongxiao.core.excel import run_import

    result = run_import(importer, workbook(rows, headers), dry_run=False)
    assert result.errors[0]["column"] == "证件号码"
    assert Member.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(county):
    rows = [member_row(1), member_row(2)]
    _run(county, rows)
    snapshot = list(Member.objects.order_by("pk").values())
    history = Member.history.count()
    again = _run(county, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Member.objects.order_by("pk").values()) == snapshot
    assert Member.history.count() == history


def test_changed_rows_are_updated_by_their_id_number(county):
    _run(county, [member_row(1, name="王小明")])
    result = _run(county, [member_row(1, name="王晓明")])
    assert (result.created, result.updated) == (0, 1)
    updated = Member.objects.get()
    assert (updated.name, updated.pinyin) == ("王晓明", "wxm")
    assert updated.history.count() == 2


def test_not_an_excel_file(county):
    importer = IMPORTERS["members"](county.clerk_a, county.coop_a)
    from gongxiao.core.excel import run_import

    result = run_import(importer, io.BytesIO(b"not a workbook"), dry_run=False)
    assert "Excel" in result.errors[0]["message"]


def test_template_has_chinese_headers_and_a_kind_dropdown(client_a):
    response = client_a.get("/base/imports/template/members.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["成员类型*", "姓名*", "证件号码*"]
    assert any("农户" in v.formula1 for v in sheet.data_validations.dataValidation)


def test_upload_check_confirm_through_the_pages(county, client_a):
    response = client_a.post(
        "/base/imports/new/members/",
        {"organization": county.coop_a.pk, "file": workbook([member_row(1)])},
        follow=True,
    )
    job = response.context["job"]
    assert job.status == ImportJob.Status.CHECKED
    assert Member.objects.count() == 0
    response = client_a.post(f"/base/imports/{job.pk}/confirm/", follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.created_count == 1
    assert Member.objects.count() == 1
    # confirming twice does not import twice
    client_a.post(f"/base/imports/{job.pk}/confirm/")
    assert Member.objects.count() == 1


def test_error_file_lists_each_problem(county, client_a):
    bad = member_row(1, 行政村="不存在村")
    response = client_a.post(
        "/base/imports/new/members/", {"organization": county.coop_a.pk, "file": workbook([bad])}, follow=True
    )
    job = response.context["job"]
    assert job.status == ImportJob.Status.FAILED
    errors = client_a.get(f"/base/imports/{job.pk}/errors.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(errors.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["行", "列", "问题"]
    assert rows[1][0] == 2 and rows[1][1] == "行政村"


def test_large_import_runs_in_background_and_reports_progress(county, client_a, settings):
    settings.IMPORT_BACKGROUND_BYTES = 1
    settings.IMPORT_THREADS = False  # the thread path is covered in test_import_thread
    response = client_a.post(
        "/base/imports/new/members/",
        {"organization": county.coop_a.pk, "file": workbook([member_row(1)])},
        follow=True,
    )
    assert response.context["job"].status == ImportJob.Status.CHECKED


def test_command_line_import_dry_run_and_real(county, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(workbook([member_row(1), member_row(2)]).getvalue())
    call_command("import", "members", str(path), "--user", "clerk_a", "--dry-run")
    assert Member.objects.count() == 0
    call_command("import", "members", str(path), "--user", "clerk_a")
    assert Member.objects.filter(organization=county.coop_a).count() == 2


def test_command_line_import_refuses_a_bad_file(county, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(workbook([member_row(1), member_row(2, 手机号="1")]).getvalue())
    with pytest.raises(CommandError):
        call_command("import", "members", str(path), "--user", "clerk_a")
    assert Member.objects.count() == 0


def test_command_line_import_refuses_another_coop(county, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(workbook([member_row(1)]).getvalue())
    with pytest.raises(CommandError):
        call_command("import", "members", str(path), "--user", "clerk_b", "--organization", "QS-A")
    assert Member.objects.count() == 0


def test_import_for_user_uses_the_same_engine(county, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(workbook([member_row(1)]).getvalue())
    result = import_for_user(county.clerk_a, county.coop_a, "members", str(path), dry_run=True)
    assert result.created == 1
    existing = member(county, county.coop_a, seq=99)
    assert existing.pk


def test_command_line_export_reads_back_and_reimports_unchanged(county, tmp_path):
    member(county, county.coop_a, "张建国", 1, industries="tea,grain", land_area_mu="2.50")
    member(county, county.coop_b, "李秀英", 2)
    out = tmp_path / "out.xlsx"
    call_command("export", "members", str(out), "--user", "clerk_a")
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["成员类型", "姓名", "证件号码"]
    assert [r[1] for r in rows[1:]] == ["张建国"]
    assert rows[1][4] == "桥头镇上村" and rows[1][6] == "茶叶、粮食"
    snapshot = list(Member.objects.order_by("pk").values())
    call_command("import", "members", str(out), "--user", "clerk_a")
    assert list(Member.objects.order_by("pk").values()) == snapshot
