"""Which teams a sync changed in a way their meetings show: cadence, lead or members."""

from __future__ import annotations

from collections.abc import Sequence

from addin.okr.model import Team


def meeting_shape(team: Team) -> tuple[object, ...]:
    """What of a team its meetings are made of (the cadence, who leads, who attends)."""
    return (
        team.lead and team.lead.casefold(),
        tuple(sorted(m.casefold() for m in team.members)),
        team.checkin_weekday,
        team.checkin_time,
        team.timezone,
        team.meeting_minutes,
    )


def changed_teams(before: Sequence[Team], after: Sequence[Team]) -> list[str]:
    """Names of teams added, removed, or whose cadence, lead or members changed (sorted)."""
    old = {t.name.casefold(): t for t in before}
    new = {t.name.casefold(): t for t in after}
    names: set[str] = set()
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)
        if a is None or b is None or meeting_shape(a) != meeting_shape(b):
            names.add((b or a).name)  # type: ignore[union-attr]  # the key came from one of them: a or b is set
    return sorted(names, key=str.casefold)
