"""The Excel task pane in a real headless Chromium, against the real backend."""

from __future__ import annotations

import base64
import io

import openpyxl

from addin.excel.template import write_template
from tests.conftest import FIXED_NOW

HOSTILE = '<img src=x onerror="window.__pwned=1">Ship the <b>new</b> onboarding'


def _workbook_with_hostile_kr() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(write_template(sample=True, today=FIXED_NOW.date())))
    ws = wb["OKRs"]
    header = {c.value: c.column for c in ws[1]}
    ws.cell(2, header["Key Result"], HOSTILE)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _open_pane(page, live_server: str, workbook: bytes, host: str = "Excel") -> None:
    page.add_init_script(
        f"window.__WORKBOOK_B64 = {base64.b64encode(workbook).decode()!r};"
        f" window.__FAKE_HOST = {host!r}; window.OKR_NO_SSO = true;"
    )
    page.goto(f"{live_server}/addin/excel/taskpane.html")


def _sync(page, *, again: bool = False) -> None:
    """Click Sync and wait until the pane says it synced (``again``: not its first sync)."""
    if again:
        page.evaluate("document.getElementById('state').textContent = ''")
    page.click("#sync")
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Synced')")


def test_sync_writes_ids_and_status_into_the_sheet_and_lists_findings(page, live_server):
    _open_pane(page, live_server, _workbook_with_hostile_kr())
    page.wait_for_function("document.getElementById('state').textContent === 'Ready.'")
    _sync(page)

    writes = page.evaluate("window.__writes")
    ids = [w["values"][0][0] for w in writes if str(w.get("values", [[""]])[0][0]).startswith("KR-")]
    created = int(page.text_content("#created"))
    assert created > 0 and len(ids) == created
    assert all(w["sheet"] == "OKRs" for w in writes)
    assert page.evaluate("window.__syncs") == 2  # one context.sync() reads the cells' formulas, one writes them all
    assert page.evaluate("window.__closed") is True  # the file handle is released

    assert page.locator("#findings li").count() > 0
    # User text is shown as text: no element was made from it and no script ran.
    assert page.locator("#findings img, #findings b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_backend_errors_are_shown_in_words(page, live_server):
    _open_pane(page, live_server, b"Team,Objective\nA,B\n")
    page.wait_for_function("document.getElementById('state').textContent === 'Ready.'")
    page.click("#sync")
    page.wait_for_selector("#state.error")
    assert "Excel" in page.text_content("#state")
    assert page.evaluate("window.__writes.length") == 0


def test_outside_excel_the_pane_says_so_and_offers_no_sync(page, live_server):
    _open_pane(page, live_server, b"", host="Word")
    page.wait_for_selector("#host-warning:not([hidden])")
    assert page.is_disabled("#sync")


def test_next_quarter_opens_a_prefilled_workbook_for_the_chosen_team(page, live_server, app):
    from addin.excel.sync import sync_workbook

    sync_workbook(app.extensions["okr_db"], "local", write_template(sample=True, today=FIXED_NOW.date()), now=FIXED_NOW)
    _open_pane(page, live_server, b"")
    page.wait_for_selector("#next-section:not([hidden])")
    teams = page.eval_on_selector_all("#next-team option", "options => options.map(o => o.value)")
    assert "Growth" in teams
    page.select_option("#next-team", "Growth")
    page.click("#next")
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Opened')")
    (opened,) = page.evaluate("window.__created")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(opened)))["OKRs"]
    rows = [
        dict(zip([c.value for c in ws[1]], [c.value for c in row], strict=False)) for row in ws.iter_rows(min_row=2)
    ]
    assert rows and {r["Team"] for r in rows} == {"Growth"} and all(r["Continues"] for r in rows)
    assert "2027-Q1 for Growth" in page.text_content("#state")


def test_a_workbook_without_a_key_result_header_is_mapped_once_in_the_pane(page, live_server, app):
    from addin.store import mappings
    from tests.excel.test_mapping import untitled_column_workbook

    _open_pane(page, live_server, untitled_column_workbook())
    page.wait_for_function("document.getElementById('state').textContent === 'Ready.'")
    page.click("#sync")
    page.wait_for_selector("#mapping-section:not([hidden])")
    assert "column C looks like key-result titles" in page.text_content("#mapping-why")
    # the drop-downs list the sheet's columns with a sample value; the headers found are preselected
    options = page.eval_on_selector_all("select[data-field='key_result'] option", "o => o.map(x => x.textContent)")
    assert any(o.startswith("C · (no header) · e.g. First reply within two hours") for o in options)
    assert page.eval_on_selector("select[data-field='target']", "s => s.value") == "E"

    page.select_option("select[data-field='key_result']", "C")
    page.click("#mapping-save")
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Synced')")
    assert page.text_content("#created") == "3"
    assert page.locator("#mapping-section").is_hidden()
    ids = [
        w["values"][0][0]
        for w in page.evaluate("window.__writes")
        if str(w.get("values", [[""]])[0][0]).startswith("KR-")
    ]
    assert len(ids) == 3
    with app.extensions["okr_db"].read() as session:
        from sqlalchemy import select

        saved = session.scalars(select(mappings.MappingRow.mapping)).all()
    assert len(saved) == 1 and saved[0]["sheets"][0]["columns"]["key_result"] == "C"


