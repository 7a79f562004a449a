"""Body sections spliced between markers; IANA zones mapped to the Windows names Graph takes."""

from __future__ import annotations

import pytest

from addin.errors import InputError
from addin.outlook.body import ABOUT, STATUS, extract, section, splice
from addin.outlook.timezones import windows_zone

TEAMS = '<div>____</div><a href="https://teams.microsoft.com/l/meetup-join/x">Join</a><div>____</div>'


def test_splice_replaces_only_its_section() -> None:
    body = section(ABOUT, "<p>about</p>") + TEAMS
    with_status = splice(body, STATUS, "<p>week 1</p>")
    assert with_status == section(ABOUT, "<p>about</p>") + section(STATUS, "<p>week 1</p>") + TEAMS
    again = splice(with_status, STATUS, "<p>week 2</p>")
    assert extract(again, STATUS) == "<p>week 2</p>" and again.endswith(TEAMS)
    assert extract(splice(again, ABOUT, "<p>new</p>"), STATUS) == "<p>week 2</p>"


def test_splice_into_a_body_without_markers_keeps_it_whole() -> None:
    html = "<html><body><p>Organiser's note</p>" + TEAMS + "</body></html>"
    out = splice(html, STATUS, "<p>status</p>")
    assert out.startswith("<html><body>" + section(STATUS, "<p>status</p>"))
    assert "Organiser's note" in out and TEAMS in out
    assert splice(None, ABOUT, "x") == section(ABOUT, "x")


def test_a_status_with_markup_like_a_marker_does_not_break_the_next_splice() -> None:
    # user text is escaped by the invite builder; even so, a section ends only at its own marker
    body = splice(TEAMS, STATUS, "<p>&lt;!-- okr-cadence:status:end --&gt;</p>")
    assert splice(body, STATUS, "<p>ok</p>") == section(STATUS, "<p>ok</p>") + TEAMS


@pytest.mark.parametrize(
    "iana, windows",
    [
        ("Europe/Madrid", "Romance Standard Time"),
        ("America/New_York", "Eastern Standard Time"),
        ("Asia/Kolkata", "India Standard Time"),
        ("Europe/Kyiv", "FLE Standard Time"),
        ("UTC", "UTC"),
    ],
)
def test_iana_zones_map_to_windows_names_with_cldr(iana: str, windows: str) -> None:
    assert windows_zone(iana) == windows


def test_a_zone_without_a_windows_name_is_refused_clearly() -> None:
    with pytest.raises(InputError) as err:
        windows_zone("Mars/Olympus")
    assert "Mars/Olympus" in err.value.message and err.value.details["field"] == "timezone"
