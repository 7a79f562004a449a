"""`okr` commands on the meetings: schedule, refresh-invites, attach-retro."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from addin.cli.base import EXIT_FINDINGS, _audit, _config, _database, _now, _print_table, handles_errors, main
from addin.config import Config, cadence_settings, public_url

if TYPE_CHECKING:  # imported when a command runs (a quick `okr --help`)
    from addin.outlook.calendar import Calendar


def _calendar(config: Config, ics: Path | None) -> Calendar:
    """The calendar to write to: Graph with an app registration, else .ics files."""
    from addin.calendars import default_calendar

    def graph_token() -> str:
        from auth import AuthConfig, app_token

        return app_token(AuthConfig.from_env(), config.tenant, ["https://graph.microsoft.com/.default"])

    return default_calendar(config.instance_path, config.tenant, ics_dir=ics, token_provider=graph_token)


@main.command("schedule")
@click.option("--team", help="Only this team.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: today's quarter).")
@click.option("--dry-run", is_flag=True, help="Print the plan; touch no calendar.")
@click.option(
    "--ics",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write .ics files into this folder instead of the configured calendar.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def schedule_command(team: str | None, quarter: str | None, dry_run: bool, ics: Path | None, as_json: bool) -> None:
    """Plan each team's weekly check-ins, monthly reviews and quarter-end retro."""
    from addin.outlook.schedule import schedule

    config = _config()
    report = schedule(
        _database(config),
        config.tenant,
        team=team,
        quarter=quarter,
        dry_run=dry_run,
        calendar=_calendar(config, ics),
        now=_now(),
        settings=cadence_settings(),
    )
    changed = [m for m in report.meetings if m.action in ("create", "update", "cancelled")]
    if changed and not dry_run:
        with _database(config).transaction() as session:
            _audit(
                session,
                config.tenant,
                "meeting-change",
                target=report.quarter,
                details={
                    "calendar": report.calendar,
                    "meetings": [{"team": m.team, "kind": m.kind, "action": m.action} for m in changed],
                },
            )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        if report.meetings:
            _print_table(report.rows())
        for skipped in report.skipped:
            click.echo(f"skipped {skipped.team}: {skipped.reason}")
        for failure in report.failures:
            label = "WARNING" if failure.warning else "FAILED"
            click.echo(f"{label} {failure.team} {failure.kind}: {failure.message}", err=True)
        verb = "would create" if dry_run else "created"
        click.echo(
            f"{report.quarter} via {report.calendar}: {verb} {len(report.created)}, "
            f"updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"cancelled {len(report.cancelled)}"
        )
    sys.exit(0 if report.ok else EXIT_FINDINGS)


@main.command("refresh-invites")
@click.option("--within", default="48h", show_default=True, help="Occurrences starting within this (48h, 2d…).")
@click.option("--ics", type=click.Path(file_okay=False, path_type=Path), help="The .ics folder to refresh.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def refresh_invites_command(within: str, ics: Path | None, as_json: bool) -> None:
    """Put the current KR status into the invites of meetings starting soon (run from cron)."""
    from addin.outlook.schedule import parse_within, refresh_invites

    config = _config()
    report = refresh_invites(
        _database(config),
        config.tenant,
        within=parse_within(within),
        now=_now(),
        calendar=_calendar(config, ics),
        settings=cadence_settings(),
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for occurrence in report.updated:
            click.echo(f"refreshed {occurrence.team} {occurrence.kind} on {occurrence.start:%Y-%m-%d %H:%M %Z}")
        for failure in report.failures:
            click.echo(f"FAILED {failure.team} {failure.kind}: {failure.message}", err=True)
        click.echo(f"refreshed {len(report.updated)}, unchanged {report.unchanged}")
    sys.exit(0 if report.ok else EXIT_FINDINGS)


@main.command("attach-retro")
@click.option("--within", default="7d", show_default=True, help="Retro meetings starting within this (7d, 48h…).")
@click.option("--ics", type=click.Path(file_okay=False, path_type=Path), help="The .ics folder to attach to.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def attach_retro_command(within: str, ics: Path | None, as_json: bool) -> None:
    """Attach each team's retro pack to its quarter-end retro meeting before it starts."""
    from addin.outlook.retro_attach import attach_retro_packs, pack_link
    from addin.outlook.schedule import parse_within

    config = _config()
    # where the server is reachable (OKR_PUBLIC_URL): .ics packs too large to embed become a link
    public = public_url()
    report = attach_retro_packs(
        _database(config),
        config.tenant,
        within=parse_within(within),
        now=_now(),
        calendar=_calendar(config, ics),
        link=pack_link(public) if public else None,
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for meeting in report.meetings:
            if meeting.action != "unchanged":
                click.echo(
                    f"{meeting.action} {meeting.team} {meeting.quarter} retro pack "
                    f"({meeting.size:,} bytes) on {meeting.start:%Y-%m-%d %H:%M %Z}"
                )
        for failure in report.failures:
            click.echo(f"FAILED {failure.team} {failure.kind}: {failure.message}", err=True)
        click.echo(
            f"attached {len(report.attached)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}"
        )
    sys.exit(0 if report.ok else EXIT_FINDINGS)


LOCAL_BASE_URL = "https://localhost:5000"  # what `make run` / `okr serve --https` answer at


@main.command("feed")
@click.option("--team", required=True, help="The team whose meetings the feed shows.")
@click.option("--revoke", is_flag=True, help="Stop the team's feed: its URL answers 404 from now on.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def feed_command(team: str, revoke: bool, as_json: bool) -> None:
    """Print a new calendar feed URL for a team (an older one stops working), or --revoke it."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.outlook.feed_access import close_feed, feed_links, open_feed

    config = _config()
    db = _database(config)
    if revoke:
        record = close_feed(db, config.tenant, team, actor=LOCAL_ADMIN, now=_now())
        if as_json:
            click.echo(json.dumps({"team": record.team, "active": False}, ensure_ascii=False))
        else:
            click.echo(f"Revoked the calendar feed of {record.team}: its URL answers 404 from now on.")
        return
    base = public_url()
    issued = open_feed(db, config.tenant, team, actor=LOCAL_ADMIN, now=_now())
    links = feed_links(base or LOCAL_BASE_URL, issued.token)
    if as_json:
        click.echo(json.dumps({"team": issued.record.team, "replaced": issued.replaced, **links}, ensure_ascii=False))
        return
    click.echo(links["url"])
    click.echo(f"webcal: {links['webcal']}", err=True)
    if issued.replaced:
        click.echo(f"The previous feed URL of {issued.record.team} stopped working.", err=True)
    if base is None:
        click.echo(f"OKR_PUBLIC_URL is not set: the URL assumes the local server ({LOCAL_BASE_URL}).", err=True)
