"""Rules that read the check-in history: stale, unrealistic, trivial and low-confidence KRs."""

from __future__ import annotations

import datetime as dt

from addin.okr.numbers import readable

from ..model import CheckIn, KeyResult, KrKind
from ..scoring import progress_for
from .context import Context, kr_location

# Fewer days of history than this say little about a pace (one noisy week).
MIN_HISTORY_DAYS = 14
# A target reached within this many days of the quarter start was not a stretch.
START_WINDOW_DAYS = 14


Values = list[tuple[dt.date, float]]  # (day, value) of check-ins with a value, oldest first


def check_history(ctx: Context) -> None:
    """stale, unrealistic-target, trivial-target and low-confidence-unaddressed for each KR."""
    today, q_start = ctx.today, ctx.q_start
    in_quarter = q_start <= today <= ctx.q_end
    window_end = q_start + dt.timedelta(days=START_WINDOW_DAYS)
    early_days = today <= window_end
    stale_days = ctx.thresholds.stale_days
    low = ctx.thresholds.low_confidence
    no_checkins: tuple[()] = ()
    increase, decrease = KrKind.INCREASE, KrKind.DECREASE
    checkins = ctx.checkins
    for index, (kr, kind) in enumerate(zip(ctx.okrs.key_results, ctx.kinds)):
        history = checkins.get(index, no_checkins)
        value = progress_for(kr, kind)
        done = value is not None and value >= 1.0
        # Cheap tests first: the helpers run only where a finding is possible.
        if in_quarter and not done:
            last = history[-1].at.date() if history else q_start
            if (today - last).days > stale_days:
                _stale(ctx, kr, history, last)
        if (kind is increase or kind is decrease) and kr.target is not None:
            sign = 1.0 if kind is increase else -1.0
            if kr.kind is not None or early_days or (history and history[0].at.date() <= window_end):
                _trivial(ctx, kr, kind, sign, _values(history), window_end)
            if in_quarter and not done and (history or kr.baseline is not None):
                _pace(ctx, kr, sign, history)
        if not done:
            confidence = history[-1].confidence if history else kr.confidence
            if confidence is None and history:
                confidence = _latest_confidence(kr, history)
            if confidence is not None and confidence < low:
                _low_confidence(ctx, kr, history)


def _values(history: list[CheckIn] | tuple[()]) -> Values:
    return [(c.at.date(), c.value) for c in history if c.value is not None]


def _latest_confidence(kr: KeyResult, history: list[CheckIn] | tuple[()]) -> float | None:
    for checkin in reversed(history):
        if checkin.confidence is not None:
            return checkin.confidence
    return kr.confidence


def _stale(ctx: Context, kr: KeyResult, history: list[CheckIn] | tuple[()], last: dt.date) -> None:
    days = ctx.thresholds.stale_days
    if history:
        since = f"the last check-in was on {last.isoformat()}"
    else:  # never checked in: counted from the quarter start
        since = f"there has been no check-in since the quarter started ({last.isoformat()})"
    gap = (ctx.today - last).days
    ctx.add(
        "no-recent-checkin",
        kr_location(kr, "Current"),
        f"{kr.title!r} has not been checked in for {gap} days ({since}; the limit is {days}). "
        "OKRs that are not looked at weekly are set and forgotten.",
        "Record this week's value and confidence (Current and Confidence columns, the Outlook "
        "add-in or `okr checkin`), even if nothing moved.",
    )


def _trivial(ctx: Context, kr: KeyResult, kind: KrKind, sign: float, values: Values, window_end: dt.date) -> None:
    target = kr.target
    if target is None:
        return
    if kr.kind is not None and kr.baseline is not None and sign * (kr.baseline - target) >= 0:
        ctx.add(
            "baseline-meets-target",
            kr_location(kr, "Target"),
            f"{kr.title!r} is marked {kind.value} but its baseline ({readable(kr.baseline)}) already meets "
            f"its target ({readable(target)}). A key result already met is no goal at all.",
            "Set a target beyond the baseline (a stretch you are not sure to reach), or fix the "
            "direction in the Kind column.",
        )
        return
    early = [v for day, v in values if ctx.q_start <= day <= window_end]
    if not early and ctx.q_start <= ctx.today <= window_end and kr.current is not None:
        early = [kr.current]
    if not early or sign * (early[0] - target) < 0:
        return
    ctx.add(
        "met-at-start",
        kr_location(kr, "Target"),
        f"{kr.title!r} already reached its target ({readable(target)}) in the first {START_WINDOW_DAYS} "
        f"days of the quarter (value {readable(early[0])}). A target met at the start was not a real goal.",
        "Raise the target to a stretch worth the quarter, or replace this KR with one that needs effort.",
    )


def _pace(ctx: Context, kr: KeyResult, sign: float, history: list[CheckIn] | tuple[()]) -> None:
    target = kr.target
    if target is None:
        return
    # First and last known values this quarter; the baseline stands at the quarter start.
    q_start, today = ctx.q_start, ctx.today
    points = 0
    first_day = last_day = q_start
    first = last = 0.0
    if kr.baseline is not None:
        first = last = kr.baseline
        points = 1
    for checkin in history:
        value = checkin.value
        if value is None:
            continue
        day = checkin.at.date()
        if q_start <= day <= today:
            if points == 0:
                first_day, first = day, value
            last_day, last = day, value
            points += 1
    if points < 2:
        return
    span = (last_day - first_day).days
    if span < MIN_HISTORY_DAYS:
        return
    end = ctx.q_end if kr.due is None or kr.due > ctx.q_end else kr.due
    days_left = (end - ctx.today).days + 1
    remaining = sign * (target - last)
    if days_left <= 0 or remaining <= 0:
        return
    pace = sign * (last - first) / span
    needed = remaining / days_left
    factor = ctx.thresholds.unrealistic_pace_factor
    if pace > 0 and needed <= factor * pace:
        return
    forecast = last + sign * max(pace, 0.0) * days_left
    so_far = f"{readable(pace * 7)} a week so far" if pace > 0 else "no movement towards the target so far"
    ctx.add(
        "pace-far-behind",
        kr_location(kr, "Target"),
        f"{kr.title!r} needs {readable(needed * 7)} a week to reach {readable(target)} by {end.isoformat()}, "
        f"against {so_far} (more than {readable(factor)}x). At this pace it ends near {readable(forecast)}.",
        "Write in the notes what will change the pace, or reset the target to what is realistic "
        f"(about {readable(forecast)}) and say why.",
    )


def _low_confidence(ctx: Context, kr: KeyResult, history: list[CheckIn] | tuple[()]) -> None:
    limit = ctx.thresholds.low_confidence
    needed = max(1, ctx.thresholds.low_confidence_checkins)
    rated = [(c.confidence, c.note) for c in history if c.confidence is not None]
    if not rated and kr.confidence is not None:
        rated = [(kr.confidence, kr.notes)]  # only the workbook's own value is known
    recent = rated[-needed:]
    if len(recent) < needed:
        return
    if any(conf >= limit for conf, _ in recent) or any((note or "").strip() for _, note in recent):
        return
    ctx.add(
        "low-confidence-no-plan",
        kr_location(kr, "Confidence"),
        f"Confidence in {kr.title!r} has been below {readable(limit)} for the last {needed} check-in(s) "
        f"(latest {readable(recent[-1][0])}) and nobody has written what will change. A KR the team "
        "does not believe in, without a plan, will be missed quietly.",
        "Add a note to the next check-in with what is blocking it and the plan (help needed, "
        "scope cut, target reset), and raise it at the weekly check-in.",
    )
