"""The foundation in a real browser: log in, every menu entry, a wrong ID, an import with a bad row,
an export read back, the phone width, the language switch."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from gongxiao.core.testing import make_user, untranslated_words
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import member, member_row, workbook
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_user(county):
    from gongxiao.core import roles

    return make_user("sys_admin", county.federation, roles.SYSADMIN, is_staff=True, is_superuser=True)


def test_every_menu_entry_opens_in_chinese(page, county, admin_user):
    member(county, county.coop_a, "张建国", 1)
    login(page, "sys_admin")
    links = page.eval_on_selector_all(
        "[data-testid=nav] a", "els => els.map(e => [e.textContent.trim(), e.href])"
    )
    assert len(links) >= 8
    for label, href in links:
        response = page.goto(href)
        assert response is not None and response.status == 200, (label, href)
        text = page.inner_text("main")
        assert untranslated_words(text) == [], (label, untranslated_words(text))
        if "/caravan/phone/" in href:  # the crew's phone is an app of its own, without the menu
            continue
        assert label in page.inner_text("nav[data-testid=nav]")


def test_add_member_with_wrong_id_shows_chinese_error_then_saves(page, county):
    login(page, "clerk_a")
    page.goto(page.base_url + "/members/new/")
    good = member_row(7)[2]
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.select_option("#id_kind", "household")
    page.fill("#id_name", "钱七")
    page.fill("#id_id_number", wrong)
    page.fill("#id_phone", "13900000007")
    page.select_option("#id_village", str(county.village_a.pk))
    page.fill("#id_land_area_mu", "2")
    page.click("[data-testid=save]")
    error = page.inner_text("[data-testid=error-id_number]")
    assert "校验位不正确" in error
    assert page.input_value("#id_name") == "钱七"  # the form is kept
    assert Member.objects.count() == 0
    page.fill("#id_id_number", good)
    page.click("[data-testid=save]")
    assert page.inner_text("[data-testid=member-name]") == "钱七"
    assert Member.objects.get().id_number == good


def test_import_with_one_bad_row_writes_nothing(page, county, tmp_path):
    bad = member_row(2, 手机号="12345")
    path = tmp_path / "会员.xlsx"
    path.write_bytes(workbook([member_row(1), bad, member_row(3)]).getvalue())
    login(page, "clerk_a")
    page.goto(page.base_url + "/members/")
    page.click("[data-testid=import]")
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=nothing-written]")
    table = page.inner_text("[data-testid=import-errors]")
    assert "3" in table and "手机号" in table
    assert page.locator("[data-testid=confirm-import]").count() == 0
    assert Member.objects.count() == 0


def test_import_good_file_after_confirmation(page, county, tmp_path):
    path = tmp_path / "会员.xlsx"
    path.write_bytes(workbook([member_row(1), member_row(2)]).getvalue())
    login(page, "clerk_a")
    page.goto(page.base_url + "/base/imports/new/members/")
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=confirm-import]")
    assert Member.objects.count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-status=done]")
    assert page.inner_text("[data-testid=created]") == "2"
    assert Member.objects.count() == 2


def test_export_of_a_filtered_list_reads_back(page, county):
    member(county, county.coop_a, "张建国", 1, kind="household")
    member(county, county.coop_a, "李秀英", 2, kind="household", village=county.village_b)
    member(county, county.coop_b, "王大力", 3)
    login(page, "clerk_a")
    page.goto(page.base_url + "/members/")
    page.fill("#id_q", "lxy")
    page.press("#id_q", "Enter")
    page.wait_for_function("document.querySelector('[data-testid=count]').textContent.includes('1')")
    with page.expect_download() as download_info:
        page.click("[data-testid=export]")
    path = download_info.value.path()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "姓名"
    assert [r[0] for r in rows[1:]] == ["李秀英"]


def test_phone_width_collapses_the_navigation(browser, live_server, county):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.base_url = live_server.url
    member(county, county.coop_a, "张建国", 1)
    login(page, "clerk_a")
    page.goto(page.base_url + "/members/")
    assert not page.is_visible("[data-testid=nav]")
    page.click(".navbar-toggler")
    page.wait_for_selector("[data-testid=nav]", state="visible")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()


def test_language_switch(page, county):
    login(page, "clerk_a")
    page.goto(page.base_url + "/members/")
    assert "会员" in page.inner_text("h1")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Members"
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "会员"


def test_export_file_has_frozen_header_and_numbers(page, county):
    member(county, county.coop_a, "张建国", 1, land_area_mu="12.50")
    login(page, "clerk_a")
    page.goto(page.base_url + "/members/")
    with page.expect_download() as download_info:
        page.click("[data-testid=export]")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read()))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    area_col = [c.value for c in sheet[1]].index("土地面积(亩)") + 1
    assert sheet.cell(row=2, column=area_col).value == 12.5