def test_the_team_calendar_link_is_made_shown_once_and_stopped(page, live_server, app):
    from addin.excel.sync import sync_workbook

    sync_workbook(app.extensions["okr_db"], "local", write_template(sample=True, today=FIXED_NOW.date()), now=FIXED_NOW)
    _open_pane(page, live_server, b"")
    page.wait_for_selector("#feed-section:not([hidden])")
    page.select_option("#feed-team", "Growth")
    page.click("#feed-make")
    page.wait_for_selector("#feed-url:not([hidden])")
    url = page.input_value("#feed-url")
    assert url.startswith(f"{live_server}/feeds/") and url.endswith(".ics")
    assert "copy it into your calendar app" in page.text_content("#state")
    client = app.test_client()
    path = url.removeprefix(live_server)
    assert client.get(path).status_code == 200

    page.click("#feed-make")  # a new link: the old one stops
    page.wait_for_function("document.getElementById('state').textContent.startsWith('New calendar link')")
    newer = page.input_value("#feed-url").removeprefix(live_server)
    assert newer != path and client.get(path).status_code == 404 and client.get(newer).status_code == 200

    page.click("#feed-revoke")
    page.wait_for_function("document.getElementById('state').textContent.startsWith('The calendar link of Growth')")
    assert page.locator("#feed-url").is_hidden() and client.get(newer).status_code == 404


def _as_excel_saves_it(workbook: bytes, writes: list[dict], properties: dict[str, str]) -> bytes:
    """The workbook as Excel would save it after the pane's writes: the cells and the custom property."""
    from openpyxl.packaging.custom import StringProperty

    wb = openpyxl.load_workbook(io.BytesIO(workbook))
    for w in writes:
        if "values" in w:
            wb[w["sheet"]].cell(w["row"] + 1, w["column"] + 1, w["values"][0][0])
    for name, value in properties.items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_pane_sync_gives_the_workbook_its_revision_and_the_saved_copy_is_known_by_it(page, live_server):
    original = write_template(sample=True, today=FIXED_NOW.date())
    _open_pane(page, live_server, original)
    page.wait_for_function("document.getElementById('state').textContent === 'Ready.'")
    _sync(page)
    first = page.evaluate("window.__properties")["OKRCadenceWorkbookId"]
    workbook_id, _, revision = first.partition("#r")
    assert workbook_id.startswith("WB-") and revision == "1"

    # Excel saves what the pane wrote; the next sync of that file is the same workbook, one revision on
    saved = _as_excel_saves_it(original, page.evaluate("window.__writes"), page.evaluate("window.__properties"))
    page.evaluate(f"window.__WORKBOOK_B64 = {base64.b64encode(saved).decode()!r}; window.__writes = []")
    _sync(page, again=True)
    assert page.evaluate("window.__properties")["OKRCadenceWorkbookId"] == f"{workbook_id}#r2"
    assert int(page.text_content("#created")) == 0  # nothing taken for new: the copy was known


def test_a_status_cell_holding_a_formula_keeps_it(page, live_server):
    book = write_template(sample=True, today=FIXED_NOW.date())
    _open_pane(page, live_server, book)
    page.wait_for_function("document.getElementById('state').textContent === 'Ready.'")
    _sync(page)
    percent = next(w for w in page.evaluate("window.__writes") if w.get("numberFormat") == [["0%"]])
    where = f"{percent['sheet']}!{percent['row']},{percent['column']}"

    # the manager computes that progress cell with a formula of their own: the next sync leaves it
    page.evaluate(f"window.__FORMULAS = {{{where!r}: '=D2/E2'}}; window.__writes = []")
    _sync(page, again=True)
    again = {(w["sheet"], w["row"], w["column"]) for w in page.evaluate("window.__writes")}
    assert again and (percent["sheet"], percent["row"], percent["column"]) not in again
