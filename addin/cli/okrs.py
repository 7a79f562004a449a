"""`okr` commands on the stored OKRs: checkin, status, audit."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from addin.cli.base import _audit, _config, _database, _fail, _now, handles_errors, main

if TYPE_CHECKING:
    from addin.okr.dependencies import TeamDependencies


@main.command()
@click.argument("kr_id")
@click.argument("value", type=float)
@click.option("--confidence", help="0–1, 0–10, 0–100 %, Low/Medium/High or 🙂 🤔 😟.")
@click.option("--note", default="", help="What moved, or what blocks it.")
@handles_errors
def checkin(kr_id: str, value: float, confidence: str | None, note: str) -> None:
    """Record a check-in: KR_ID now stands at VALUE."""
    import math

    from addin.okr.values import parse_confidence
    from addin.store import checkins

    if not math.isfinite(value):
        _fail("VALUE must be a finite number.")
    try:
        conf = parse_confidence(confidence) if confidence is not None else None
    except ValueError as exc:
        _fail(f"--confidence: {exc}")
    config = _config()
    db = _database(config)
    with db.transaction() as session:
        recorded = checkins.record_checkin(
            session, config.tenant, kr_id, value=value, confidence=conf, note=note, at=_now(), source="cli"
        )
        _audit(
            session,
            config.tenant,
            "checkin",
            target=recorded.kr_id,
            details={"value": recorded.value, "confidence": recorded.confidence},
        )
    click.echo(
        f"Checked in {recorded.kr_id}: {recorded.value:g}"
        + (f", confidence {recorded.confidence:.0%}" if recorded.confidence is not None else "")
    )


@main.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option(
    "--action",
    type=click.Choice(
        [
            "sync",
            "checkin",
            "lead-change",
            "settings-change",
            "meeting-change",
            "dependency-answer",
            "feed-change",
            "tenant-onboard",
            "tenant-offboard",
        ]
    ),
    help="Only this kind of write.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def audit_command(limit: int, action: str | None, as_json: bool) -> None:
    """Show the audit trail: who changed what, when (newest first)."""
    from addin.store import audit

    config = _config()
    with _database(config).read() as session:
        entries = audit.entries(session, config.tenant, limit=limit, action=action)
    if as_json:
        click.echo(json.dumps({"entries": [e.as_dict() for e in entries]}, ensure_ascii=False))
        return
    if not entries:
        click.echo("No writes recorded yet.")
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items() if not isinstance(v, list | dict))
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S}  {e.action:<15} {e.actor_name or e.actor} ({e.actor})  {e.target}  {details}"
        )


@main.command()
@click.option("--team", help="Only this team.")
@click.option("--quarter", help="Quarter such as 2026-Q4.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def status(team: str | None, quarter: str | None, as_json: bool) -> None:
    """Show every team's OKRs with their status."""
    from addin.status import okr_status

    config = _config()
    views = okr_status(_database(config), config.tenant, today=_now().date(), team=team, quarter=quarter)
    if as_json:
        click.echo(json.dumps({"teams": [v.as_dict() for v in views]}, ensure_ascii=False))
        return
    if not views:
        click.echo("No OKRs stored yet: run `okr sync WORKBOOK` first.")
    for view in views:
        score = f"{view.score:.2f}" if view.score is not None else "–"
        click.echo(f"{view.team} · {view.quarter.label} · score {score}")
        for objective in view.objectives:
            click.echo(f"  {objective.objective.title}")
            for kr in objective.key_results:
                progress = f"{kr.status.progress:.0%}" if kr.status.progress is not None else "–"
                click.echo(f"    [{kr.status.status:<11}] {progress:>5}  {kr.kr.id or '':<10} {kr.kr.title}")
        _print_dependencies(view.dependencies)


def _print_dependencies(deps: TeamDependencies | None) -> None:
    """A team's dependencies both ways under its status: state, and the answer's who/when/note."""
    if deps is None or not (deps.depends_on or deps.depended_on_by):
        return
    click.echo("  Dependencies")
    for arrow, links, who in (("→", deps.depends_on, "other_team"), ("←", deps.depended_on_by, "team")):
        for link in links:
            item = link.as_dict()
            answer = ""
            if link.answer is not None:
                answer = f" by {link.answer.answered_by} on {link.answer.answered_at.date().isoformat()}"
                answer += f": {' '.join(link.answer.note.split())}" if link.answer.note else ""
            elif link.named_back:
                answer = " (named back in their KRs)"
            click.echo(f"    {arrow} {item[who]} · {link.kr.id or '':<10} {link.kr.title} [{link.state}]{answer}")
