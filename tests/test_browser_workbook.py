"""The offline workbook in a real browser (issue 18, part 3): a commune on a slow link downloads its
report from the entry page, fills it as a person does in Excel (openpyxl here: typed numbers, a
Vietnamese "1.234", a grid cell, a note), uploads it and sees the values on the entry page; then a
broken workbook (words in a number cell, a formula, a percentage of 150) comes back with its problems
cell by cell and nothing saved. Also on a 390 px phone. Uses tests/test_browser.py's server and browser.
"""
from __future__ import annotations

import os

from openpyxl import load_workbook

from tests.test_browser import _first_login, browser, page, server  # noqa: F401 (fixtures)

SHOTS = os.environ.get("BAOCAO_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _row(book, code: str):
    for ws in book.worksheets:
        for cell in ws["A"]:
            if cell.value == code:
                return ws, cell.row
    raise AssertionError(code)


def _download(page, tmp_path, name: str):
    with page.expect_download() as info:
        page.click("#workbook-download")
    path = tmp_path / name
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".xlsx")
    return path


def _upload(page, path):
    page.set_input_files("#workbook-upload-form input[name=file]", str(path))
    with page.expect_navigation():
        page.click("#workbook-upload")


def test_a_commune_fills_its_workbook_offline_and_uploads_it(server, page, browser, tmp_path):
    _first_login(page, server["url"], server["username"], server["one_time"])
    page.goto(server["url"] + "/my-reports/")
    assert page.is_visible(".workbook-download")
    _shot(page, "workbook-my-reports")
    page.goto(server["url"] + "/reports/list/")
    with page.expect_navigation():
        page.click("a[href*='/entry']")
    entry_url = page.url
    assert "Làm việc không cần mạng bằng Excel" in page.inner_text("#workbook")

    path = _download(page, tmp_path, "blank.xlsx")
    book = load_workbook(path)
    ws, row = _row(book, "households")
    ws.cell(row, 4).value = 120
    ws, row = _row(book, "population")
    ws.cell(row, 4).value = "1.234"  # typed as text, the Vietnamese way: one thousand two hundred thirty-four
    ws, row = _row(book, "poor_households")
    ws.cell(row, 4).value = 20
    ws, row = _row(book, "notes")
    ws.cell(row, 4).value = "Số liệu rà soát tháng 11"
    book.save(path)

    _upload(page, path)
    assert page.url == entry_url
    assert "Đã nhận bảng tính" in page.content()
    assert page.input_value("#in-households") == "120"
    assert page.input_value("#in-population") == "1234"
    assert page.input_value("#in-poor_households") == "20"
    assert page.input_value("#in-notes") == "Số liệu rà soát tháng 11"
    _shot(page, "workbook-entry-after-upload")

    # A broken workbook: every problem by sheet and cell, nothing saved
    path = _download(page, tmp_path, "second.xlsx")
    book = load_workbook(path)
    ws, row = _row(book, "households")
    ws.cell(row, 4).value = "một trăm hai mươi"
    households_cell = f"{ws.title} D{row}"
    ws, row = _row(book, "near_poor_households")
    ws.cell(row, 4).value = "=D8*2"
    formula_cell = f"{ws.title} D{row}"
    book.save(path)
    _upload(page, path)
    problems = page.inner_text("#workbook-problems")
    rows = [" ".join(r.split("\t")[:2]) for r in problems.splitlines()[1:]]
    assert households_cell in rows and formula_cell in rows
    assert "Nhập một số" in problems and "công thức" in problems
    assert "Chưa lưu" in page.inner_text("#workbook-refused")
    _shot(page, "workbook-problems")
    page.goto(entry_url)
    assert page.input_value("#in-households") == "120"  # nothing of the broken file was saved

    phone = browser.new_page(locale="vi-VN", viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(entry_url)
    assert phone.is_visible("#workbook-download") and phone.is_visible("#workbook-upload")
    if SHOTS:
        phone.locator("#workbook").screenshot(path=os.path.join(SHOTS, "workbook-panel-phone.png"))
    _upload(phone, path)
    assert phone.is_visible("#workbook-problems")
    width = phone.evaluate("document.documentElement.scrollWidth")
    _shot(phone, "workbook-problems-phone")
    assert width <= 390 + 1, f"the problem list is {width} px wide on a 390 px phone"
