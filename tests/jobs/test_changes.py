"""Which teams a sync changed in a way their meetings show."""

from __future__ import annotations

import dataclasses
import datetime as dt

from addin.jobs.changes import changed_teams
from addin.okr.model import Team

A = Team(
    "Alpha",
    lead="ana@example.com",
    members=("ana@example.com", "bo@example.com"),
    checkin_weekday=0,
    checkin_time=dt.time(10),
    timezone="Europe/Madrid",
)
B = Team("Beta", lead="cy@example.com", members=("cy@example.com",))


def test_nothing_changed_means_no_team() -> None:
    assert changed_teams([A, B], [dataclasses.replace(A), dataclasses.replace(B)]) == []


def test_case_and_order_of_addresses_do_not_count_as_changes() -> None:
    same = dataclasses.replace(A, lead="ANA@example.com", members=("bo@example.com", "Ana@Example.com"))
    assert changed_teams([A], [same]) == []


def test_a_parent_change_is_not_a_meeting_change() -> None:
    assert changed_teams([B], [dataclasses.replace(B, parent="Alpha")]) == []


def test_cadence_lead_and_members_changes_name_the_team() -> None:
    for change in (
        {"lead": "bo@example.com"},
        {"members": ("ana@example.com",)},
        {"checkin_weekday": 2},
        {"checkin_time": dt.time(11)},
        {"timezone": "UTC"},
        {"meeting_minutes": 45},
    ):
        assert changed_teams([A, B], [dataclasses.replace(A, **change), B]) == ["Alpha"], change


def test_added_and_removed_teams_are_named() -> None:
    assert changed_teams([A], [B]) == ["Alpha", "Beta"]
