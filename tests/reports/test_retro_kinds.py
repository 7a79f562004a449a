"""KRs of every kind and odd data (gaps, naive times, missing objectives) still make an honest pack."""

from __future__ import annotations

import datetime as dt

from addin.okr.model import CheckIn, KeyResult, KrKind, Objective
from addin.reports.build import build_retro_pack

from .conftest import reopen, table_after
from .factories import checkin_days, make_input


def _mixed_input():
    data = make_input(objectives=1, krs_per_objective=1, other_teams=False)
    title = data.okrs.objectives[0].title
    days = checkin_days(13)
    extra = [
        KeyResult(
            "Growth",
            title,
            "Cut churn from 5% to 3%",
            id="KR-DEC",
            ref="1.2",
            baseline=5,
            target=3,
            unit="%",
            kind=KrKind.DECREASE,
        ),
        KeyResult(
            "Growth", title, "Launch the partner portal", id="KR-MIL", ref="1.3", kind=KrKind.MILESTONE, target=1
        ),
        KeyResult(
            "Growth",
            title,
            "Keep uptime at least 99.9%",
            id="KR-BAND",
            ref="1.4",
            baseline=99.95,
            target=99.9,
            unit="%",
            kind=KrKind.STAY_ABOVE,
        ),
        KeyResult("Growth", title, "Improve morale", id="KR-NONE", ref="1.5"),  # nothing measurable
        KeyResult("Growth", "An objective nobody wrote down", "Orphan KR", id="KR-ORPH", baseline=0, target=10),
    ]
    data.okrs.key_results += extra
    data.okrs.objectives.append(Objective("Growth", "Empty objective", ref="2"))
    data.checkins += [CheckIn("KR-DEC", at, 5 - 0.1 * i, None) for i, at in enumerate(days)]  # ends at 3.8
    data.checkins += [CheckIn("KR-MIL", days[-1], 1, 0.9, "Shipped!")]
    data.checkins += [CheckIn("KR-BAND", at, 99.95, 0.9) for at in days]
    # A naive timestamp and a check-in without a value must not break anything.
    data.checkins += [CheckIn("KR-NONE", dt.datetime(2026, 8, 1, 12), None, 0.5, "no number yet")]
    data.checkins += [CheckIn("KR-ORPH", days[2], 5, None)]
    return data


def test_every_kind_is_graded_and_shown():
    doc = reopen(build_retro_pack(_mixed_input()))
    rows = {r.cells[0].text.split(" ")[0]: [c.text for c in r.cells] for r in table_after(doc, "Scorecard").rows[1:]}
    # Churn 5 % -> 3 %, ended at 3.8 %: (3.8 - 5) / (3 - 5) = 0.6 of the way.
    assert rows["1.2"][1:5] == ["5%", "3%", "3.8%", "0.60"]
    assert rows["1.3"][4] == "1.00" and rows["1.3"][5] == "done"
    assert rows["1.4"][4] == "1.00"  # held inside the band all quarter
    assert rows["1.5"][1:5] == ["—", "—", "—", "—"]  # nothing to measure: shown as such, not as 0
    assert rows["KR-ORPH"][4] == "0.50"  # a KR whose objective row is missing still counts (labelled by id)
    assert any(r[0] == "Empty objective" or r[0] == "2 Empty objective" for r in rows.values())
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "This objective had no key results." in text


def test_carry_over_wording_follows_the_kind():
    doc = reopen(build_retro_pack(_mixed_input(), charts=False))
    rows = {r.cells[0].text.split(" ")[0]: r.cells[3].text for r in table_after(doc, "Carry-over").rows[1:]}
    assert "from 3.8% to 3%" in rows["1.2"]
    assert "1.3" not in rows and "1.4" not in rows
    assert (
        "could not be graded"
        in [r.cells[2].text for r in table_after(doc, "Carry-over").rows if r.cells[0].text.startswith("1.5")][0]
    )
